"""The JSON API under /api/v1/: one NinjaAPI, one router per subject, one error shape.

The OpenAPI document is at /api/v1/openapi.json. There is no Swagger page: it loads its script
from a CDN, and kyoso makes no request outside the server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.types import DictStrAny

from kyoso.api.auth import session_auth, token_auth
from kyoso.api.errors import install_handlers
from kyoso.api.routes import channels, files, me, messages, notifications, reactions, reads, search, threads
from kyoso.core.validation import check_json_depth

DESCRIPTION = """\
Everything the web UI does with channels, messages, threads, stamps, files and read state.

**Authentication.** Either a personal access token, made on the account's アクセストークン page and
sent as `Authorization: Bearer kyoso_pat_...`, or the browser's session cookie; with the session,
every POST, PUT, PATCH and DELETE also needs the CSRF token in the `X-CSRFToken` header.

**Errors** are `{"error": {"code": "...", "message": "..."}}`. The code is stable and meant for
programs (`message_too_long`, `channel_not_found`, ...); the message is for people. What the caller
may not read answers 404, exactly as if it did not exist.

**Language.** Messages are in the member's chosen language: the `django_language` cookie (`ja` or
`en`) as the web sets it, else the server's default (`KYOSO_LANGUAGE`). The `Accept-Language` header
is ignored on purpose, as in the web UI.

**Paging** is by keyset: pass the `next_before` / `next_after` of one page as `before` / `after` to
get the next. Pages never skip or repeat a message while others post.
"""


class Encoder(NinjaJSONEncoder):
    """Times keep their microseconds, as in the real-time events (Django's encoder cuts them to ms)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


class Renderer(JSONRenderer):
    encoder_class = Encoder


class DepthLimitedParser(Parser):
    """JSON bodies nested deeper than kyoso.core.validation.MAX_JSON_DEPTH are refused (400,
    ``too_deeply_nested``) before ``json.loads`` recurses into them."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        check_json_depth(request.body)
        return super().parse_body(request)


api = NinjaAPI(
    title="kyoso API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url=None,
    auth=[token_auth, session_auth],
    renderer=Renderer(),
    parser=DepthLimitedParser(),
)
install_handlers(api)
for module in (me, channels, messages, threads, reactions, files, reads, notifications):
    api.add_router("", module.router)
api.add_router("/search", search.router)
