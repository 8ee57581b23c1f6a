"""One place that reads what a member sends as an id, and that bounds JSON before it is parsed.

Ids are the database's ``bigint``: a whole number from 1 to 2**63 − 1. Anything larger cannot be
looked up (SQLite raises OverflowError, PostgreSQL a DataError), so every edge refuses it here, with
the error protocol's 400, before it reaches a query:

- ``parse_id`` reads an id from a query string or a form (pages, search cursors);
- ``Id`` (and ``Position``, which also takes 0) is the same rule as a pydantic type, for the API's
  path parameters, query parameters and schemas;
- ``check_json_depth`` refuses a JSON text nested deeper than ``MAX_JSON_DEPTH`` before ``json.loads``
  recurses into it (a RecursionError otherwise).
"""

from __future__ import annotations

import re
from typing import Annotated

from django.utils.translation import gettext_lazy as _
from pydantic import Field

from kyoso.core.errors import MemberFacingError

MAX_ID = 2**63 - 1
MAX_ID_DIGITS = len(str(MAX_ID))
MAX_JSON_DEPTH = 32

# An id of a row: 1 .. 2**63 - 1.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A position such as "read up to" or "after": 0 (the very start) .. 2**63 - 1.
Position = Annotated[int, Field(ge=0, le=MAX_ID)]


class InvalidId(MemberFacingError):
    message = _("ID の指定が正しくありません。")


class TooDeeplyNested(MemberFacingError):
    message = _("リクエストの本文の入れ子が深すぎます。")


class UnreadableUpload(MemberFacingError):
    message = _("送信された内容を読み取れませんでした。ファイル名が長すぎないか確かめてください。")


def parse_id(raw: str, *, field: str = "id", minimum: int = 1) -> int:
    """``raw`` as an id: ASCII digits only, from ``minimum`` (1, or 0 for a position) to ``MAX_ID``."""
    if (
        not isinstance(raw, str)
        or not raw
        or len(raw) > MAX_ID_DIGITS
        or not raw.isascii()
        or not raw.isdigit()
    ):
        raise InvalidId()
    value = int(raw)
    if not minimum <= value <= MAX_ID:
        raise InvalidId()
    return value


def is_id(value: int, *, minimum: int = 1) -> bool:
    """Whether a number read elsewhere fits the database's ids."""
    return minimum <= value <= MAX_ID


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def check_json_depth(body: bytes | str, *, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse a JSON text whose arrays and objects nest deeper than ``limit``.

    Brackets inside strings do not count. Malformed text is left to the parser to refuse.
    """
    data = body.encode() if isinstance(body, str) else body
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                raise TooDeeplyNested()
        else:
            depth -= 1


class IdConverter:
    """``<id:…>`` in a URL: an id of the database, so ``/threads/99999999999999999999999/`` is a 404
    like any other id that is not there, never a 500 (Django's ``int`` takes any number of digits).
    Registered by kyoso.core.apps."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        if len(value) > MAX_ID_DIGITS:
            raise ValueError(value)  # no match: 404, without reading a huge number
        number = int(value)
        if not is_id(number, minimum=0):
            raise ValueError(value)  # no match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)
