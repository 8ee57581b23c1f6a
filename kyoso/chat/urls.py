from django.urls import path

from kyoso.chat import views

app_name = "chat"

# Channel slugs may be Japanese (allow_unicode), so they are matched as any path segment.
urlpatterns = [
    path("", views.channel_directory, name="directory"),
    path("<str:slug>/", views.channel_detail, name="channel"),
    path("<str:slug>/threads/<int:message_id>/", views.thread_detail, name="thread"),
]
