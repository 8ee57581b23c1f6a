"""Search through the JSON API (/api/v1/search/…): the same queries and permissions as the page.

A query the member cannot write answers 400 with ``query_syntax_error`` or ``unknown_filter_value``
and a message that says what to change, as the page does.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kyoso.api import present
from kyoso.api.routes import caller
from kyoso.api.schemas import ERRORS, NO_NUL, ChannelOut, MemberOut, MessageOut
from kyoso.search import queries
from kyoso.search.suggestions import suggest

router = Router(tags=["search"])
# What is searched for: any text but NUL (the database cannot compare one), refused as invalid_input.
QUERY = Query(..., pattern=NO_NUL)


class HitOut(Schema):
    message: MessageOut
    snippet_html: str = Field(description="An excerpt with the matches in <mark>; escaped, safe to show.")


class FacetValueOut(Schema):
    label: str
    count: int
    query: str = Field(description="The query with this value as a filter: search it to narrow.")
    active: bool


class FacetOut(Schema):
    key: str = Field(description="`channel`, `pref`, `kind` or `year`.")
    title: str
    values: list[FacetValueOut]


class FilterOut(Schema):
    label: str
    value: str
    negated: bool


class SearchResultsOut(Schema):
    query: str
    sort: str
    count: int = Field(description="Matches counted, at most the server's window (KYOSO_SEARCH_WINDOW).")
    more_than_counted: bool = Field(description="True when there are more matches than `count`.")
    hits: list[HitOut] = Field(description="One page, newest first or by relevance.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at the end.")
    facets: list[FacetOut] = Field(description="Breakdown of the counted matches.")
    filters: list[FilterOut] = Field(description="The query's filters as understood.")


class OrganizationOut(Schema):
    code: str
    name: str
    full_name: str
    kind: str
    population: int | None


class SuggestionOut(Schema):
    value: str = Field(description="Text to put in the query in place of the word being typed.")
    label: str
    hint: str


@router.get("/messages", response={200: SearchResultsOut, **ERRORS}, summary="Search messages")
def search_messages(
    request: HttpRequest,
    q: str = QUERY,
    sort: Literal["newest", "relevance"] = "newest",
    cursor: str | None = Query(None, pattern=NO_NUL),
    exact: bool = False,
) -> dict[str, Any]:
    """Messages and thread replies the caller can read. `q` takes the query language of the search page:
    words, "phrases", -exclusions, OR, and filters such as in:#channel, from:@name, pref:福岡県,
    size:5万未満, is:thread, has:file, after:2025-04-01. `exact` turns okurigana folding off."""
    member = caller(request)
    results = queries.search_messages(member, q, sort=sort, cursor=cursor, variants=False if exact else None)
    messages = present.message_list_out(request, member, [hit.message for hit in results.hits])
    return {
        "query": results.query,
        "sort": results.sort,
        "count": results.count,
        "more_than_counted": results.more_than_counted,
        "hits": [
            {"message": out, "snippet_html": str(hit.snippet)}
            for hit, out in zip(results.hits, messages, strict=True)
        ],
        "next_cursor": results.next_cursor,
        "facets": [
            {"key": f.key, "title": f.title, "values": [v.__dict__ for v in f.values]} for f in results.facets
        ],
        "filters": [{"label": c.label, "value": c.value, "negated": c.negated} for c in results.chips],
    }


@router.get("/channels", response={200: list[ChannelOut], **ERRORS}, summary="Search channels")
def search_channels(request: HttpRequest, q: str = QUERY) -> list[dict[str, Any]]:
    return [present.channel_out(request, c) for c in queries.search_channels(caller(request), q)]


@router.get("/members", response={200: list[MemberOut], **ERRORS}, summary="Search members")
def search_members(request: HttpRequest, q: str = QUERY) -> list[dict[str, Any]]:
    return [present.member_out(m) for m in queries.search_people(caller(request), q)]


@router.get("/organizations", response={200: list[OrganizationOut], **ERRORS}, summary="Search organisations")
def search_organizations(request: HttpRequest, q: str = QUERY) -> list[dict[str, Any]]:
    return [
        {
            "code": o.code,
            "name": o.name,
            "full_name": o.full_name,
            "kind": o.kind,
            "population": o.population,
        }
        for o in queries.search_organizations(caller(request), q)
    ]


@router.get("/suggest", response={200: list[SuggestionOut], **ERRORS}, summary="Filter type-ahead")
def suggestions(
    request: HttpRequest, field: str = Query("", pattern=NO_NUL), q: str = Query("", pattern=NO_NUL)
) -> list[dict[str, str]]:
    """What may follow `field:` (e.g. `in`, `pref`, `size`) given the text typed so far."""
    return suggest(caller(request), field, q)
