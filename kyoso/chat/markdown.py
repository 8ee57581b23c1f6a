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
    # A pill that links to the member's page. Their organisation is part of the link's name and shows
    # as a small popover on hover and on keyboard focus (chat-mentions.css): a title would not show
    # on focus, nor be read reliably.
    affiliation = env.get("affiliations", {}).get(member_id, "")
    card = f'<span class="mention__org">（{escapeHtml(affiliation)}）</span>' if affiliation else ""
    if _inside_link(tokens, idx):  # a link in a link is no HTML: the pill is then not a link itself
        return f'<span class="mention" data-member-id="{member_id}">@{escapeHtml(name)}{card}</span>'
    href = f"{env['member_base']}{member_id}/"
    return f'<a class="mention" href="{href}" data-member-id="{member_id}">@{escapeHtml(name)}{card}</a>'


def _inside_link(tokens: Sequence[Token], idx: int) -> bool:
    depth = 0
    for token in tokens[:idx]:
        depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
    return depth > 0


_markdown.inline.ruler.before("link", "mention", _mention)
_markdown.add_render_rule("mention", _render_mention)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "span",
}  # fmt: skip
# Raw HTML never reaches nh3 (html=False), so a class or a member id is only ever a mention's.
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "data-member-id"}, "ol": {"start"}, "span": {"data-member-id"}}
ALLOWED_CLASSES = {"a": {"mention"}, "span": {"mention", "mention__org"}}
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


def member_cards(member_ids: Iterable[int]) -> tuple[dict[int, str], dict[int, str]]:
    """The current display names and affiliations (久留米市 · 市民課) of these members, in one query."""
    from kyoso.accounts.models import Member

    ids = set(member_ids)
    if not ids:
        return {}, {}
    members = list(Member.objects.filter(pk__in=ids).select_related("organization"))
    return {m.pk: m.display_name for m in members}, {m.pk: m.affiliation for m in members}


def _member_base() -> str:
    """The path of member pages without the id (``/accounts/members/``), for a mention's link."""
    from django.urls import reverse

    return reverse("accounts:member", args=[0]).removesuffix("0/")


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


def render(
    text: str, *, names: Mapping[int, str] | None = None, affiliations: Mapping[int, str] | None = None
) -> Rendered:
    """Safe HTML and the mentions it shows, from one parse: what a member sees as a mention is one.

    A token or ``@channel`` inside code is quoted, not a mention. A mention is a pill linking to the
    member's page, showing their own display name and affiliation, looked up by id (``names`` and
    ``affiliations``, or the database): the name typed in the token (``@[坂本（運営）](member:5)``) is
    never shown, so nobody can dress one member up as another. A token naming no member is shown as
    the text typed, not as a mention.
    """
    tokens = _markdown.parse(text)
    mentions = _mentions(tokens)
    if names is None:
        names, affiliations = member_cards(mentions.member_ids)
    env: dict[str, Any] = {"names": names, "affiliations": affiliations or {}}
    if mentions.member_ids:
        env["member_base"] = _member_base()
    html = _markdown.renderer.render(tokens, _markdown.options, env)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
    ).strip()
    shown = frozenset(pk for pk in mentions.member_ids if pk in names)
    return Rendered(clean, ParsedMentions(shown, mentions.broadcast))


def _plain_inline(children: Sequence[Token], names: Mapping[int, str]) -> list[str]:
    words: list[str] = []
    for token in children:
        if token.type == "mention":
            name = names.get(token.meta["member_id"])
            words.append(token.content if name is None else f"@{name}")
        elif token.type in ("text", "code_inline"):
            words.append(token.content)
        elif token.type == "image":
            words.extend(_plain_inline(token.children or (), names))
        elif token.type in ("softbreak", "hardbreak"):
            words.append(" ")
    return words


def plain_text(text: str, *, names: Mapping[int, str]) -> str:
    """A message as words without its Markdown (``**日時**`` reads 日時), for excerpts such as
    search snippets. A mention reads as the message shows it: ``@`` and the member's own name."""
    words: list[str] = []
    for token in _markdown.parse(text):
        if token.type == "inline":
            words.extend(_plain_inline(token.children or (), names))
        elif token.type in ("fence", "code_block"):
            words.append(token.content)
        words.append(" ")
    return " ".join("".join(words).split())


def render_message(text: str) -> str:
    return render(text).html
