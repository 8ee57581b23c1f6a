"""The authorisation matrix: every page, API operation, live subscription, file and search, crossed with
every role and state and every kind of resource, checked against the policy in kyoso.testing.authz.

The routes come from the URL conf and the OpenAPI document, the resources from each route's parameter
names; only the access rule of each route is written by hand. For every cell:

- the answer matches the rule: allowed → served (not refused, never a 500); refused → 401, 403, 404,
  405 or a redirect to sign-in or the second factor (a form sent to a page may also be sent back with
  a redirect, as long as it wrote nothing);
- nothing that belongs to a private channel or DM the asker may not read appears in the answer: each
  carries a marker text (name, messages, thread, file name), and the marker never shows elsewhere;
- an allowed read of a page that shows the resource does show its marker (the control row);
- a refused request, and a method the route does not take, sends no write to the database (only the
  session bookkeeping); an allowed one is seen writing (the control row of that check).

The live socket /ws/ is crossed the same way: every actor opens one, holding the public channel, the
private channel and the DM; what its catch-up and its live events carry must match the same policy.

Every cell runs in a savepoint that is rolled back, so one shared world serves the whole matrix.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kyoso.accounts.models import (
    Application,
    ApplicationStatus,
    Member,
    MemberSession,
    MemberStatus,
    Role,
    TOTPDevice,
)
from kyoso.accounts.totp import new_secret
from kyoso.api.actions import create_personal_token
from kyoso.chat import actions
from kyoso.chat.models import Attachment, Channel, ChannelKind, Message, Stamp
from kyoso.chat.tests import filesamples as samples
from kyoso.notify.models import Notification
from kyoso.testing.auth import force_login_verified
from kyoso.testing.authz import (
    ACTORS,
    RESOURCE_VARIANTS,
    SAFE_METHODS,
    Access,
    Actor,
    Resource,
    Route,
    Rule,
    Standing,
    allowed,
    policy_gaps,
    readable,
    resource_kind,
    rule_for,
    site_routes,
)
from kyoso.testing.client import ClientResponse
from kyoso.testing.factories import make_channel, make_member, make_message, make_organization, stamp_named

# Marker texts: each private conversation's name, messages, thread and file carry its own. They are
# ASCII runs no page writes by itself; a search asks for an inner part, so an echo of the query is not
# mistaken for a result.
MARKERS = {"public": "qzpubliczq", "private": "qzprivatezq", "direct": "qzdirectzq"}
SECRETS = ("private", "direct")
# The matrix is seen from another machine (the demo outbox answers only this one).
REMOTE_ADDR = "198.51.100.7"
UNSAFE_BODY_TEXT = "マトリクスの確認"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
REFUSAL_STATUSES = {401, 403, 404, 405}
# Tables a refused request may still write: the session it ends and its 最終利用 time.
UNWATCHED_TABLES = {"django_session", MemberSession._meta.db_table}


def search_term(variant: str) -> str:
    return MARKERS[variant][1:-1]


# --- the world -----------------------------------------------------------------------------------------


@dataclass
class World:
    members: dict[str, Member]
    cookies: dict[str, str]
    owner: Member
    channels: dict[str, Channel]
    messages: dict[str, Message]
    files: dict[str, Attachment]
    stamp: Stamp
    application: Application
    sessions: dict[str, int]  # actor → their own MemberSession; "owner" → another member's
    tokens: dict[str, int]  # actor → their own API token; "owner" → another member's
    # actor → their own notification; "owner" → another member's
    notifications: dict[str, int] = field(default_factory=dict)


def _session_for(member: Member, *, verified: bool) -> str:
    client = Client()
    if verified:
        force_login_verified(client, member)
    else:
        client.force_login(member)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    MemberSession.objects.create(member=member, session_key=key)
    return key


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samples.image_bytes("PNG", (200, 150)), content_type="image/png")


def build_world() -> World:
    home, elsewhere = make_organization("久留米市"), make_organization("別府市")
    owner = make_member(home, display_name="所有者")
    members: dict[str, Member] = {}
    for actor in ACTORS:
        if actor.standing is Standing.ANONYMOUS:
            continue
        organization = elsewhere if actor.name == "other_organisation" else home
        members[actor.name] = make_member(organization, role=actor.role, is_staff=actor.role == Role.OPERATOR)

    public = make_channel(f"広場{MARKERS['public']}", creator=owner, purpose=f"公開 {MARKERS['public']}")
    private = make_channel(
        f"人事{MARKERS['private']}", creator=owner, kind=ChannelKind.PRIVATE, purpose=MARKERS["private"]
    )
    insiders_of_direct = [members[a.name] for a in ACTORS if a.in_direct]
    direct = actions.open_direct_conversation(member=owner, others=insiders_of_direct)
    Channel.objects.filter(pk=direct.pk).update(purpose=f"内緒 {MARKERS['direct']}")
    actions.join_channels(members=[members[a.name] for a in ACTORS if a.in_private], channel=private)
    actions.join_channels(members=list(members.values()), channel=public)

    public_message = make_message(public, owner, f"公開の相談 {MARKERS['public']}")
    make_message(public, owner, f"公開の返信 {MARKERS['public']}", thread=public_message)
    private_root = make_message(private, owner, f"非公開の相談 {MARKERS['private']}")
    private_reply = make_message(private, owner, f"非公開の返信 {MARKERS['private']}", thread=private_root)
    direct_message = make_message(direct, owner, f"内緒の話 {MARKERS['direct']}")
    for message in (public_message, private_root, direct_message):
        actions.pin_message(member=owner, message=message)
        actions.edit_message(member=owner, message=message, text=f"{message.text}（追記）")
    [public_file] = actions.attach_files(
        uploader=owner, message=public_message, files=[_upload(f"{MARKERS['public']}.png")]
    )
    [private_file] = actions.attach_files(
        uploader=owner, message=private_root, files=[_upload(f"{MARKERS['private']}.png")]
    )

    operator = members["operator"]
    stamp = actions.create_stamp(member=operator, name="マトリクス", image=_upload("stamp.png"))
    stamp_named("共創")

    cookies, sessions, tokens = {}, {}, {}
    for actor in ACTORS:
        member = members.get(actor.name)
        if member is None:
            continue
        token, _secret = create_personal_token(member=member, name="matrix")
        tokens[actor.name] = token.pk
        if actor.standing is Standing.OWES_SECOND_FACTOR:
            TOTPDevice.objects.create(member=member, secret=new_secret(), confirmed_at=timezone.now())
        cookies[actor.name] = _session_for(member, verified=actor.standing is not Standing.OWES_SECOND_FACTOR)
        sessions[actor.name] = MemberSession.objects.get(session_key=cookies[actor.name]).pk
    owner_token, _secret = create_personal_token(member=owner, name="owner")
    tokens["owner"] = owner_token.pk
    _session_for(owner, verified=True)
    sessions["owner"] = MemberSession.objects.filter(member=owner).get().pk
    notifications = {
        name: Notification.objects.create(recipient=member, kind="mention", actor=owner).pk
        for name, member in [*members.items(), ("owner", owner)]
    }

    # The states that end a session, set on members who were signed in and belong to the private
    # channel: the state refuses them, not a missing membership.
    states = {"pending": MemberStatus.PENDING, "suspended": MemberStatus.SUSPENDED}
    states["deactivated"] = MemberStatus.DEACTIVATED
    for name, status in states.items():
        Member.objects.filter(pk=members[name].pk).update(status=status)
        members[name].refresh_from_db()

    application = Application.objects.create(
        email="applicant@city.kurume.fukuoka.jp",
        full_name="申請 太郎",
        display_name="申請",
        department="市民課",
        terms_version="1",
        status=ApplicationStatus.IN_REVIEW,
    )
    return World(
        members=members,
        cookies=cookies,
        owner=owner,
        channels={"public": public, "private": private, "direct": direct},
        messages={
            "public": public_message,
            "private": private_root,
            "thread reply": private_reply,
            "direct": direct_message,
        },
        files={"public": public_file, "private": private_file},
        stamp=stamp,
        application=application,
        sessions=sessions,
        tokens=tokens,
        notifications=notifications,
    )


# --- one cell --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    route: Route
    rule: Rule
    method: str
    actor: Actor
    resource: Resource

    @property
    def served(self) -> bool:
        return self.method in self.rule.methods

    @property
    def access(self) -> Access:
        return self.rule.access_for(self.method)

    @property
    def expected_allowed(self) -> bool:
        if not self.served or self.resource.variant in self.rule.refused_for:
            return False
        return allowed(self.access, self.actor, self.resource)

    def __str__(self) -> str:
        return f"{self.method} {self.route.key} as {self.actor.name} on {self.resource.label}"


def cells(routes: list[Route]) -> Iterator[Cell]:
    for route in routes:
        rule = rule_for(route)
        assert rule is not None, route.key
        methods = rule.methods
        if not route.api and rule.other_methods:
            methods = tuple(dict.fromkeys(("GET", "POST", *rule.methods)))
        for resource in RESOURCE_VARIANTS[resource_kind(route, rule)]:
            for method in methods:
                for actor in ACTORS:
                    yield Cell(route, rule, method, actor, resource)


def _admin_model(pattern: str) -> type[models.Model] | None:
    match = re.match(r"admin/(\w+)/(\w+)/", pattern)
    if match is None:
        return None
    try:
        return apps.get_model(match.group(1), match.group(2))
    except LookupError:
        return None


def binding(world: World, cell: Cell, parameter: str) -> str:
    """The value of one URL parameter for the cell's resource."""
    variant, actor = cell.resource.variant, cell.actor.name
    kind = cell.resource.kind
    if kind == "channel":
        channel = world.channels[variant]
        return channel.slug if parameter == "slug" else str(channel.pk)
    if kind == "message":
        message = world.messages[variant]
        if parameter == "slug":
            return Channel.objects.get(pk=message.channel_id).slug
        if parameter == "stamp_id":
            return str(world.stamp.pk)
        return str(message.pk)
    if kind == "file":
        attachment = world.files[variant]
        return quote(attachment.name) if parameter == "name" else str(attachment.pk)
    if kind == "stamp":
        return str(world.stamp.pk)
    if kind == "link":
        return "matrix-unknown-token-0123456789"
    if kind == "member":
        return str(world.owner.pk)
    if kind == "session":
        return str(world.sessions[actor if cell.resource.own and actor in world.sessions else "owner"])
    if kind == "notification":
        mine = cell.resource.own and actor in world.notifications
        return str(world.notifications[actor if mine else "owner"])
    if kind == "api_token":
        return str(world.tokens[actor if cell.resource.own and actor in world.tokens else "owner"])
    if kind == "application":
        return str(world.application.pk)
    if kind == "admin_object":
        if parameter == "content_type_id":
            return str(ContentType.objects.get_for_model(Member).pk)
        model = _admin_model(cell.route.pattern)
        if model is None:  # the admin's "view on site" link: a member
            return str(world.owner.pk)
        first = model._default_manager.order_by("pk").first()
        return str(first.pk if first is not None else 1)
    if parameter == "app_label":
        return "chat"
    if parameter == "url":
        return "no-such-page/"
    raise AssertionError(f"no binding for {parameter} in {cell}")


def url_of(world: World, cell: Cell) -> str:
    pattern = cell.route.pattern
    if cell.route.api:
        path = re.sub(r"\{(\w+)\}", lambda m: binding(world, cell, m.group(1)), pattern)
    else:
        path = "/" + re.sub(
            r"<(?:[^>:]+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)",
            lambda m: binding(world, cell, str(m.group(1) or m.group(2))),
            pattern,
        )
        path = path.replace("^", "").replace("$", "")
    query: dict[str, str] = {}
    if cell.rule.search:
        query["q"] = search_term(cell.resource.variant)
    return f"{path}?{urlencode(query)}" if query else path


def _json_value(world: World, name: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "string":
        return UNSAFE_BODY_TEXT
    if kind == "integer":
        return world.owner.pk if "member" in name else world.messages["public"].pk
    if kind == "array":
        return []
    return None


def body_of(world: World, cell: Cell) -> tuple[Any, str | None]:
    """A body the API operation accepts, from its schema: the required fields, files as a small PNG."""
    spec = cell.route.body
    if spec is None or cell.method in SAFE_METHODS:
        return None, None
    schema = spec["schema"]
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    if spec["media_type"] == "multipart/form-data":
        form: dict[str, Any] = {}
        for name in required:
            prop = properties[name]
            binary = prop.get("format") == "binary" or prop.get("items", {}).get("format") == "binary"
            form[name] = _upload("matrix.png") if binary else UNSAFE_BODY_TEXT
        return form, None
    values = {name: _json_value(world, name, properties[name]) for name in required}
    return json.dumps(values), "application/json"


# --- what an answer shows --------------------------------------------------------------------------------


def content_of(response: ClientResponse) -> str:
    if isinstance(response, StreamingHttpResponse):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    text = raw.decode("utf-8", errors="replace")
    # A search result highlights the words found: <mark> must not split a marker out of sight.
    return "\n".join([text, re.sub(r"</?mark>", "", text), response.get("Content-Disposition", "")])


def is_refusal(response: ClientResponse) -> bool:
    if response.status_code in REFUSAL_STATUSES:
        return True
    if response.status_code not in REDIRECT_STATUSES:
        return False
    target = urlsplit(response["Location"]).path
    return target in {
        reverse(settings.LOGIN_URL),
        reverse("accounts:two_factor_verify"),
        reverse("accounts:two_factor_enrol"),
        reverse("admin:login"),
    }


def visible_secrets(cell: Cell) -> set[str]:
    """The private conversations whose markers this actor may see in this answer."""
    actor = cell.actor
    if cell.route.policy_key == "admin:*" and actor.operates:
        # The admin shows operators every row, private conversations included: that is the policy.
        return set(SECRETS)
    seen = set()
    if actor.active and actor.in_private:
        seen.add("private")
    if actor.active and actor.in_direct:
        seen.add("direct")
    return seen


class WriteRecorder:
    """Every INSERT, UPDATE and DELETE the request sends, by table: a refused request must send none.

    Stricter than comparing the rows before and after (a write of the same values counts too), and
    free: no table is read back. Only the session bookkeeping is let through (UNWATCHED_TABLES).
    """

    WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)

    def __init__(self) -> None:
        self.tables: list[str] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        match = self.WRITE.match(sql)
        if match is not None and match.group(1) not in UNWATCHED_TABLES:
            self.tables.append(match.group(1))
        return execute(sql, params, many, context)


@dataclass
class Tally:
    cells: int = 0
    requests_by_outcome: Counter[str] = field(default_factory=Counter)
    shown: int = 0
    allowed_writes: int = 0  # the control row of the write check: allowed actions are seen writing
    violations: list[str] = field(default_factory=list)


RATE_LIMIT_KEYS = ":kyoso:rl:"  # kyoso.core.ratelimit's keys, as the local-memory cache stores them


def forget_rate_limits() -> None:
    """Forget the budgets earlier cells spent (the matrix sends hundreds of requests from one address),
    and keep the rest of the cache: the sessions stay cached, as between a browser's requests."""
    store = getattr(cache, "_cache", None)
    if not isinstance(cache, LocMemCache) or store is None:
        cache.clear()
        return
    for key in [k for k in list(store) if RATE_LIMIT_KEYS in k]:
        cache.delete(key.split(":", 2)[2])


def check_cell(world: World, cell: Cell, tally: Tally) -> None:
    client = Client(REMOTE_ADDR=REMOTE_ADDR)
    cookie = world.cookies.get(cell.actor.name)
    if cookie is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    url = url_of(world, cell)
    data, content_type = body_of(world, cell)
    tally.cells += 1
    recorder = WriteRecorder()
    with transaction.atomic(), connection.execute_wrapper(recorder):
        forget_rate_limits()
        try:
            if content_type is not None:
                response = client.generic(cell.method, url, data, content_type=content_type)
            elif cell.method == "GET":
                response = client.get(url)
            else:
                response = getattr(client, cell.method.lower())(url, data or {})
        except Exception as error:
            tally.violations.append(f"{cell}: {url} raised {error!r}")
            transaction.set_rollback(True)
            return
        problems = _problems(cell, url, response, tally)
        if not cell.expected_allowed and (cell.method not in SAFE_METHODS or not cell.served):
            if recorder.tables:
                problems.append(f"wrote to {sorted(set(recorder.tables))}")
        elif recorder.tables:
            tally.allowed_writes += 1
        transaction.set_rollback(True)
    outcome = "allowed" if cell.expected_allowed else "refused"
    tally.requests_by_outcome[f"{outcome} {response.status_code}"] += 1
    tally.violations += [f"{cell}: {url} → {response.status_code}: {p}" for p in problems]


def _problems(cell: Cell, url: str, response: ClientResponse, tally: Tally) -> list[str]:
    problems = []
    status = response.status_code
    if status >= 500:
        return [f"server error {status}"]
    content = content_of(response)
    # What the asker sent may come back (a 404 page naming the path): that reveals nothing.
    path = urlsplit(url).path
    for echo in {path, quote(path), path.replace("%", "%25")}:
        content = content.replace(echo, "")
    for secret in set(SECRETS) - visible_secrets(cell):
        if MARKERS[secret] in content:
            problems.append(f"shows the {secret} marker to someone who may not read it")
    refused = is_refusal(response)
    if not cell.served:
        return problems  # a method the route does not take: it must show and change nothing (above)
    if cell.access is Access.REDIRECTS:
        if status not in REDIRECT_STATUSES:
            problems.append("answered with content, but the route only redirects")
        return problems
    if cell.expected_allowed:
        if refused and cell.access is not Access.LINK and not (cell.rule.finer_refusal and status == 403):
            problems.append("refused, but the policy allows it")
        explained = {400, 409, 413, 422} | ({403} if cell.rule.finer_refusal else set())
        if cell.access is not Access.LINK and status >= 400 and status not in explained:
            problems.append("answered with an error the policy does not explain")
        marker = MARKERS.get(cell.resource.variant)
        if cell.resource.variant == "thread reply":
            marker = MARKERS["private"]
        shows = cell.rule.shows and cell.method == "GET" and readable(cell.actor, cell.resource)
        if shows and status == 200 and marker is not None:
            if marker in content:
                tally.shown += 1
            else:
                problems.append("allowed, but the answer does not show the resource")
    elif not refused:
        # A form sent to a page may be refused by sending the browser back with a message (the
        # database check above makes sure it did nothing); everything else must say no outright.
        sent_back = not cell.route.api and cell.method not in SAFE_METHODS and status in REDIRECT_STATUSES
        if not sent_back:
            problems.append("served, but the policy refuses it")
    return problems


# --- the tests ---------------------------------------------------------------------------------------------


def test_every_route_has_exactly_one_policy_entry() -> None:
    routes = site_routes()
    assert policy_gaps(routes) == []
    keys = Counter(route.key if route.api else route.pattern for route in routes)
    assert [key for key, count in keys.items() if count > 1] == []


def test_a_new_route_without_an_entry_fails_and_names_itself() -> None:
    routes = site_routes()
    invented = [
        Route(key="chat:export", pattern="channels/<str:slug>/export/", parameters=("slug",), api=False),
        Route(
            key="GET /api/v1/exports", pattern="/api/v1/exports", parameters=(), api=True, methods=("GET",)
        ),
        Route(key="chat:odd", pattern="odd/<int:widget>/", parameters=("widget",), api=False),
    ]
    gaps = policy_gaps(routes + invented)
    assert "no policy entry for chat:export (channels/<str:slug>/export/)" in gaps
    assert "no policy entry for GET /api/v1/exports (/api/v1/exports)" in gaps
    assert "chat:odd: parameter 'widget' names no resource kind (PARAMETER_KINDS)" in gaps
    # And an entry left behind for a route that is gone.
    without_home = [r for r in routes if r.key != "web:home"]
    assert "stale policy entry web:home: no such page" in policy_gaps(without_home)


@pytest.mark.django_db
def test_authorization_matrix(settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    settings.KYOSO_OUTBOX = True  # on: the outbox must still refuse another machine
    settings.KYOSO_MEMBERS_CREATE_STAMPS = False
    routes = site_routes()
    assert policy_gaps(routes) == []
    world = build_world()
    tally = Tally()
    started = time.monotonic()
    for cell in cells(routes):
        check_cell(world, cell, tally)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(
            f"\nauthorization matrix: {len(routes)} routes, {tally.cells} cells, "
            f"{tally.shown} control reads showed their resource, {tally.allowed_writes} allowed requests "
            f"wrote, {elapsed:.1f}s"
        )
    assert not tally.violations, f"{len(tally.violations)} violations:\n" + "\n".join(tally.violations)
    # The control rows: the reads and writes the checks watch for are really seen when allowed.
    assert tally.shown > 0
    assert tally.allowed_writes > 0


# --- live subscriptions ------------------------------------------------------------------------------------

# The ways a socket comes to hear a channel (kyoso.realtime.catchup.listened_channels): the channels
# its member belongs to, and the ones its page holds in its hello. Every socket below holds all three
# channels, so a membership that should not count and a hold that should not count are both tried.
LIVE_CHANNELS = RESOURCE_VARIANTS["channel"]


def _frames_text(frames: list[dict[str, Any]]) -> str:
    text = json.dumps(frames, ensure_ascii=False)
    return text + re.sub(r"</?mark>", "", text)


@pytest.mark.django_db(transaction=True)
def test_live_subscription_matrix() -> None:
    from kyoso.realtime.sockets import CLOSE_NOT_ALLOWED, CLOSE_SIGNED_OUT
    from kyoso.realtime.tests.support import Closed, Live, db, run

    world = build_world()
    held = {world.channels[r.variant].pk: 0 for r in LIVE_CHANNELS}
    violations: list[str] = []
    checked = Counter[str]()

    async def scenario() -> None:
        sockets: dict[str, Live] = {}
        for actor in ACTORS:
            cookie = world.cookies.get(actor.name)
            socket = await Live(cookie).open()
            try:
                # What came before "ready" is the catch-up of the held channels: it is a read too.
                catch_up = await socket.hello(held)
            except Closed as closed:
                if actor.active:
                    violations.append(f"{actor.name}: socket closed with {closed.code}")
                elif closed.code not in {CLOSE_SIGNED_OUT, CLOSE_NOT_ALLOWED}:
                    violations.append(f"{actor.name}: closed with {closed.code}, not 4401/4403")
                checked["refused socket"] += 1
                continue
            if not actor.active:
                violations.append(f"{actor.name}: a socket was opened for a {actor.standing.value} session")
            text = _frames_text(catch_up)
            for resource in LIVE_CHANNELS:
                marker = MARKERS[resource.variant]
                may = readable(actor, resource)
                if (marker in text) != may:
                    violations.append(
                        f"{actor.name}: catch-up of the {resource.variant} channel: heard={not may}"
                    )
                checked["catch-up"] += 1
            sockets[actor.name] = socket

        # Someone outside the private channel types into it, and a member of it listens.
        for actor in ACTORS:
            if actor.name in sockets and not actor.in_private:
                await sockets[actor.name].send({"type": "typing", "channel_id": world.channels["private"].pk})

        for resource in LIVE_CHANNELS:
            channel = world.channels[resource.variant]
            text = f"新しい話 {MARKERS[resource.variant]} live"
            await db(actions.post_message)(author=world.owner, channel=channel, text=text)

        for name, socket in sockets.items():
            actor = next(a for a in ACTORS if a.name == name)
            heard = await socket.drain(0.5)
            text = _frames_text(heard)
            for resource in LIVE_CHANNELS:
                channel_id = world.channels[resource.variant].pk
                got = any(
                    e.get("type") == "message.created" and e["data"].get("channel_id") == channel_id
                    for e in heard
                )
                may = readable(actor, resource)
                if got != may:
                    violations.append(f"{name}: live message in the {resource.variant} channel: heard={got}")
                if resource.conversation and not may and MARKERS[resource.variant] in text:
                    violations.append(f"{name}: heard the {resource.variant} marker")
                checked["live"] += 1
            typing_from_outside = [e for e in heard if e.get("type") == "member.typing"]
            if typing_from_outside:
                violations.append(f"{name}: heard an outsider typing in the private channel")
            await socket.close()

    run(scenario)
    print(f"\nlive subscription matrix: {dict(checked)}")
    assert not violations, "\n".join(violations)
    assert checked["live"] == len(LIVE_CHANNELS) * sum(1 for a in ACTORS if a.active)
    assert checked["refused socket"] == sum(1 for a in ACTORS if not a.active)


@pytest.mark.django_db
def test_a_session_owing_its_second_factor_is_not_shown_its_channels() -> None:
    """The leak the matrix found: the two-factor page, drawn in the site's frame, listed the private
    channels and DMs of a session that had not passed its second factor."""
    owner, member = make_member(), make_member()
    make_channel(f"人事{MARKERS['private']}", creator=owner, kind=ChannelKind.PRIVATE, members=[member])
    TOTPDevice.objects.create(member=member, secret=new_secret(), confirmed_at=timezone.now())
    client = Client()
    client.force_login(member)
    owing = client.get(reverse("accounts:two_factor_verify"))
    assert owing.status_code == 200
    assert MARKERS["private"] not in owing.content.decode()
    force_login_verified(client, member)
    assert MARKERS["private"] in client.get(reverse("accounts:security")).content.decode()
