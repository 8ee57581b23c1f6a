"""Message text to safe HTML: markdown-it-py renders, nh3 keeps only an allow-list."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# Raw HTML in a message is shown as text (html=False); nh3 is the second wall behind that.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False}).enable(
    "strikethrough"
)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_message(text: str) -> str:
    html = _markdown.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
    ).strip()
