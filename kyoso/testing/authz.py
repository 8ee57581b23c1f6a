"""The authorisation matrix's two halves that are not test fixtures: what the site serves, and who may use it.

- ``site_routes()`` enumerates every page and endpoint: each URL pattern Django resolves (walked from
  ``get_resolver()``, the admin's included) and each operation of the API's OpenAPI document. Nothing
  here lists a route by hand.
- ``POLICY`` classifies each route, by its URL name (pages) or method and path (API), into one access
  rule (``Access``) and the methods it serves. A route with no entry, or an entry naming no route, is
  a failure of ``kyoso/tests/test_authorization_matrix.py``: a new route cannot ship unclassified.
- ``allowed(access, actor, resource)`` is the policy itself: who may use a route of that rule on that
  resource. The test crosses every route with every actor and every resource its parameters name.

The resource a route acts on is read from its parameter names (``PARAMETER_KINDS``), not from the
table: a route taking ``<str:slug>`` is crossed with a public channel, a private channel and a DM.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# --- who asks --------------------------------------------------------------------------------------


class Standing(enum.Enum):
    """What a browser's session amounts to, whatever the member's role."""

    ANONYMOUS = "anonymous"  # no session at all
    ENDED = "ended"  # a session whose member is no longer active: pending, suspended, deactivated
    OWES_SECOND_FACTOR = "owes second factor"  # signed in, the second factor not done yet
    ACTIVE = "active"  # an active member past the second factor


@dataclass(frozen=True)
class Actor:
    """One row of the matrix: a role or state, and whether they belong to the private conversations."""

    name: str
    standing: Standing
    role: str = "member"
    # Belongs to the private channel (and, for ``in_direct``, the DM) that the matrix guards.
    in_private: bool = False
    in_direct: bool = False

    @property
    def active(self) -> bool:
        return self.standing is Standing.ACTIVE

    @property
    def moderates(self) -> bool:
        return self.active and self.role in {"moderator", "operator"}

    @property
    def operates(self) -> bool:
        return self.active and self.role == "operator"


# The nine rows of the issue: anonymous, pending, unverified (the second factor owed), a member of
# another organisation, a member, suspended, deactivated, moderator, operator. The pending, unverified,
# suspended and deactivated members belong to the private channel: what refuses them must be their
# state, not a missing membership. The moderator and the operator do not: no role stands in for
# belonging to a private conversation.
ACTORS: tuple[Actor, ...] = (
    Actor("anonymous", Standing.ANONYMOUS),
    Actor("pending", Standing.ENDED, in_private=True),
    Actor("unverified", Standing.OWES_SECOND_FACTOR, in_private=True, in_direct=True),
    Actor("other_organisation", Standing.ACTIVE),
    Actor("member", Standing.ACTIVE, in_private=True, in_direct=True),
    Actor("suspended", Standing.ENDED, in_private=True, in_direct=True),
    Actor("deactivated", Standing.ENDED, in_private=True),
    Actor("moderator", Standing.ACTIVE, role="moderator"),
    Actor("operator", Standing.ACTIVE, role="operator"),
)


# --- what is asked for ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One variant of what a route's parameters name, e.g. the private channel for ``<slug>``.

    ``conversation`` names the private conversation it belongs to ("private" or "direct"), if any:
    only someone who may read that conversation may see its marker text anywhere.
    """

    kind: str
    variant: str
    conversation: str | None = None
    own: bool = False  # the actor's own session or token (resolved per actor)

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.variant}"


# Resource kinds a route's parameters can name, and their variants. Channels, messages, threads, files
# and search results are the resource kinds; the rest are what other routes name.
RESOURCE_VARIANTS: dict[str, tuple[Resource, ...]] = {
    "none": (Resource("none", "-"),),
    "channel": (
        Resource("channel", "public"),
        Resource("channel", "private", conversation="private"),
        Resource("channel", "direct", conversation="direct"),
    ),
    "message": (
        Resource("message", "public"),
        Resource("message", "private", conversation="private"),
        Resource("message", "thread reply", conversation="private"),
        Resource("message", "direct", conversation="direct"),
    ),
    "file": (
        Resource("file", "public"),
        Resource("file", "private", conversation="private"),
    ),
    "search": (
        Resource("search", "public"),
        Resource("search", "private", conversation="private"),
        Resource("search", "direct", conversation="direct"),
    ),
    "session": (Resource("session", "own", own=True), Resource("session", "another member's")),
    "api_token": (Resource("api_token", "own", own=True), Resource("api_token", "another member's")),
    "notification": (
        Resource("notification", "own", own=True),
        Resource("notification", "another member's"),
    ),
    "stamp": (Resource("stamp", "custom"),),
    "link": (Resource("link", "unknown token"),),
    "member": (Resource("member", "a member"),),
    "application": (Resource("application", "in review"),),
    "admin_object": (Resource("admin_object", "first row"),),
}

# A URL or path parameter name → the resource kind it names. A route with a parameter not listed
# here fails the matrix, naming the parameter: bind it here before the route can be checked.
PARAMETER_KINDS: dict[str, str] = {
    "slug": "channel",
    "channel_id": "channel",
    "message_id": "message",
    "attachment_id": "file",
    "name": "file",
    "stamp_id": "stamp",
    "token": "link",
    "member_id": "member",
    "session_id": "session",
    "token_id": "api_token",
    "notification_id": "notification",
    "pk": "application",
    "object_id": "admin_object",
    "content_type_id": "admin_object",
    "app_label": "none",
    "url": "none",
}

# When a route names two kinds (a channel's slug and a message in it), the message decides.
KIND_PRECEDENCE = ("file", "message", "channel")


# --- the rules ---------------------------------------------------------------------------------------


class Access(enum.Enum):
    OPEN = "anyone, even a session owing its second factor (health checks, the language switch)"
    PUBLIC = "anyone signed out, and every active member"
    LINK = "a one-time link from an e-mail: anyone may open it; an unknown token is answered, never a 500"
    SECOND_FACTOR = "any signed-in session, even one owing its second factor (two-factor pages, sign-out)"
    SIGNED_IN = "an active member past the second factor"
    READER = "an active member who may read the resource (public, or they belong to it)"
    JOINED = "a reader who belongs to the channel (every actor but the outsiders joined the public one)"
    EDITOR = "a reader who manages the channel, or belongs to it when it is private"
    MANAGER = "an operator or the channel's creator, who may read it"
    AUTHOR = "the message's author (none of the actors wrote the matrix's messages)"
    AUTHOR_OR_MODERATOR = "the author, or a moderator or operator who may read it"
    MODERATOR_READER = "a moderator or operator who may read the resource"
    OWN = "the member's own session, token or notification"
    REDIRECTS = "anyone: answered with a redirect and no content (sign-out, the admin's hand-over to sign-in)"
    OPERATOR = "an active operator past the second factor"
    NOBODY = "nobody (the demo outbox from another machine; paths that serve no page)"


@dataclass(frozen=True)
class Rule:
    access: Access
    # The methods the route serves; any other method must change nothing and serve nothing.
    methods: tuple[str, ...] = ("GET",)
    # A search route: crossed with a query for the public, private and direct markers.
    search: bool = False
    # For an allowed GET of a resource with a marker: the marker must be in the answer (a control row
    # that fails when the page stops showing what it should, so a refusal cannot pass for an answer).
    shows: bool = False
    # Who may use the unsafe methods, when that is narrower than who may read the page.
    unsafe: Access | None = None
    # An allowed asker may still meet the page's own, finer refusal (403): the admin's read-only
    # models have no add, change or delete pages.
    finer_refusal: bool = False
    # Whether the matrix also sends the methods the route does not take (a GET to a form's target, a
    # POST to a page), which must change nothing. Off for the admin: its pages are Django's own, and
    # what the matrix checks there is who gets in.
    other_methods: bool = True
    # Variants of the resource the route refuses to everyone, as not of its sort (a thread is opened
    # by its root, not by a reply; a DM takes no invitations).
    refused_for: tuple[str, ...] = ()

    def access_for(self, method: str) -> Access:
        if method not in SAFE_METHODS and self.unsafe is not None:
            return self.unsafe
        return self.access


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
GET, POST = ("GET",), ("POST",)
GET_POST = ("GET", "POST")

# Pages, by URL name. "admin:*" covers every page of the admin site.
PAGE_POLICY: dict[str, Rule] = {
    "web:home": Rule(Access.PUBLIC),
    "web:healthz": Rule(Access.OPEN),
    "web:readyz": Rule(Access.OPEN),
    "web:favicon": Rule(Access.REDIRECTS),  # to the mark under /static/, for pages that name no icon
    "set_language": Rule(Access.OPEN, POST),
    # Sign-in, registration and the links sent by e-mail.
    "accounts:sign_in": Rule(Access.PUBLIC, GET_POST),
    "accounts:sign_in_link_request": Rule(Access.PUBLIC, POST),
    "accounts:sign_in_link_sent": Rule(Access.PUBLIC),
    "accounts:sign_in_link": Rule(Access.LINK, GET_POST),
    "accounts:sign_out": Rule(Access.REDIRECTS, POST),
    "accounts:register": Rule(Access.PUBLIC, GET_POST),
    "accounts:registration_sent": Rule(Access.PUBLIC),
    "accounts:registration_organization": Rule(Access.PUBLIC),
    "accounts:verify_application": Rule(Access.LINK, GET_POST),
    "accounts:terms": Rule(Access.PUBLIC),
    "accounts:accept_invitation": Rule(Access.LINK, GET_POST),
    "accounts:confirm_organization": Rule(Access.LINK, GET_POST),
    "accounts:reconfirm": Rule(Access.LINK, GET_POST),
    "accounts:reactivate": Rule(Access.PUBLIC, GET_POST),
    "directory:search": Rule(Access.PUBLIC),
    # The member's own account.
    "accounts:profile": Rule(Access.SIGNED_IN, GET_POST),
    "accounts:change_organization": Rule(Access.SIGNED_IN, GET_POST),
    "accounts:member": Rule(Access.SIGNED_IN),
    "accounts:security": Rule(Access.SIGNED_IN),
    "accounts:reauthenticate": Rule(Access.SIGNED_IN, GET_POST),
    "accounts:password": Rule(Access.SIGNED_IN, GET_POST),
    "accounts:two_factor_enrol": Rule(Access.SECOND_FACTOR, GET_POST),
    "accounts:two_factor_verify": Rule(Access.SECOND_FACTOR, GET_POST),
    "accounts:two_factor_disable": Rule(Access.SIGNED_IN, POST),
    "accounts:recovery_codes": Rule(Access.SIGNED_IN, POST),
    "accounts:recovery_codes_download": Rule(Access.SIGNED_IN, POST),
    "accounts:session_sign_out": Rule(Access.OWN, POST),
    "accounts:sessions_sign_out_others": Rule(Access.SIGNED_IN, POST),
    "api_tokens:list": Rule(Access.SIGNED_IN, GET_POST),
    "api_tokens:revoke": Rule(Access.OWN, POST),
    # Operators.
    "accounts:review_queue": Rule(Access.OPERATOR),
    "accounts:approve_application": Rule(Access.OPERATOR, POST),
    "accounts:reject_application": Rule(Access.OPERATOR, POST),
    "accounts:invite_advisor": Rule(Access.OPERATOR, GET_POST),
    # Every admin page, by GET: who reaches the admin at all.
    "admin:*": Rule(Access.OPERATOR, finer_refusal=True, other_methods=False),
    "admin:login": Rule(Access.REDIRECTS, GET_POST),
    "admin:logout": Rule(Access.REDIRECTS, POST),
    "admin:view_on_site": Rule(Access.NOBODY),  # no model has a page on the site
    "admin:<unnamed admin/(?P<url>.*)$>": Rule(Access.NOBODY),  # the admin's answer to an unknown path
    "notify:outbox": Rule(Access.NOBODY),
    # The bell's page; an item opens (and reads) only the member's own notification, 404 for others.
    "notifications:list": Rule(Access.SIGNED_IN),
    "notifications:read_all": Rule(Access.SIGNED_IN, POST),
    "notifications:open": Rule(Access.OWN),
    "notifications:settings": Rule(Access.SIGNED_IN, GET_POST),
    # The one-click unsubscribe of every notification mail (RFC 8058): the signed token is the proof.
    "notifications:unsubscribe": Rule(Access.LINK, GET_POST),
    # Web Push. The matrix runs without VAPID keys, so push is off and its two endpoints answer 404 to
    # everyone; with keys they are SIGNED_IN (kyoso/notify/tests/test_push.py crosses them again so).
    "notifications:push_subscribe": Rule(Access.NOBODY, POST),
    "notifications:push_unsubscribe": Rule(Access.NOBODY, POST),
    # The service worker and the app manifest are served either way, as any static file is.
    "notifications:push_service_worker": Rule(Access.PUBLIC),
    "notifications:manifest": Rule(Access.PUBLIC),
    # Conversations.
    "chat:directory": Rule(Access.SIGNED_IN),
    "chat:create": Rule(Access.SIGNED_IN, GET_POST),
    "chat:open_direct": Rule(Access.SIGNED_IN, POST),
    "chat:member_search": Rule(Access.SIGNED_IN, search=True),
    # Custom stamps are made by operators (KYOSO_MEMBERS_CREATE_STAMPS off, as the matrix sets it).
    "chat:stamps": Rule(Access.SIGNED_IN, GET_POST, unsafe=Access.OPERATOR),
    "chat:stamp_image": Rule(Access.SIGNED_IN),
    "chat:attachment": Rule(Access.READER),
    "chat:attachment_thumbnail": Rule(Access.READER),
    "chat:attachment_upload": Rule(Access.AUTHOR, POST),
    "chat:channel": Rule(Access.READER, shows=True),
    "chat:first_unread": Rule(Access.READER),
    "chat:pinned": Rule(Access.READER),
    "chat:post": Rule(Access.JOINED, POST),
    "chat:join": Rule(Access.READER, POST),
    "chat:read": Rule(Access.READER, POST),
    "chat:leave": Rule(Access.READER, POST),
    "chat:notify_level": Rule(Access.JOINED, POST),
    "chat:invite": Rule(Access.JOINED, POST, refused_for=("direct",)),
    "chat:archive": Rule(Access.MANAGER, POST),
    "chat:settings": Rule(Access.EDITOR, GET_POST),
    "chat:thread": Rule(Access.READER, shows=True, refused_for=("thread reply",)),
    "chat:edit": Rule(Access.AUTHOR, GET_POST),
    "chat:delete": Rule(Access.AUTHOR_OR_MODERATOR, GET_POST),
    "chat:stamp": Rule(Access.READER, GET_POST),
    "chat:reactions": Rule(Access.READER),
    "chat:pin": Rule(Access.READER, POST),
    "chat:message_menu": Rule(Access.READER),
    "chat:revisions": Rule(Access.MODERATOR_READER),
    "chat:save": Rule(Access.READER, POST),
    "chat:follow": Rule(Access.READER, POST),
    "chat_me:mentions": Rule(Access.SIGNED_IN),
    "chat_me:saved": Rule(Access.SIGNED_IN),
    "chat_me:threads": Rule(Access.SIGNED_IN),
    "search:search": Rule(Access.SIGNED_IN, search=True, shows=True),
    "search:suggest": Rule(Access.SIGNED_IN, search=True),
    # The API's own document and root; its operations are classified below, by method and path.
    "api:openapi-json": Rule(Access.PUBLIC),
    "api:api-root": Rule(Access.NOBODY),
}

# API operations, by "METHOD /path" as the OpenAPI document names them.
API_POLICY: dict[str, Access] = {
    "GET /api/v1/me": Access.SIGNED_IN,
    "GET /api/v1/members": Access.SIGNED_IN,
    "GET /api/v1/channels": Access.SIGNED_IN,
    "POST /api/v1/channels": Access.SIGNED_IN,
    "GET /api/v1/channels/directory": Access.SIGNED_IN,
    "GET /api/v1/channels/{channel_id}": Access.READER,
    "PATCH /api/v1/channels/{channel_id}": Access.EDITOR,
    "POST /api/v1/channels/{channel_id}/join": Access.READER,
    "POST /api/v1/channels/{channel_id}/leave": Access.READER,
    "POST /api/v1/channels/{channel_id}/archive": Access.MANAGER,
    "POST /api/v1/channels/{channel_id}/unarchive": Access.MANAGER,
    "POST /api/v1/channels/{channel_id}/members": Access.JOINED,
    "PUT /api/v1/channels/{channel_id}/notify-level": Access.JOINED,
    "POST /api/v1/direct": Access.SIGNED_IN,
    "GET /api/v1/channels/{channel_id}/messages": Access.READER,
    "POST /api/v1/channels/{channel_id}/messages": Access.JOINED,
    "GET /api/v1/messages/{message_id}": Access.READER,
    "PATCH /api/v1/messages/{message_id}": Access.AUTHOR,
    "DELETE /api/v1/messages/{message_id}": Access.AUTHOR_OR_MODERATOR,
    "GET /api/v1/messages/{message_id}/revisions": Access.MODERATOR_READER,
    "POST /api/v1/messages/{message_id}/pin": Access.READER,
    "DELETE /api/v1/messages/{message_id}/pin": Access.READER,
    "GET /api/v1/channels/{channel_id}/pins": Access.READER,
    "POST /api/v1/messages/{message_id}/save": Access.READER,
    # Taking a message off one's own list works whether or not one can still read it, and answers
    # the same for a message that does not exist: it tells nothing.
    "DELETE /api/v1/messages/{message_id}/save": Access.SIGNED_IN,
    "GET /api/v1/saved": Access.SIGNED_IN,
    "GET /api/v1/mentions": Access.SIGNED_IN,
    "GET /api/v1/notifications": Access.SIGNED_IN,
    "POST /api/v1/notifications/read": Access.SIGNED_IN,
    "POST /api/v1/notifications/{notification_id}/read": Access.OWN,
    "GET /api/v1/messages/{message_id}/thread": Access.READER,
    "POST /api/v1/messages/{message_id}/follow": Access.READER,
    "DELETE /api/v1/messages/{message_id}/follow": Access.READER,
    "POST /api/v1/messages/{message_id}/thread/read": Access.READER,
    "GET /api/v1/stamps": Access.SIGNED_IN,
    "POST /api/v1/stamps": Access.OPERATOR,
    "GET /api/v1/messages/{message_id}/reactions": Access.READER,
    "PUT /api/v1/messages/{message_id}/reactions/{stamp_id}": Access.READER,
    "DELETE /api/v1/messages/{message_id}/reactions/{stamp_id}": Access.READER,
    "POST /api/v1/messages/{message_id}/files": Access.AUTHOR,
    "GET /api/v1/files/{attachment_id}": Access.READER,
    "GET /api/v1/files/{attachment_id}/download": Access.READER,
    "GET /api/v1/files/{attachment_id}/thumbnail": Access.READER,
    "POST /api/v1/channels/{channel_id}/read": Access.READER,
    "GET /api/v1/channels/{channel_id}/first-unread": Access.READER,
    "GET /api/v1/search/messages": Access.SIGNED_IN,
    "GET /api/v1/search/channels": Access.SIGNED_IN,
    "GET /api/v1/search/members": Access.SIGNED_IN,
    "GET /api/v1/search/organizations": Access.SIGNED_IN,
    "GET /api/v1/search/suggest": Access.SIGNED_IN,
}

# API operations that refuse some variants of their resource to everyone (see Rule.refused_for).
API_REFUSED_FOR = {"POST /api/v1/channels/{channel_id}/members": ("direct",)}

# API reads that show the resource they name: an allowed caller's answer carries its marker.
API_SHOWS = {
    "GET /api/v1/channels/{channel_id}",
    "GET /api/v1/channels/{channel_id}/messages",
    "GET /api/v1/messages/{message_id}",
    "GET /api/v1/messages/{message_id}/thread",
    "GET /api/v1/files/{attachment_id}",
    "GET /api/v1/search/messages",
}


def readable(actor: Actor, resource: Resource) -> bool:
    """May the actor read the resource itself: public, or a private conversation they belong to."""
    if not actor.active:
        return False
    if resource.conversation == "private":
        return actor.in_private
    if resource.conversation == "direct":
        return actor.in_direct
    return True


def allowed(access: Access, actor: Actor, resource: Resource) -> bool:
    """The policy: may ``actor`` use a route of rule ``access`` on ``resource``?"""
    standing = actor.standing
    if access is Access.OPEN:
        return standing is not Standing.ENDED
    if access in {Access.PUBLIC, Access.LINK}:
        return standing in {Standing.ANONYMOUS, Standing.ACTIVE}
    if access is Access.SECOND_FACTOR:
        return standing in {Standing.OWES_SECOND_FACTOR, Standing.ACTIVE}
    if access is Access.SIGNED_IN:
        return actor.active
    if access is Access.OPERATOR:
        return actor.operates
    if access is Access.OWN:
        return actor.active and resource.own
    if access is Access.NOBODY:
        return False
    if access is Access.REDIRECTS:
        return True
    may_read = readable(actor, resource)
    if access is Access.READER:
        return may_read
    if access is Access.JOINED:
        # Everyone active joined the public channel; only the insiders belong to the private ones.
        return may_read
    if access is Access.EDITOR:
        # In a private channel or a DM every member may rename it; a public one, its managers.
        return may_read and (actor.operates or resource.conversation is not None)
    if access is Access.MANAGER:
        return may_read and actor.operates
    if access is Access.AUTHOR:
        return False
    if access in {Access.AUTHOR_OR_MODERATOR, Access.MODERATOR_READER}:
        return may_read and actor.moderates
    raise AssertionError(f"no rule for {access}")


# --- what the site serves ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One page or endpoint: ``key`` is what the policy table names it by."""

    key: str
    pattern: str  # the full path pattern, e.g. channels/<str:slug>/ or /api/v1/channels/{channel_id}
    parameters: tuple[str, ...]
    api: bool
    methods: tuple[str, ...] = ()  # API: the operation's method; pages: from the policy
    query: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    body: dict[str, Any] | None = field(default=None, hash=False, compare=False)

    @property
    def policy_key(self) -> str:
        if self.api:
            return self.key
        if self.key.startswith("admin:") and self.key not in PAGE_POLICY:
            return "admin:*"
        return self.key


_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")
_GROUP = re.compile(r"\(\?P<(?P<parameter>\w+)>[^)]*\)")


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _walk(entry, prefix + str(entry.pattern), joined)
        elif isinstance(entry, URLPattern):
            name = entry.name or f"<unnamed {prefix}{entry.pattern}>"
            yield prefix + str(entry.pattern), f"{namespace}:{name}" if namespace else name, entry


def parameters_of(pattern: str) -> tuple[str, ...]:
    names = [m.group("parameter") for m in _CONVERTER.finditer(pattern)]
    names += [m.group("parameter") for m in _GROUP.finditer(pattern)]
    names += re.findall(r"\{(\w+)\}", pattern)
    return tuple(names)


def page_routes() -> list[Route]:
    """Every URL pattern of the site, except those the API's document enumerates (one per operation)."""
    routes = []
    for pattern, name, _entry in _walk(get_resolver()):
        if pattern.startswith("api/v1/") and name not in {"api:openapi-json", "api:api-root"}:
            continue  # an API operation: enumerated, with its method, from the OpenAPI document
        routes.append(Route(key=name, pattern=pattern, parameters=parameters_of(pattern), api=False))
    return routes


def api_routes() -> list[Route]:
    """Every operation of the API's OpenAPI document, as ``METHOD /path``."""
    from kyoso.api.api import api

    document = api.get_openapi_schema(path_prefix="/api/v1/")
    routes = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            query = {p["name"]: p for p in operation.get("parameters", []) if p.get("in") == "query"}
            body = operation.get("requestBody")
            routes.append(
                Route(
                    key=f"{method.upper()} {path}",
                    pattern=path,
                    parameters=parameters_of(path),
                    api=True,
                    methods=(method.upper(),),
                    query=query,
                    body=_body_schema(document, body) if body else None,
                )
            )
    return routes


def _body_schema(document: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The request body's media type and its schema, references resolved one level deep."""
    # JSON where the operation takes it as well as a form (a post with files takes both).
    media_type = "application/json" if "application/json" in body["content"] else next(iter(body["content"]))
    schema = body["content"][media_type]["schema"]
    if "anyOf" in schema:
        schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return {"media_type": media_type, "schema": schema}


def site_routes() -> list[Route]:
    return page_routes() + api_routes()


def rule_for(route: Route) -> Rule | None:
    if route.api:
        access = API_POLICY.get(route.key)
        if access is None:
            return None
        return Rule(
            access,
            route.methods,
            search="q" in route.query,
            shows=route.key in API_SHOWS,
            refused_for=API_REFUSED_FOR.get(route.key, ()),
        )
    return PAGE_POLICY.get(route.policy_key)


def policy_gaps(routes: list[Route]) -> list[str]:
    """Routes without a policy entry, and entries that name no route: each one a failure."""
    problems = [f"no policy entry for {r.key} ({r.pattern})" for r in routes if rule_for(r) is None]
    page_keys = {r.policy_key for r in routes if not r.api}
    api_keys = {r.key for r in routes if r.api}
    problems += [f"stale policy entry {k}: no such page" for k in PAGE_POLICY if k not in page_keys]
    problems += [f"stale policy entry {k}: no such API operation" for k in API_POLICY if k not in api_keys]
    problems += [
        f"API_SHOWS names {k}, which is not an API operation" for k in API_SHOWS if k not in api_keys
    ]
    for route in routes:
        unbound = [p for p in route.parameters if p not in PARAMETER_KINDS]
        problems += [
            f"{route.key}: parameter {p!r} names no resource kind (PARAMETER_KINDS)" for p in unbound
        ]
    return problems


def resource_kind(route: Route, rule: Rule) -> str:
    if rule.search:
        return "search"
    kinds = {PARAMETER_KINDS[p] for p in route.parameters if p in PARAMETER_KINDS} - {"none"}
    for kind in KIND_PRECEDENCE:
        if kind in kinds:
            return kind
    if not kinds:
        return "none"
    if len(kinds) > 1:
        raise AssertionError(f"{route.key} names several resource kinds: {sorted(kinds)}")
    return kinds.pop()
