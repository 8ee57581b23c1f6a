"""Message text to safe HTML: markdown-it-py renders, nh3 keeps only an allow-list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from kyoso.chat.mentions import BROADCAST, MEMBER_TOKEN, ParsedMentions

# Raw HTML in a message is shown as text (html=False); nh3 is the second wall behind that.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).enable(
    "strikethrough"
)


def _mention(state: StateInline, silent: bool) -> bool:
    """``@[表示名](member:123)`` becomes one mention token (not inside code, which is parsed first)."""
    if state.src[state.pos] != "@":
        return False
    match = MEMBER_TOKEN.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        # The name typed in the token is not kept: what is shown is the member's own (see render).
        token.meta = {"member_id": int(match["id"])}
        token.content = match[0]
    state.pos = match.end()
    return True


def _render_mention(
    renderer: object, tokens: Sequence[Token], idx: int, options: object, env: MutableMapping[str, Any]
) -> str:
    token = tokens[idx]
    member_id = token.meta["member_id"]
    name = env.get("names", {}).get(member_id)
    if name is None:  # no such member: the text as typed, never dressed as a mention of anyone
        return escapeHtml(token.content)
    return f'<span class="mention" data-member-id="{member_id}">@{escapeHtml(name)}</span>'


_markdown.inline.ruler.before("link", "mention", _mention)
_markdown.add_render_rule("mention", _render_mention)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "span",
}  # fmt: skip
# Raw HTML never reaches nh3 (html=False), so a span with these attributes is only ever a mention.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "span": {"class", "data-member-id"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: ParsedMentions


def member_names(member_ids: Iterable[int]) -> dict[int, str]:
    """The current display names of these members, in one query (ids of no member are left out)."""
    from kyoso.accounts.models import Member

    ids = set(member_ids)
    if not ids:
        return {}
    return dict(Member.objects.filter(pk__in=ids).values_list("pk", "display_name"))


def _mentions(tokens: Sequence[Token]) -> ParsedMentions:
    member_ids: set[int] = set()
    plain: list[str] = []
    for block in tokens:
        for token in block.children or ():
            if token.type == "mention":
                member_ids.add(token.meta["member_id"])
                plain.append(" ")
            elif token.type == "text":
                plain.append(token.content)
            else:  # markup, line breaks, code: a boundary, so "a**@here**" still counts but "a@here" not
                plain.append(" ")
        plain.append("\n")
    broadcast = BROADCAST.search("".join(plain)) is not None
    return ParsedMentions(frozenset(member_ids), broadcast)


def parse(text: str) -> ParsedMentions:
    """The mentions a text's rendering shows (by id), without rendering it or asking the database."""
    return _mentions(_markdown.parse(text))


def render(text: str, *, names: Mapping[int, str] | None = None) -> Rendered:
    """Safe HTML and the mentions it shows, from one parse: what a member sees as a mention is one.

    A token or ``@channel`` inside code is quoted, not a mention. A mention shows the member's own
    display name, looked up by id (``names``, or the database): the name typed in the token
    (``@[坂本（運営）](member:5)``) is never shown, so nobody can dress one member up as another.
    A token naming no member is shown as the text typed, not as a mention.
    """
    tokens = _markdown.parse(text)
    mentions = _mentions(tokens)
    if names is None:
        names = member_names(mentions.member_ids)
    html = _markdown.renderer.render(tokens, _markdown.options, {"names": names})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
    ).strip()
    shown = frozenset(pk for pk in mentions.member_ids if pk in names)
    return Rendered(clean, ParsedMentions(shown, mentions.broadcast))


def render_message(text: str) -> str:
    return render(text).html
