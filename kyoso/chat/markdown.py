"""Message text to safe HTML: markdown-it-py renders, nh3 keeps only an allow-list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
        token.meta = {"member_id": int(match["id"]), "name": match["name"]}
    state.pos = match.end()
    return True


def _render_mention(renderer: object, tokens: Sequence[Token], idx: int, options: object, env: object) -> str:
    meta = tokens[idx].meta
    return f'<span class="mention" data-member-id="{meta["member_id"]}">@{escapeHtml(meta["name"])}</span>'


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


def render(text: str) -> Rendered:
    """Safe HTML and the mentions it shows, from one parse: what a member sees as a mention is one.

    A token or ``@channel`` inside code is quoted, not a mention.
    """
    tokens = _markdown.parse(text)
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
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
    ).strip()
    broadcast = BROADCAST.search("".join(plain)) is not None
    return Rendered(clean, ParsedMentions(frozenset(member_ids), broadcast))


def render_message(text: str) -> str:
    return render(text).html
