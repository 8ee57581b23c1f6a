"""The kinds of notification: one registry, so a new kind is one declaration.

kyoso's own kinds come from posts (below). A later feature adds its kind in its ``AppConfig.ready``::

    kinds.register(NotificationKind(
        key="answer_accepted",
        label=ANSWER_ACCEPTED_LABEL,         # translated strings (gettext_lazy / gettext)
        describe=lambda n: answer_accepted_line(n.actor),
    ))

and makes notifications with ``kyoso.notify.actions.notify(...)``. The preferences page lists every
registered kind with its label, the bell page shows ``describe``, and mails use ``subject``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from kyoso.notify.models import Notification


def _actor(notification: Notification) -> str:
    return notification.actor.display_name if notification.actor is not None else gettext("退会したメンバー")


def _place(notification: Notification) -> str:
    channel = notification.channel
    if channel is None:
        return ""
    if channel.kind == "direct":
        return gettext("ダイレクトメッセージ")
    return f"#{channel.name}"


@dataclass(frozen=True)
class NotificationKind:
    key: str
    # On the preferences page: what the member turns on or off.
    label: str | Promise
    # One line on the bell page and in a mail's subject: 「山田さんがあなたをメンションしました（#防災）」.
    describe: Callable[[Notification], str]
    # Sent by e-mail when missed, unless the member turns it off. A kind that would flood (every post
    # of a channel set to 「すべての投稿」) stays in the app.
    email: bool = True
    # Higher wins when one post would give a member several kinds: they get one item, the telling one.
    rank: int = 0


_kinds: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    """Add a kind (or replace it, so a reloaded app does not register twice)."""
    _kinds[kind.key] = kind
    return kind


def get(key: str) -> NotificationKind | None:
    return _kinds.get(key)


def all_kinds() -> list[NotificationKind]:
    return sorted(_kinds.values(), key=lambda kind: -kind.rank)


def describe(notification: Notification) -> str:
    kind = _kinds.get(notification.kind)
    if kind is None:  # a kind whose feature was removed: still shown, plainly
        return gettext("お知らせがあります")
    return kind.describe(notification)


DIRECT_MESSAGE = register(
    NotificationKind(
        key="direct_message",
        label=_("ダイレクトメッセージ"),
        describe=lambda n: gettext("%(actor)sさんからダイレクトメッセージ") % {"actor": _actor(n)},
        rank=40,
    )
)
MENTION = register(
    NotificationKind(
        key="mention",
        label=_("あなたへのメンション"),
        describe=lambda n: (
            gettext("%(actor)sさんがあなたをメンションしました（%(place)s）")
            % {"actor": _actor(n), "place": _place(n)}
        ),
        rank=30,
    )
)
THREAD_REPLY = register(
    NotificationKind(
        key="thread_reply",
        label=_("フォロー中のスレッドへの返信"),
        describe=lambda n: (
            gettext("%(actor)sさんがフォロー中のスレッドに返信しました（%(place)s）")
            % {"actor": _actor(n), "place": _place(n)}
        ),
        rank=20,
    )
)
CHANNEL_MENTION = register(
    NotificationKind(
        key="channel_mention",
        label=_("@channel・@here（チャンネルの全員へのお知らせ）"),
        describe=lambda n: (
            gettext("%(actor)sさんが %(place)s の全員に知らせました")
            % {"actor": _actor(n), "place": _place(n)}
        ),
        rank=10,
    )
)
CHANNEL_MESSAGE = register(
    NotificationKind(
        key="channel_message",
        label=_("「すべての投稿」にしたチャンネルの新しい投稿"),
        describe=lambda n: (
            gettext("%(actor)sさんが %(place)s に投稿しました") % {"actor": _actor(n), "place": _place(n)}
        ),
        email=False,
        rank=0,
    )
)
