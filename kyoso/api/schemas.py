"""What the API takes and gives, as typed schemas: they are also the OpenAPI document.

Ids are integers, times ISO 8601 with their offset, URLs absolute. Text comes back exactly as it was
posted; ``html`` is the server's own rendering (Markdown, then an allow-list sanitizer), safe to show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from kyoso.chat.models import ChannelCategory, NotifyLevel, PostingPolicy
from kyoso.core.validation import Id, Position

# ---- Errors ------------------------------------------------------------------------------------


class ErrorDetail(Schema):
    code: str = Field(description="Machine-readable, e.g. `message_too_long`, `channel_not_found`.")
    message: str = Field(description="For people, in the member's language.")
    fields: list[dict[str, str]] | None = Field(None, description="For `invalid_input`: what is wrong where.")


class ErrorOut(Schema):
    error: ErrorDetail


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}
# Operations that take files also refuse one past KYOSO_UPLOAD_MAX_BYTES, or a body past the limit.
UPLOAD_ERRORS = {**ERRORS, 413: ErrorOut}

# Text a member names things with holds no NUL, as in Django's forms (ProhibitNullCharactersValidator):
# PostgreSQL cannot store one, so it is refused here with invalid_input (400), not met as a 500 there.
NO_NUL = r"^[^\x00]*$"

# ---- Members -----------------------------------------------------------------------------------


class AuthorOut(Schema):
    id: int
    name: str
    affiliation: str = Field(description="Organisation and department, e.g. 「久留米市 · 市民課」.")
    role: str
    role_label: str


class MemberOut(AuthorOut):
    organization: str | None


class MeOut(MemberOut):
    email: str
    full_name: str
    language: str = Field(description="The language of messages in this response (`ja` or `en`).")


# ---- Channels ----------------------------------------------------------------------------------


class ChannelOut(Schema):
    id: int
    slug: str
    name: str
    title: str
    purpose: str
    kind: str = Field(description="`public`, `private` or `direct`.")
    category: str
    posting_policy: str = Field(description="`members`, or `operators` for announcement channels.")
    archived: bool
    is_default: bool
    created_at: datetime
    last_message_at: datetime | None
    url: str


class DirectoryChannelOut(ChannelOut):
    member_count: int
    joined: bool


class JoinedChannelOut(ChannelOut):
    unread_count: int = Field(description="0 in a muted channel: it stays out of the unread totals.")
    mention_count: int
    last_read_message_id: int
    notify_level: NotifyLevel = Field(description="`all`, `mentions` (and followed threads) or `muted`.")


class ChannelIn(Schema):
    name: str = Field(min_length=1, max_length=80, pattern=NO_NUL)
    category: ChannelCategory = ChannelCategory.THEME
    kind: Literal["public", "private"] = "public"
    title: str = Field("", max_length=200, pattern=NO_NUL)
    purpose: str = Field("", max_length=1000, pattern=NO_NUL)
    posting_policy: PostingPolicy = PostingPolicy.MEMBERS


class ChannelPatch(Schema):
    name: str | None = Field(None, max_length=80, pattern=NO_NUL)
    title: str | None = Field(None, max_length=200, pattern=NO_NUL)
    purpose: str | None = Field(None, max_length=1000, pattern=NO_NUL)


class InviteIn(Schema):
    member_id: Id


class DirectIn(Schema):
    member_ids: list[Id] = Field(description="The others in the conversation; an empty list is a notepad.")


class MembershipOut(Schema):
    channel_id: int
    member_id: int
    joined: bool


# ---- Messages ----------------------------------------------------------------------------------


class StampSummaryOut(Schema):
    stamp_id: int
    name: str
    emoji: str
    count: int
    organization_count: int = Field(description="How many distinct organisations gave it (「9団体が共創」).")
    reacted_by_me: bool
    image_url: str | None = None


class AttachmentOut(Schema):
    id: int
    message_id: int
    name: str
    content_type: str = Field(description="Detected from the content, not from the name.")
    size: int
    url: str = Field(description="Download in the browser (session).")
    thumbnail_url: str | None
    download_url: str = Field(description="Download through the API (token or session).")
    width: int | None
    height: int | None


class MessageOut(Schema):
    id: int
    channel_id: int
    thread_root_id: int | None = Field(description="The thread's first message, for a reply.")
    also_in_channel: bool
    author: AuthorOut | None = Field(description="None for a deleted message.")
    text: str = Field(description="Exactly as posted; empty once deleted.")
    html: str = Field(description="Rendered and sanitised by the server.")
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    pinned: bool
    reply_count: int
    last_reply_at: datetime | None
    stamps: list[StampSummaryOut]
    attachments: list[AttachmentOut]
    permalink: str


class MessagePage(Schema):
    messages: list[MessageOut] = Field(description="Oldest first.")
    next_before: int | None = Field(description="Pass as `before` for the older page; null at the start.")
    next_after: int | None = Field(description="Pass as `after` for the newer page; null at the newest.")


class ListPage(Schema):
    messages: list[MessageOut] = Field(description="Newest first.")
    next_before: int | None = Field(description="Pass as `before` for the next page; null at the end.")


class SavedItemOut(Schema):
    saved_id: int
    saved_at: datetime
    message: MessageOut


class SavedPageOut(Schema):
    items: list[SavedItemOut]
    next_before: int | None = Field(description="Pass as `before` for the next page; null at the end.")


class MessageIn(Schema):
    text: str = Field(description="Markdown; 1 to KYOSO_MESSAGE_MAX_LENGTH characters.")
    thread_root_id: Id | None = Field(None, description="Reply in this message's thread.")
    also_in_channel: bool = Field(False, description="A reply that is also shown in the channel.")


class MessageEdit(Schema):
    text: str


class RevisionOut(Schema):
    text: str
    written_at: datetime
    replaced_at: datetime


class SavedOut(Schema):
    message_id: int
    saved: bool


class FirstUnreadOut(Schema):
    message: MessageOut | None


# ---- Threads -----------------------------------------------------------------------------------


class ThreadOut(Schema):
    root: MessageOut
    replies: list[MessageOut]
    participants: list[MemberOut] = Field(description="The author, then repliers in order.")
    following: bool


class FollowOut(Schema):
    thread_root_id: int
    following: bool


# ---- Stamps and reactions ----------------------------------------------------------------------


class StampOut(Schema):
    id: int
    name: str
    emoji: str
    is_default: bool
    image_url: str | None = Field(None, description="The custom stamp's picture (a small PNG), if any.")


class ReactorOut(Schema):
    member_id: int
    name: str
    organization: str


class ReactionGroupOut(Schema):
    stamp_id: int
    name: str
    emoji: str
    count: int
    organization_count: int
    reacted_by_me: bool
    reactors: list[ReactorOut] = Field(description="In the order they reacted.")


class StampsOut(Schema):
    message_id: int
    stamps: list[StampSummaryOut]


# ---- Read state --------------------------------------------------------------------------------


class ReadIn(Schema):
    up_to: Position | None = Field(None, description="The newest message seen; omitted: the newest.")


class ReadOut(Schema):
    channel_id: int
    last_read_message_id: int


class ThreadReadOut(Schema):
    thread_root_id: int
    last_read_reply_id: int


# ---- Notifications (通知) -------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="A kind of kyoso.notify.kinds, e.g. `mention` or `thread_reply`.")
    text: str = Field(description="One line in the member's language, as the bell's page shows it.")
    actor: AuthorOut | None
    channel_id: int | None
    message_id: int | None
    thread_root_id: int | None
    snippet: str = Field(description="The message as plain words; empty for a deleted message.")
    url: str | None = Field(description="Where it leads: the message, or a later feature's page.")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut] = Field(description="Newest first.")
    next_before: int | None = Field(description="Pass as `before` for the next page; null at the end.")
    unread: int = Field(description="Unread notifications, counted up to 100 (the bell shows 「99+」).")


class NotificationReadOut(Schema):
    id: int | None = Field(description="The notification marked read; null when all were.")
    changed: int
    unread: int


class NotifyLevelIn(Schema):
    # A plain string: the action refuses anything else with its own message, after the access check.
    level: str = Field(description="`all`, `mentions` or `muted`.")


class NotifyLevelOut(Schema):
    channel_id: int
    notify_level: NotifyLevel
