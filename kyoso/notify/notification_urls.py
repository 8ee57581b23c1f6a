"""/notifications/: the bell's page, the member's notification settings and one-click unsubscribe."""

from django.urls import path

from kyoso.notify import bell_views, push_views, settings_views

app_name = "notifications"

urlpatterns: list = [
    # The bell's pages (bell_views.py).
    path("", bell_views.notification_list, name="list"),
    path("read-all/", bell_views.read_all, name="read_all"),
    path("<id:notification_id>/", bell_views.open_notification, name="open"),
    # The settings and unsubscribe (settings_views.py).
    path("settings/", settings_views.notification_settings, name="settings"),
    path("unsubscribe/<str:token>/", settings_views.unsubscribe, name="unsubscribe"),
    # Web Push (push_views.py)
    path("push/subscribe/", push_views.subscribe, name="push_subscribe"),
    path("push/unsubscribe/", push_views.unsubscribe, name="push_unsubscribe"),
    path("push/sw.js", push_views.service_worker, name="push_service_worker"),
    path("manifest.webmanifest", push_views.manifest, name="manifest"),
]
