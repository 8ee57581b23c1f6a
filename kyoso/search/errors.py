"""Errors a member can cause while searching: each says what to change in the query."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kyoso.core.errors import MemberFacingError


class SearchError(MemberFacingError):
    message = _("検索できませんでした。検索語を見直してください。")


class QuerySyntaxError(SearchError):
    """The query cannot be read as written; ``message`` names the part and how to fix it."""


class UnknownFilterValue(SearchError):
    """A filter names something that is not there (or that the member cannot see)."""


class SearchUnavailable(SearchError):
    message = _("検索の索引を作り直しています。しばらくしてからもう一度お試しください。")
