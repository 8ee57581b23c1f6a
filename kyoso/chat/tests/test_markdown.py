"""Message Markdown renders to HTML that cannot run script."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from kyoso.chat.markdown import render, render_message


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def parse_elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def test_bold_lists_links_quotes_and_code_render() -> None:
    html = render_message(
        "**重要**\n\n- 窓口\n- 書かない窓口\n\n> 引用\n\n`code` [手引き](https://www.digital.go.jp/)"
    )
    assert "<strong>重要</strong>" in html
    assert "<li>窓口</li>" in html
    assert "<blockquote>" in html
    assert "<code>code</code>" in html
    assert 'href="https://www.digital.go.jp/"' in html
    assert 'rel="noopener noreferrer nofollow ugc"' in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<svg onload="alert(1)">',
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_html_and_script_are_shown_as_text_never_run(hostile: str) -> None:
    elements = parse_elements(render_message(hostile))
    assert {tag for tag, _attrs in elements} <= {"p", "a"}
    for _tag, attrs in elements:
        assert not any(name.startswith("on") for name, _value in attrs)
        hrefs = [value or "" for name, value in attrs if name == "href"]
        assert all(href.startswith(("http://", "https://", "mailto:")) for href in hrefs)


def test_raw_html_is_escaped_so_the_member_sees_what_they_typed() -> None:
    assert render_message("<b>太字</b>") == "<p>&lt;b&gt;太字&lt;/b&gt;</p>"


def test_variant_characters_emoji_and_combining_marks_survive() -> None:
    text = "髙橋さんと𠮷野家で👍🏽、か\u3099"
    assert render_message(text) == f"<p>{text}</p>"


def test_a_mention_token_renders_as_a_pill_linking_to_the_member() -> None:
    html = render(
        "@[山田 花子](member:12) さん", names={12: "山田 花子"}, affiliations={12: "久留米市 · 市民課"}
    ).html
    assert html == (
        '<p><a class="mention" href="/accounts/members/12/" data-member-id="12" '
        'rel="noopener noreferrer nofollow ugc">@山田 花子'
        '<span class="mention__org">（久留米市 · 市民課）</span></a> さん</p>'
    )


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", '" onmouseover="x', "a&b"])
def test_a_mention_name_is_escaped(name: str) -> None:
    html = render("@[名前](member:3)", names={3: name}).html
    assert parse_elements(html) == [
        ("p", []),
        (
            "a",
            [
                ("class", "mention"),
                ("href", "/accounts/members/3/"),
                ("data-member-id", "3"),
                ("rel", "noopener noreferrer nofollow ugc"),
            ],
        ),
    ]
    assert "<script" not in html


def test_a_mention_token_in_code_stays_code() -> None:
    assert render_message("`@[山田](member:12)`") == "<p><code>@[山田](member:12)</code></p>"


def test_a_span_written_in_a_message_is_text() -> None:
    assert "<span" not in render_message('<span class="mention" data-member-id="1">@運営</span>')
