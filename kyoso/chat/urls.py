from django.urls import path

from kyoso.chat import views

app_name = "chat"

# Channel slugs may be Japanese (allow_unicode), so they are matched as any path segment.
urlpatterns = [
    path("", views.channel_directory, name="directory"),
    path("<str:slug>/", views.channel_detail, name="channel"),
    path("<str:slug>/threads/<int:message_id>/", views.thread_detail, name="thread"),
]

# Attached files: three segments or more, so no channel slug pattern above can take them.
from kyoso.chat import attachment_views  # noqa: E402

urlpatterns += [
    path("files/<int:attachment_id>/thumbnail/", attachment_views.thumbnail, name="attachment_thumbnail"),
    path("files/<int:attachment_id>/<str:name>", attachment_views.download, name="attachment"),
    path("files/messages/<int:message_id>/", attachment_views.upload_to_message, name="attachment_upload"),
]
