"""What chat.js needs to know, given to it as JSON in the page: who is reading, where, and its words.

The script's words are translated here, on the server, like every other string, so the page speaks
the member's language even in what the script writes.
"""

from __future__ import annotations

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from kyoso.chat.actions.reactions import stamp_data
from kyoso.chat.models import Channel, Stamp
from kyoso.chat.queries.channels import BADGE_SHOWN_MAX


def client_config(request: HttpRequest, channel: Channel, stamps: list[Stamp]) -> dict[str, object]:
    member = request.user
    return {
        "me": member.pk,
        # Live updates need a WebSocket, which only the ASGI server (`kyoso serve`) offers; under a
        # WSGI server (Django's test server) the page works without them instead of failing to connect.
        "live": isinstance(request, ASGIRequest),
        "channel": {"id": channel.pk, "slug": channel.slug, "name": channel.name},
        "base": reverse("chat:channel", args=[channel.slug]),
        "people_url": reverse("chat:member_search"),
        "read_url": reverse("chat:read", args=[channel.slug]),
        "stamps": [stamp_data(s) for s in stamps],
        "badge_max": BADGE_SHOWN_MAX,  # the sidebar's badges read 「99+」 past it (unread.js)
        "strings": {
            "unread_badge": _("%(count)s件の未読"),
            "unread_badge_more": _("%(count)s件を超える未読"),
            "mention_badge": _("%(count)s件のメンション"),
            "mention_badge_more": _("%(count)s件を超えるメンション"),
            "typing_one": _("%(name)sさんが入力中…"),
            "typing_many": _("%(count)s人が入力中…"),
            "confirm_delete": _("このメッセージを削除しますか？スレッドの返信は残ります。"),
            "deleted": _("このメッセージは削除されました"),
            "edited": _("（編集済み）"),
            "pinned": _("ピン留め"),
            "save": _("保存"),
            "cancel": _("キャンセル"),
            "edit_label": _("メッセージを編集"),
            "replies": _("返信 %(count)s件"),
            "new_message": _("%(name)sさんの新しいメッセージ"),
            "new_messages": _("新しいメッセージ %(count)s件"),
            "stamp_orgs": _("%(count)s団体が%(name)s"),
            "stamp_button": _("スタンプを押す"),
            "more_actions": _("その他の操作"),
            "reply_in_thread": _("スレッドで返信"),
            "save_for_later": _("あとで読む"),
            "delete": _("削除"),
            "edit": _("編集"),
            "copy_link": _("リンクをコピー"),
            "copied": _("リンクをコピーしました。"),
            "failed": _("送信できませんでした。通信状態を確かめて、もう一度お試しください。"),
            "no_match": _("該当するメンバーがいません"),
            "files_chosen": _("添付：%(names)s"),
            "connection_lost": _("接続が切れました。再接続しています…"),
            "who_reacted": _("スタンプを押した人"),
            "close": _("閉じる"),
            "remove": _("外す"),
            "unsave": _("「あとで読む」から外す"),
            "pin": _("ピン留めする"),
            "unpin": _("ピン留めを外す"),
            "revisions": _("編集履歴"),
            "follow": _("フォローする"),
            "following": _("フォロー中"),
        },
    }
