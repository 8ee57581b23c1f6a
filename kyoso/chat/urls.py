from django.urls import path

from kyoso.chat import attachment_views
from kyoso.chat.views import compose, membership, message_actions, pages, people, stamps

app_name = "chat"

# Fixed paths first: a channel slug may be any segment (Japanese too, allow_unicode), so the
# fixed ones must come before the patterns that take a slug.
urlpatterns = [
    path("", pages.channel_directory, name="directory"),
    path("new/", membership.create, name="create"),
    path("direct/", membership.open_direct, name="open_direct"),
    path("people/", people.member_search, name="member_search"),
    path("stamps/", stamps.stamp_list, name="stamps"),
    path("stamps/<id:stamp_id>/image/", stamps.stamp_image, name="stamp_image"),
    path("files/<id:attachment_id>/thumbnail/", attachment_views.thumbnail, name="attachment_thumbnail"),
    path("files/<id:attachment_id>/<str:name>", attachment_views.download, name="attachment"),
    path("files/messages/<id:message_id>/", attachment_views.upload_to_message, name="attachment_upload"),
    path("<str:slug>/", pages.channel_detail, name="channel"),
    path("<str:slug>/unread/", pages.first_unread, name="first_unread"),
    path("<str:slug>/pins/", pages.pinned, name="pinned"),
    path("<str:slug>/post/", compose.post, name="post"),
    path("<str:slug>/join/", membership.join, name="join"),
    path("<str:slug>/read/", message_actions.mark_read, name="read"),
    path("<str:slug>/leave/", membership.leave, name="leave"),
    path("<str:slug>/notify-level/", membership.notify_level, name="notify_level"),
    path("<str:slug>/invite/", membership.invite, name="invite"),
    path("<str:slug>/archive/", membership.archive, name="archive"),
    path("<str:slug>/settings/", membership.channel_settings, name="settings"),
    path("<str:slug>/threads/<id:message_id>/", pages.thread_detail, name="thread"),
    path("<str:slug>/messages/<id:message_id>/edit/", compose.edit, name="edit"),
    path("<str:slug>/messages/<id:message_id>/delete/", compose.delete, name="delete"),
    path("<str:slug>/messages/<id:message_id>/stamps/", message_actions.toggle_stamp, name="stamp"),
    path("<str:slug>/messages/<id:message_id>/reactions/", message_actions.reactions, name="reactions"),
    path("<str:slug>/messages/<id:message_id>/pin/", message_actions.toggle_pin, name="pin"),
    path("<str:slug>/messages/<id:message_id>/actions/", message_actions.message_menu, name="message_menu"),
    path("<str:slug>/messages/<id:message_id>/revisions/", message_actions.revisions, name="revisions"),
    path("<str:slug>/messages/<id:message_id>/save/", message_actions.toggle_save, name="save"),
    path("<str:slug>/messages/<id:message_id>/follow/", message_actions.toggle_follow, name="follow"),
]

# The member's own views across channels, mounted at the site root (kyoso/urls.py).
member_urlpatterns = [
    path("mentions/", pages.mentions, name="mentions"),
    path("saved/", pages.saved, name="saved"),
    path("threads/", pages.followed_threads, name="threads"),
]
