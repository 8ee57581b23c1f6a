"""Markdown and mentions under hypothesis: any text renders, and the HTML is inert.

test_xss_corpus.py walks known attacks the whole way to the page; this file glues the pieces of those
attacks (tags, handlers, schemes, entities, link and mention syntax, code fences) at random and checks
the renderer's output with an HTML parser: only the allow-listed tags, no ``on*`` attribute, no link
to a scheme other than http, https and mailto, and a mention only for a member who exists, shown with
that member's own name.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kyoso.chat.markdown import ALLOWED_ATTRIBUTES, ALLOWED_CLASSES, ALLOWED_TAGS, parse, render
from kyoso.chat.mentions import member_token
from kyoso.testing.factories import make_member

FUZZ = settings(max_examples=300, derandomize=True, deadline=None, database=None)
SAFE_SCHEMES = {"http", "https", "mailto"}
NAMES = {5: "山田 太郎", 77: "<b>坂本</b>"}

PIECES = [
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "<a href=", "<svg onload=alert(1)>",
    " onclick=", "javascript:", "JaVaScRiPt:", "java\tscript:", "&#106;avascript:", "&#x6A;",
    "vbscript:", "data:text/html,<script>alert(1)</script>", "[x](", "](", ")", "![", "<", ">",
    "<http://a.example>", "<javascript:alert(1)>", "&", "&amp;", '"', "'", "`", "```", "~~~", "*",
    "_", "~~", "\n", "\n\n", "    ", "> ", "- ", "1. ", "# ", "---", "\\", "http://", "mailto:",
    "@[", "](member:", "@[山田](member:5)", "@[坂本（運営）](member:77)", "@[誰](member:999999999999999999)",
    "@[x](member:0)", "@[x](member:99999999999999999999999)", "@channel", "@here", "\x00", "\u200b",
    "\u202e", "窓口", "予約",
]  # fmt: skip
texts = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=24).map("".join),
)

# What a display name can hold: any printable text (control characters never reach the database).
display_names = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=60)


class Inspector(HTMLParser):
    """Every tag and attribute of a fragment, and the text of each mention."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.mentions: list[tuple[str | None, str]] = []
        # The open elements, each marked as a mention pill, its organisation card, or neither.
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if found.get("class") == "mention__org":
            self._open.append("card")
        elif found.get("class") == "mention" or "data-member-id" in found:
            self._open.append("mention")
            self.mentions.append((found.get("data-member-id"), ""))
        else:
            self._open.append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        # The name a pill shows (its organisation card aside).
        if "mention" in self._open and "card" not in self._open:
            member_id, text = self.mentions[-1]
            self.mentions[-1] = (member_id, text + data)


def assert_inert(html: str, names: dict[int, str]) -> None:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    for tag, attrs in inspector.tags:
        assert tag in ALLOWED_TAGS, (tag, html)
        assert tag != "script"
        for name, value in attrs.items():
            assert not name.startswith("on"), (name, html)
            allowed = name in ALLOWED_ATTRIBUTES.get(tag, set()) or (tag, name) == ("a", "rel")
            assert allowed or (name == "class" and value in ALLOWED_CLASSES.get(tag, set())), (name, html)
            if name == "href" and value is not None:
                scheme = urlsplit(value.strip()).scheme.lower()
                assert scheme in SAFE_SCHEMES or scheme == "", (value, html)
    for member_id, text in inspector.mentions:
        assert member_id is not None and int(member_id) in names, html
        assert text == f"@{names[int(member_id)]}", html


@FUZZ
@given(texts)
@example('[a](javascript:alert(1)) <a href="javascript:x">b</a> ![c](data:text/html,x)')
@example("@[運営](member:999999999999999999) @[x](member:99999999999999999999999)")
@example("`@[山田](member:5)` @[山田](member:5)")
def test_any_text_renders_to_inert_html_with_mentions_only_of_members_who_exist(text: str) -> None:
    rendered = render(text, names=NAMES)
    assert_inert(rendered.html, NAMES)
    # What the renderer says it mentions is what the HTML shows, and a subset of the text's tokens.
    shown = {int(i) for i, _ in _mentions(rendered.html)}
    assert rendered.mentions.member_ids == shown
    assert shown <= parse(text).member_ids
    assert rendered.mentions.broadcast == parse(text).broadcast


def _mentions(html: str) -> list[tuple[str, str]]:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return [(i, t) for i, t in inspector.mentions if i is not None]


@FUZZ
@given(display_names, st.integers(min_value=1, max_value=10**18 - 1))
def test_the_type_aheads_token_for_any_name_is_one_mention(name: str, member_id: int) -> None:
    token = member_token(member_id, name)
    assert parse(token).member_ids == {member_id}
    rendered = render(token, names={member_id: name})
    assert rendered.mentions.member_ids == {member_id}
    assert_inert(rendered.html, {member_id: name})


@pytest.mark.django_db
@settings(max_examples=40, derandomize=True, deadline=None, database=None)
@given(st.lists(st.integers(min_value=1, max_value=10**18 - 1), min_size=1, max_size=5))
def test_mentions_of_members_who_do_not_exist_are_plain_text(member_ids: list[int]) -> None:
    # Looked up in the database, as a post is: ids up to the token's 18 digits, none of them a member.
    text = " ".join(f"@[運営](member:{i})" for i in member_ids)
    rendered = render(text)
    assert rendered.mentions.member_ids == frozenset()
    assert "mention" not in rendered.html
    assert "運営" in rendered.html


@pytest.mark.django_db
def test_a_mention_of_a_member_shows_their_own_name_from_the_database() -> None:
    member = make_member(display_name="山田 花子")
    rendered = render(f"@[坂本（運営）](member:{member.pk}) @[x](member:{member.pk + 10**17})")
    assert rendered.mentions.member_ids == {member.pk}
    assert_inert(rendered.html, {member.pk: "山田 花子"})
    assert "坂本" not in rendered.html
