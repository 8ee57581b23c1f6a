"""The permission matrix, through the API: outside a private channel or DM, or suspended, nothing.

The scenes are kyoso.chat.tests.test_permissions' own (messages, a thread, stamps, a pin, an edit
history, a mention of the viewer; the viewer is an operator, so no role stands in for belonging),
with a file attached. Every endpoint that names the conversation, one of its messages or its file
must answer as if it did not exist (404) to an outsider or a former member, and refuse a suspended
member outright (403 with a token, 401 with a session, which it also ends). Nothing may change.
The control row, a member of the conversation, gets answers from the same reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kyoso.accounts.models import Member
from kyoso.api import tokens
from kyoso.api.models import PersonalToken
from kyoso.api.tests.conftest import Api, token_for
from kyoso.chat import actions
from kyoso.chat.models import Attachment, ChannelMembership, Message, Reaction, ThreadFollow
from kyoso.chat.tests import filesamples as samples
from kyoso.chat.tests.test_permissions import DENIED, Scene, build
from kyoso.testing.auth import force_login_verified
from kyoso.testing.factories import stamp_named

pytestmark = pytest.mark.django_db


@dataclass
class FileScene:
    scene: Scene
    attachment: Attachment
    stamp_id: int

    def ids(self) -> dict[str, int]:
        s = self.scene
        return {
            "c": s.channel.pk,
            "root": s.root.pk,
            "reply": s.reply.pk,
            "file": self.attachment.pk,
            "stamp": self.stamp_id,
            "viewer": s.viewer.pk,
        }


def build_with_file(kind: str, access: str) -> FileScene:
    scene = build(kind, access)
    image = SimpleUploadedFile("内部資料.png", samples.image_bytes("PNG", (20, 20)))
    [attachment] = actions.attach_files(uploader=scene.owner, message=scene.root, files=[image])
    return FileScene(scene, attachment, stamp_named("なるほど").pk)


# (method, path, JSON body or "files" for a multipart upload). Each one names the conversation.
CALLS: list[tuple[str, str, Any]] = [
    ("get", "/channels/{c}", None),
    ("get", "/channels/{c}/messages", None),
    ("get", "/channels/{c}/messages?after=0", None),
    ("get", "/channels/{c}/pins", None),
    ("get", "/channels/{c}/first-unread", None),
    ("get", "/members?q=山田&channel_id={c}", None),
    ("get", "/messages/{root}", None),
    ("get", "/messages/{reply}", None),
    ("get", "/messages/{root}/thread", None),
    ("get", "/messages/{reply}/thread", None),
    ("get", "/messages/{root}/reactions", None),
    ("get", "/messages/{root}/revisions", None),
    ("get", "/files/{file}", None),
    ("get", "/files/{file}/download", None),
    ("get", "/files/{file}/thumbnail", None),
    ("post", "/channels/{c}/messages", {"text": "割り込み"}),
    ("post", "/channels/{c}/messages", {"text": "割り込み", "thread_root_id": "{root}"}),
    ("post", "/channels/{c}/messages", "files"),
    ("post", "/channels/{c}/read", {"up_to": "{reply}"}),
    ("post", "/channels/{c}/join", None),
    ("post", "/channels/{c}/leave", None),
    ("patch", "/channels/{c}", {"name": "乗っ取り"}),
    ("post", "/channels/{c}/members", {"member_id": "{viewer}"}),
    ("post", "/channels/{c}/archive", None),
    ("patch", "/messages/{root}", {"text": "改ざん"}),
    ("delete", "/messages/{root}", None),
    ("post", "/messages/{root}/pin", None),
    ("delete", "/messages/{root}/pin", None),
    ("post", "/messages/{root}/save", None),
    ("post", "/messages/{root}/follow", None),
    ("delete", "/messages/{root}/follow", None),
    ("post", "/messages/{root}/thread/read", None),
    ("put", "/messages/{root}/reactions/{stamp}", None),
    ("delete", "/messages/{root}/reactions/{stamp}", None),
    ("post", "/messages/{root}/files", "files"),
]
READS = [call for call in CALLS if call[0] == "get"]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str):
        filled = value.format(**ids)
        return int(filled) if filled.isdigit() and value.startswith("{") else filled
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _call(api: Api, method: str, path: str, body: Any, ids: dict[str, int]) -> Any:
    path = _fill(path, ids)
    if body == "files":
        upload = SimpleUploadedFile("追加.pdf", samples.MINIMAL_PDF)
        return api.multipart(path, {"text": "割り込み", "files": [upload]})
    return api.call(method, path, _fill(body, ids))


def _secret_of(member: Member) -> str:
    """A token as if made before the member was suspended (the action refuses one now)."""
    if member.is_active:
        return token_for(member)
    secret = tokens.new_secret()
    PersonalToken.objects.create(
        member=member, name="停止前", token_hash=tokens.digest(secret), prefix=tokens.shown_part(secret)
    )
    return secret


def _client_for(scene: Scene, auth: str) -> Api:
    if auth == "token":
        return Api(Client(), _secret_of(scene.viewer))
    client = Client()
    force_login_verified(client, scene.viewer)
    return Api(client)


def _state(s: FileScene) -> tuple[object, ...]:
    scene = s.scene
    scene.root.refresh_from_db()
    return (
        Message.objects.filter(channel=scene.channel).count(),
        Reaction.objects.filter(message__channel=scene.channel).count(),
        Attachment.objects.filter(message__channel=scene.channel).count(),
        sorted(
            ChannelMembership.objects.filter(channel=scene.channel).values_list(
                "member", "last_read_message_id"
            )
        ),
        sorted(
            ThreadFollow.objects.filter(thread_root=scene.root).values_list(
                "member", "following", "last_read_reply_id"
            )
        ),
        scene.root.text,
        scene.root.pinned_at,
        scene.root.deleted_at,
        scene.channel.__class__.objects.filter(pk=scene.channel.pk).values_list("name", "archived_at").get(),
    )


def _expected(access: str, auth: str) -> tuple[int, str]:
    if access != "suspended member":
        return 404, "not found"
    return (403, "account_unavailable") if auth == "token" else (401, "session_ended")


@pytest.mark.parametrize("auth", ["token", "session"])
@pytest.mark.parametrize(("kind", "access"), DENIED)
def test_no_endpoint_answers_about_a_conversation_one_is_not_in(kind: str, access: str, auth: str) -> None:
    s = build_with_file(kind, access)
    ids = s.ids()
    before = _state(s)
    status, code = _expected(access, auth)
    for method, path, body in CALLS:
        api = _client_for(s.scene, auth)  # a fresh session each call: a suspended one ends at once
        response = _call(api, method, path, body, ids)
        assert response.status_code == status, (method, path, response.status_code, response.content[:200])
        error = response.json()["error"]
        if status == 404:
            assert error["code"].endswith("not_found"), (method, path, error)
        else:
            assert error["code"] == code, (method, path, error)
        for secret in ("非公開の相談", "非公開の返信", "内部資料", s.scene.channel.name):
            assert secret not in response.content.decode("unicode_escape"), (method, path)
    assert _state(s) == before


@pytest.mark.parametrize("auth", ["token", "session"])
@pytest.mark.parametrize(("kind", "access"), DENIED)
def test_lists_leave_out_a_conversation_one_is_not_in(kind: str, access: str, auth: str) -> None:
    s = build_with_file(kind, access)
    api = _client_for(s.scene, auth)
    if access == "suspended member":
        assert api.get("/channels").status_code in {401, 403}
        return
    channel_ids = {c["id"] for c in api.get("/channels").json()}
    channel_ids |= {c["id"] for c in api.get("/channels/directory").json()}
    mentioned = {m["id"] for m in api.get("/mentions").json()["messages"]}
    saved = {i["message"]["id"] for i in api.get("/saved").json()["items"]}
    assert s.scene.channel.pk not in channel_ids
    assert {s.scene.root.pk, s.scene.reply.pk}.isdisjoint(mentioned | saved)


def test_unsaving_answers_the_same_whether_or_not_one_can_read_the_message() -> None:
    s = build_with_file("private", "outsider")
    api = _client_for(s.scene, "token")
    hidden = api.delete(f"/messages/{s.scene.root.pk}/save")
    missing = api.delete("/messages/999999/save")
    assert hidden.status_code == missing.status_code == 200
    assert hidden.json()["saved"] is missing.json()["saved"] is False


@pytest.mark.parametrize("auth", ["token", "session"])
@pytest.mark.parametrize("kind", ["private", "direct"])
def test_a_member_of_the_conversation_reads_all_of_it(kind: str, auth: str) -> None:
    s = build_with_file(kind, "member")
    ids = s.ids()
    for method, path, body in READS:
        if path.startswith("/messages/{root}/revisions"):
            continue  # moderators only: the viewer is an operator, so it answers too, below
        response = _call(_client_for(s.scene, auth), method, path, body, ids)
        assert response.status_code == 200, (path, response.content[:200])
    revisions = _call(_client_for(s.scene, auth), "get", "/messages/{root}/revisions", None, ids)
    assert revisions.status_code == 200
    channel_ids = {c["id"] for c in _client_for(s.scene, auth).get("/channels").json()}
    assert s.scene.channel.pk in channel_ids
