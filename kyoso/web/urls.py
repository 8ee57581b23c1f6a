from django.urls import path

from kyoso.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # Pages that name no icon (the Django admin, a browser's own guess) ask for /favicon.ico: the mark.
    path("favicon.ico", views.favicon, name="favicon"),
]
