"""Message rows drawn once and kept: the channel page's 50 messages cost a few lookups, not 50 renderings.

Drawing ``chat/_message.html`` was most of a channel page's time (`kyoso bench history`). A row is
kept under a digest of everything the template reads, found by reading the compiled template itself:
the first name of each variable it looks up (``item`` of ``item.stamps``, ``channel_url``…) is taken
from the page's context and fingerprinted whole, a model by all it holds (fields, annotations) and the
related rows loaded with it (a message's author and their organisation). A name that holds something
other than data (``request``) is fingerprinted by the values its variables reach (``request.user.pk``).
Whatever the template reads, and only that, decides whether a kept row may be reused, so an edit, a
stamp, a deletion, a pin, a new reply or a renamed author makes a new key, and a change to the template
needs no change here. The reader's own parts (their pressed stamps, a mention of them, whether they saved
the message) are part of the key like the rest. A related row the query did not load (and the template
would load while drawing) counts by its id only: the reads that feed the template load what it shows.

Three things are kept out of the key on purpose:
- the form token (``csrf_token``) differs on every page: the row is drawn with a random placeholder,
  which is replaced by the reader's token when the row is used;
- the language and the time zone are not variables: they are added to the key as they are;
- the clock: a template could show a time relative to now, so a kept row lives
  ``ROW_CACHE_SECONDS`` at most.

A template that reads the context some other way (a tag that takes the whole context) is drawn every
time, as is a row whose variables hold something that cannot be fingerprinted (a query set).
The rows are kept in each server process (``KYOSO_MESSAGE_ROW_CACHE``, most recently used first), and
belong to the compiled template they came from: when the template is loaded anew, its rows go with it.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import hashlib
import secrets
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.template import Context, Node, NodeList
from django.template.base import FilterExpression, Template, Token, TokenType, Variable, VariableDoesNotExist
from django.template.library import InclusionNode, SimpleNode
from django.template.loader_tags import IncludeNode
from django.template.smartif import TokenBase
from django.utils import timezone, translation
from django.utils.functional import LazyObject, Promise, empty
from django.utils.safestring import SafeString, mark_safe

# A relative time (「3分前」) in a kept row is at most this old; a busy channel's first page is opened
# many times a minute, so nearly every opening still finds its rows.
ROW_CACHE_SECONDS = 60
# How deep a fingerprint follows related rows loaded with a model (message → author → organisation).
FINGERPRINT_DEPTH = 4
# A per-process secret: message text can never contain it, so only the form token replaces it.
_TOKEN_PLACEHOLDER = "kyoso-csrf-" + secrets.token_hex(16)


class _Unkeyable(Exception):
    """A value the key cannot capture: the row is drawn every time."""


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


@dataclasses.dataclass
class _Reads:
    """What a compiled template reads from its context, found once per compiled template."""

    # The first name of every variable it looks up, with the variables under each name: a name is
    # fingerprinted whole (``item``: the message, its author, stamps…), or, if it holds something that
    # is not data (``request``), by the values its variables reach (``request.user.pk``).
    names: dict[str, list[Variable]]
    keyable: bool  # False when some tag reads the context in a way the key cannot follow


class RowCache:
    """The rows of one compiled template, least recently used dropped first."""

    def __init__(self, template: Template, size: int) -> None:
        self.reads = _reads_of(template)
        self.size = size
        self.rows: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self.lock:
            found = self.rows.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self.rows[key]
                return None
            self.rows.move_to_end(key)
            return found[1]

    def put(self, key: str, html: str) -> None:
        with self.lock:
            self.rows[key] = (time.monotonic() + ROW_CACHE_SECONDS, html)
            self.rows.move_to_end(key)
            while len(self.rows) > self.size:
                self.rows.popitem(last=False)


_caches: weakref.WeakKeyDictionary[Template, RowCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache_for(template: Template) -> RowCache:
    cache = _caches.get(template)
    if cache is None:
        with _caches_lock:
            cache = _caches.get(template)
            if cache is None:
                cache = _caches[template] = RowCache(template, settings.KYOSO_MESSAGE_ROW_CACHE)
    return cache


def render_row(template: Template, context: Context, values: dict[str, Any]) -> SafeString:
    """Draw ``template`` with ``values`` pushed onto ``context`` (like ``{% include … with … %}``), or
    reuse the row drawn before from the same inputs."""
    token = context.get("csrf_token")
    real_token = str(token) if token else ""
    has_token = real_token not in ("", "NOTPROVIDED")  # CsrfTokenNode draws nothing for those
    if settings.KYOSO_MESSAGE_ROW_CACHE <= 0:
        return _draw(template, context, values, token)
    cache = _cache_for(template)
    if not cache.reads.keyable:
        return _draw(template, context, values, token)
    with context.push(**values):
        try:
            key = _key(cache.reads, context, has_token)
        except _Unkeyable:
            key = None
    if key is None:
        return _draw(template, context, values, token)
    html = cache.get(key)
    if html is None:
        html = _draw(template, context, values, _TOKEN_PLACEHOLDER if has_token else token)
        cache.put(key, html)
    if has_token:
        html = html.replace(_TOKEN_PLACEHOLDER, real_token)
    return mark_safe(html)  # drawn by the template, which escaped it  # noqa: S308


def _draw(template: Template, context: Context, values: dict[str, Any], token: object) -> SafeString:
    with context.push(**values, csrf_token=token):
        return mark_safe(template.render(context))  # noqa: S308


def _key(reads: _Reads, context: Context, has_token: bool) -> str:
    parts: list[Any] = [translation.get_language(), timezone.get_current_timezone_name(), has_token]
    for name, variables in reads.names.items():
        try:
            parts.append((name, _fingerprint(context.get(name, _MISSING), FINGERPRINT_DEPTH)))
        except _Unkeyable:
            parts.append((name, tuple(_fingerprint(_resolve(v, context), 0) for v in variables)))
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()


def _resolve(variable: Variable, context: Context) -> Any:
    try:
        return variable.resolve(context)
    except VariableDoesNotExist:
        return _MISSING


_PLAIN = (str, int, float, bool, type(None), decimal.Decimal, uuid.UUID, datetime.date, datetime.time)


def _fingerprint(value: Any, depth: int) -> Any:
    """A value that is equal for two inputs exactly when the template would draw them alike: plain
    values as they are, a model by every attribute it holds (fields, annotations) and the related rows
    loaded with it, down to ``depth`` rows away."""
    if isinstance(value, _PLAIN) or value is _MISSING:
        return value
    if isinstance(value, LazyObject):  # request.user: what it stands for, not the wrapper
        lazy: Any = value
        if lazy._wrapped is empty:
            lazy._setup()
        return _fingerprint(lazy._wrapped, depth)
    if isinstance(value, Promise):  # a lazy translation: its text in the current language
        return str(value)
    if isinstance(value, models.Model):
        if depth <= 0:
            raise _Unkeyable(value)
        state = value.__dict__
        return (
            type(value).__name__,
            tuple(
                (name, v if isinstance(v, _PLAIN) else _fingerprint(v, depth))
                for name, v in state.items()
                if name[0] != "_"
            ),
            tuple(
                (name, _fingerprint(other, depth - 1)) for name, other in state["_state"].fields_cache.items()
            ),
            tuple(  # rows loaded with prefetch_related
                (name, _fingerprint(list(rows), depth - 1))
                for name, rows in state.get("_prefetched_objects_cache", {}).items()
            ),
        )
    if isinstance(value, FieldFile):
        return value.name
    if isinstance(value, (list, tuple)):
        return tuple(_fingerprint(v, depth) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            tuple(_fingerprint(getattr(value, f.name), depth) for f in dataclasses.fields(value)),
        )
    if isinstance(value, dict):
        return tuple(sorted((str(k), _fingerprint(v, depth)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_fingerprint(v, depth)) for v in value))
    raise _Unkeyable(value)


def _reads_of(template: Template) -> _Reads:
    variables: dict[str, Variable] = {}
    keyable = _collect(template.nodelist, variables, set(), template)
    names: dict[str, list[Variable]] = {}
    for variable in variables.values():
        names.setdefault(variable.lookups[0], []).append(variable)  # type: ignore[index]
    return _Reads(names, keyable)


def _collect(obj: Any, found: dict[str, Variable], seen: set[int], template: Template) -> bool:
    """Add every variable ``obj`` (a node, a node list, an expression…) looks up to ``found``; return
    False if something in it reads the context otherwise."""
    if id(obj) in seen:
        return True
    seen.add(id(obj))
    if isinstance(obj, Variable):
        # A literal is not read from the context; the form token is in the key as whether there is one.
        if obj.lookups is not None and obj.lookups[0] != "csrf_token":
            found.setdefault(".".join(obj.lookups), obj)
        return True
    if isinstance(obj, FilterExpression):
        ok = _collect(obj.var, found, seen, template)
        for _func, args in obj.filters:
            for is_lookup, arg in args:
                if is_lookup:
                    ok = _collect(arg, found, seen, template) and ok
        return ok
    if isinstance(obj, Token):
        if obj.token_type == TokenType.VAR:  # {% blocktranslate %} reads its {{ names }} this way
            return _collect(Variable(obj.contents), found, seen, template)
        return True
    if isinstance(obj, (SimpleNode, InclusionNode)) and obj.takes_context:
        return False
    if isinstance(obj, IncludeNode):
        name = obj.template.var if isinstance(obj.template, FilterExpression) else None
        if not isinstance(name, str) or obj.template.filters:
            return False  # a template chosen at drawing time
        included = template.engine.get_template(name)
        return _collect(included.nodelist, found, seen, template) and _collect(
            list(obj.extra_context.values()), found, seen, template
        )
    if isinstance(obj, (list, tuple, NodeList)):
        return all([_collect(item, found, seen, template) for item in obj])
    if isinstance(obj, dict):
        return all([_collect(item, found, seen, template) for item in obj.values()])
    if isinstance(obj, (Node, TokenBase)) or type(obj).__name__ == "TemplateLiteral":
        return all(
            [
                _collect(value, found, seen, template)
                for name, value in vars(obj).items()
                if name not in ("origin", "token")
            ]
        )
    return True


def clear() -> None:
    """Forget every kept row (tests that change a template, or the settings, use it)."""
    with _caches_lock:
        _caches.clear()


def kept_rows() -> Iterable[str]:
    """The keys kept now, for tests."""
    return [key for cache in list(_caches.values()) for key in cache.rows]
