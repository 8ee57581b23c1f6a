from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("kyoso.web.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kyoso.accounts.urls")),
    path("channels/", include("kyoso.chat.urls")),
    path("directory/", include("kyoso.directory.urls")),
    path("outbox/", include("kyoso.notify.urls")),
    path("admin/", admin.site.urls),
]
