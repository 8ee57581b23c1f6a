from django.contrib import admin
from django.urls import include, path

from kyoso.api.api import api
from kyoso.chat.urls import member_urlpatterns

urlpatterns = [
    path("", include("kyoso.web.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kyoso.accounts.urls")),
    path("channels/", include("kyoso.chat.urls")),
    path("search/", include("kyoso.search.urls")),
    path("", include((member_urlpatterns, "chat_me"))),
    path("directory/", include("kyoso.directory.urls")),
    path("outbox/", include("kyoso.notify.urls")),
    path("notifications/", include("kyoso.notify.notification_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/tokens/", include("kyoso.api.urls")),
]

# A server error answers 503 with Retry-After when the database or Redis is down (kyoso.core.outage).
handler500 = "kyoso.core.outage.server_error"
