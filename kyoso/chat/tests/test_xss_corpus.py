"""Hostile message text, posted and edited through the actions, stays text: stored and on every page.

test_markdown.py checks a handful of inputs at the renderer; this corpus goes the whole way a member's
text goes (post_message, edit_message, the database, the channel, thread and home pages) and checks
the HTML with a parser, not by looking for substrings. It also checks that text comes back exactly as
written (異体字, emoji sequences, combining marks), and that broken text changes nothing.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from kyoso.accounts.models import Member
from kyoso.chat import actions
from kyoso.chat.errors import ChatError, InvalidText, MessageTooLong
from kyoso.chat.models import Channel, Message, MessageRevision
from kyoso.chat.queries import HISTORY_PAGE_SIZE, channel_history
from kyoso.testing.factories import make_channel, make_member

pytestmark = pytest.mark.django_db

# (label, text): every one is accepted as a message and must render inert.
CORPUS: list[tuple[str, str]] = [
    # <script> in its many spellings
    ("script", "<script>alert(1)</script>"),
    ("script-src", "<SCRIPT SRC=//xss.example/x.js></SCRIPT>"),
    ("script-split", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("script-attrs", '<script type="text/javascript">alert(1);</script>'),
    ("script-closing-p", "</p><script>alert(1)</script><p>"),
    ("script-double-angle", "<<script>alert(1);//<</script>"),
    ("script-in-svg", "<svg><script>alert(1)</script></svg>"),
    # event handlers
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("body-onload", "<body onload=alert(1)>"),
    ("div-onmouseover", '<div onmouseover="alert(1)">hover</div>'),
    ("input-onfocus", "<input autofocus onfocus=alert(1)>"),
    ("details-ontoggle", "<details open ontoggle=alert(1)>"),
    ("source-onerror", '<video><source onerror="alert(1)">'),
    ("a-onclick", '<a href="https://example.jp" onclick="alert(1)">x</a>'),
    ("svg-onload", "<svg/onload=alert(1)>"),
    # javascript:, data:, vbscript: in Markdown links
    ("link-javascript", "[x](javascript:alert(1))"),
    ("link-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    ("link-tab", "[x](java\tscript:alert(1))"),
    ("link-decimal-entities", "[x](&#106;avascript:alert(1))"),
    ("link-hex-entities", "[x](&#x6A;&#x61;vascript:alert(1))"),
    ("link-named-colon", "[x](javascript&colon;alert(1))"),
    ("link-vbscript", "[x](vbscript:msgbox(1))"),
    ("link-data", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("link-padded", "[x](  javascript:alert(1)  )"),
    ("link-angle", "[x](<javascript:alert(1)>)"),
    ("link-percent", "[x](%6A%61%76%61script:alert(1))"),
    ("link-title", '[x](javascript:alert(1) "title")'),
    ("link-zero-width", "[x](java\u200bscript:alert(1))"),
    ("link-line-separator", "[x](\u2028javascript:alert(1))"),
    ("link-fullwidth", "[x](ｊavascript:alert(1))"),
    # images
    ("image-javascript", "![x](javascript:alert(1))"),
    ("image-quote-break", '![x](https://example.jp/a.png"onerror="alert(1))'),
    ("image-svg-data", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"),
    ("image-in-link", "[![x](javascript:alert(1))](javascript:alert(2))"),
    # autolinks
    ("autolink-javascript", "<javascript:alert(1)>"),
    ("autolink-upper", "<JAVASCRIPT:alert(1)>"),
    ("autolink-vbscript", "<vbscript:msgbox(1)>"),
    ("autolink-data", "<data:text/html,<script>alert(1)</script>>"),
    ("autolink-quote", '<https://example.jp/"onmouseover="alert(1)>'),
    ("autolink-mailto", '<mailto:a@example.jp?subject="><script>alert(1)</script>>'),
    # embedded documents, forms and page-wide elements
    ("math-mglyph", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    ("iframe-javascript", '<iframe src="javascript:alert(1)"></iframe>'),
    ("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>">'),
    ("object", '<object data="javascript:alert(1)">'),
    ("embed", '<embed src="javascript:alert(1)">'),
    ("form-action", '<form action="javascript:alert(1)"><button>x</button></form>'),
    ("base-href", '<base href="javascript:/">'),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("link-stylesheet", '<link rel="stylesheet" href="javascript:alert(1)">'),
    # style
    ("style-url", '<div style="background:url(javascript:alert(1))">'),
    ("style-expression", '<p style="width: expression(alert(1))">x</p>'),
    ("style-import", '<style>@import "javascript:alert(1)";</style>'),
    # entities and obfuscation
    ("entity-text", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("numeric-entity-text", "&#60;script&#62;alert(1)&#60;/script&#62;"),
    ("entity-href", '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'),
    ("img-mixed-case", "<IMG SRC=JaVaScRiPt:alert('XSS')>"),
    ("img-backtick", "<img src=`javascript:alert(1)`>"),
    ("unicode-escape-text", "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"),
    ("fullwidth-angles", "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e"),
    ("comment", "<!-- <script>alert(1)</script> -->"),
    ("cdata", "<![CDATA[<script>alert(1)</script>]]>"),
    # reference links
    ("reference-javascript", "[x][evil]\n\n[evil]: javascript:alert(1)"),
    ("reference-image", "![x][evil]\n\n[evil]: javascript:alert(1)"),
    ("reference-title-quote", '[x][t]\n\n[t]: https://example.jp "a\\" onclick=\\"alert(1)"'),
    ("reference-angle", "[x]\n\n[x]: <javascript:alert(1)>"),
    # breaking out of attributes with quotes
    ("text-quote", '[" onmouseover="alert(1)](https://example.jp)'),
    ("href-single-quote", "[x](https://example.jp/'onmouseover='alert(1))"),
    ("href-double-quote", '[x](https://example.jp/"onmouseover="alert(1))'),
    ("title-quote", '[x](https://example.jp "\\" onmouseover=\\"alert(1)")'),
    ("code-quote", '`" onmouseover="alert(1)` **"><img src=x onerror=alert(1)>**'),
    # Markdown around HTML
    ("bold-script", "**<script>**alert(1)**</script>**"),
    ("link-text-img", "[**<img src=x onerror=alert(1)>**](https://example.jp)"),
    ("quote-list", "> <script>alert(1)</script>\n> - <iframe src=x>"),
    ("fence", "```html\n<script>alert(1)</script>\n```"),
    ("fence-info-quote", '```" onmouseover="alert(1)\n<script>x</script>\n```'),
    ("indented-code", "    <script>alert(1)</script>"),
    ("heading-img", "# <img src=x onerror=alert(1)>"),
    ("ordered-list", "1. <a href=javascript:alert(1)>x</a>\n2. [y](javascript:alert(2))"),
    ("link-then-script", "[x](https://example.jp)<script>alert(1)</script>"),
    ("table-pipes", "| a | b |\n|---|---|\n| <script>alert(1)</script> | [x](javascript:alert(1)) |"),
    # the mention syntax @[名](member:id)
    ("mention-img", "@[<img src=x onerror=alert(1)>](member:1)"),
    ("mention-quote", '@[x" onclick="alert(1)](member:1)'),
    ("mention-trailing-attr", "@[x](member:1) onclick=alert(1)"),
    ("mention-broken-id", '@[x](member:1" onclick="alert(1))'),
    ("mention-in-link", "[@[x](member:1)](javascript:alert(1))"),
    ("mention-huge-id", "@[x](member:999999999999999999)"),
    ("mention-entity-name", "@[&#60;script&#62;](member:1)"),
    ("mention-then-script", "@[x](member:1)@[y](member:2)<script>alert(1)</script>"),
    ("mention-javascript-id", "@[x](javascript:alert(1))"),
]

# What a message body may contain: kyoso's Markdown, links and mentions, and nothing else.
BODY_TAGS = frozenset(
    {"p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr", "span"}
    | {f"h{level}" for level in range(1, 7)}
)
BODY_ATTRIBUTES = {
    "a": {"href", "title", "rel", "class", "data-member-id"},
    "ol": {"start"},
    "span": {"class", "data-member-id"},
}
SAFE_SCHEMES = frozenset({"", "http", "https", "mailto"})
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background"}
)
# Never anywhere on a page: each can run script or replace the page's context. (The layout's own
# inline SVG icons are allowed outside message bodies; inside one, BODY_TAGS has no svg.)
NEVER_ON_A_PAGE = frozenset(
    {"iframe", "frame", "frameset", "object", "embed", "applet", "math", "base", "style"}
)
TAG_OPENING = re.compile(r"<\s*/?\s*([A-Za-z][^\s/>]*)")


def url_scheme(url: str) -> str:
    """The scheme a browser would see: it drops whitespace and control characters, and any case."""
    squeezed = "".join(ch for ch in url if ch > " " and ch != "\x7f").lower()
    return urlsplit(squeezed).scheme


class _Page(HTMLParser):
    """Every element of a page, and separately those inside message bodies (div.message__body)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.body_elements: list[tuple[str, dict[str, str | None]]] = []
        self.bodies = 0
        self.in_body = False
        self.markup_declarations: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if self.in_body:
            self.body_elements.append((tag, attributes))
        elif tag == "div" and "message__body" in (attributes.get("class") or "").split():
            self.in_body = True
            self.bodies += 1

    def handle_endtag(self, tag: str) -> None:
        # A body holds no div (and a div in one fails the check), so its first </div> ends it.
        if tag == "div":
            self.in_body = False

    def handle_comment(self, data: str) -> None:
        self.markup_declarations.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        if self.in_body or decl.lower() != "doctype html":
            self.markup_declarations.append(decl)

    def unknown_decl(self, data: str) -> None:
        self.markup_declarations.append(data)

    def handle_pi(self, data: str) -> None:
        self.markup_declarations.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def assert_safe_element(tag: str, attributes: dict[str, str | None]) -> None:
    assert not [name for name in attributes if name.startswith("on")], (tag, attributes)
    for name in URL_ATTRIBUTES & attributes.keys():
        assert url_scheme(attributes[name] or "") in SAFE_SCHEMES, (tag, attributes)


def assert_inert_body(html: str) -> None:
    """Stored message HTML: only the Markdown allow-list, with safe links, parsed two ways."""
    # Every "<" that a browser could take for a tag opens an allowed one (the rest are &lt; already).
    assert {name.lower() for name in TAG_OPENING.findall(html)} <= BODY_TAGS, html
    page = parse(f'<div class="message__body">{html}</div>')
    assert not page.markup_declarations, html
    for tag, attributes in page.body_elements:
        assert tag in BODY_TAGS, html
        assert set(attributes) <= BODY_ATTRIBUTES.get(tag, set()), html
        assert_safe_element(tag, attributes)
        # A class or a member id is only ever a mention's: the pill (a link to the member's page,
        # or a span inside another link) and the organisation card inside it.
        if tag == "span":
            assert attributes.get("class") in ("mention", "mention__org"), html
        if "class" in attributes and attributes["class"] != "mention__org":
            assert attributes["class"] == "mention", html
            assert (attributes.get("data-member-id") or "").isdigit(), html
        if tag == "a" and "class" in attributes:
            assert attributes.get("href") == f"/accounts/members/{attributes['data-member-id']}/", html
        if "data-member-id" in attributes:
            assert attributes.get("class") == "mention", html


def assert_inert_page(html: str, *, bodies: int) -> None:
    """A whole page: message bodies as strict as stored HTML; elsewhere no handler, script or frame."""
    page = parse(html)
    assert page.bodies == bodies
    for tag, attributes in page.body_elements:
        assert tag in BODY_TAGS, (tag, attributes)
        assert set(attributes) <= BODY_ATTRIBUTES.get(tag, set()), (tag, attributes)
    assert not page.markup_declarations
    for tag, attributes in page.elements:
        assert tag not in NEVER_ON_A_PAGE, (tag, attributes)
        assert_safe_element(tag, attributes)
        if tag == "script":  # the site's own modules, or JSON data that never runs
            src = attributes.get("src") or ""
            assert src.startswith("/static/") or attributes.get("type") == "application/json", attributes
        if tag == "meta":
            assert "http-equiv" not in attributes or (attributes["http-equiv"] or "").lower() != "refresh"
        if tag == "img":
            assert (attributes.get("src") or "").startswith("/"), attributes


@pytest.fixture
def author() -> Member:
    return make_member()


@pytest.fixture
def channel(author: Member) -> Channel:
    return make_channel("窓口DX", creator=author)


def test_the_corpus_is_large_and_every_entry_differs() -> None:
    assert len(CORPUS) >= 60
    assert len({text for _label, text in CORPUS}) == len(CORPUS)
    assert len({label for label, _text in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("text", [text for _label, text in CORPUS], ids=[label for label, _text in CORPUS])
def test_hostile_text_is_posted_as_inert_html_and_kept_exactly(
    author: Member, channel: Channel, text: str
) -> None:
    message = actions.post_message(author=author, channel=channel, text=text)

    stored = Message.objects.get(pk=message.pk)
    assert stored.text == text
    assert_inert_body(stored.html)


@pytest.mark.parametrize("text", [text for _label, text in CORPUS], ids=[label for label, _text in CORPUS])
def test_hostile_text_is_edited_in_as_inert_html_and_kept_exactly(
    author: Member, channel: Channel, text: str
) -> None:
    message = actions.post_message(author=author, channel=channel, text="受付時間の件です。")

    actions.edit_message(member=author, message=message, text=text)
    actions.edit_message(member=author, message=message, text="訂正しました。")

    stored = Message.objects.get(pk=message.pk)
    assert stored.html == "<p>訂正しました。</p>"
    # The hostile version is kept, exactly, in the edit history, and was inert while it was shown.
    revisions = list(MessageRevision.objects.filter(message=message).values_list("text", flat=True))
    assert revisions == ["受付時間の件です。", text]
    actions.edit_message(member=author, message=message, text=text)
    assert_inert_body(Message.objects.get(pk=message.pk).html)


def test_the_channel_and_thread_pages_show_the_corpus_inert(author: Member, channel: Channel) -> None:
    for _label, text in CORPUS:
        actions.post_message(author=author, channel=channel, text=text)
    root = actions.post_message(author=author, channel=channel, text="スレッドの親です。")
    for _label, text in CORPUS[:20]:
        actions.post_message(author=author, channel=channel, text=text, thread=root, also_in_channel=True)
    client = Client()
    client.force_login(author)
    url = reverse("chat:channel", args=[channel.slug])

    shown = 0
    before = None
    while True:
        history = channel_history(author, channel, before=before)
        response = client.get(url if before is None else f"{url}?before={before}")
        assert response.status_code == 200
        assert_inert_page(response.content.decode(), bodies=len(history.messages))
        shown += len(history.messages)
        if history.older_than is None:
            break
        before = history.older_than
    assert shown == len(CORPUS) + 1 + 20 > HISTORY_PAGE_SIZE  # more than one page was checked

    thread = client.get(reverse("chat:thread", args=[channel.slug, root.pk]))
    assert thread.status_code == 200
    page = parse(thread.content.decode())
    assert_inert_page(thread.content.decode(), bodies=page.bodies)
    assert page.bodies >= 21  # the root and its replies, besides the channel's newest page

    home = client.get(reverse("web:home"))
    assert home.status_code == 200
    assert_inert_page(home.content.decode(), bodies=parse(home.content.decode()).bodies)


# Text as members write it must come back exactly: storage and rendering normalise nothing.
EXACT_TEXTS = [
    pytest.param("𠮷野家と𩸽（ほっけ）", id="astral-kanji"),
    pytest.param("葛\U000e0100飾区と葛\U000e0101城市", id="ideographic-variation-sequences"),
    pytest.param("神\ufa19社と\U0002f801", id="cjk-compatibility-ideographs"),
    pytest.param("か\u3099き\u3099と が", id="combining-voiced-mark-beside-precomposed"),
    pytest.param("ｶﾞｷﾞと㈱と①と〜と～", id="half-width-and-symbols"),
    pytest.param("家族👨\u200d👩\u200d👧\u200d👦と🏳️\u200d🌈と👍🏽と🇯🇵と1️⃣", id="emoji-sequences"),
    pytest.param("e\u0301te\u0301 and A\u030a and \u202eabc", id="combining-latin-and-bidi"),
]


@pytest.mark.parametrize("text", EXACT_TEXTS)
def test_variant_characters_and_sequences_come_back_exactly(
    author: Member, channel: Channel, text: str
) -> None:
    posted = actions.post_message(author=author, channel=channel, text=text)
    edited = actions.post_message(author=author, channel=channel, text="下書き")
    actions.edit_message(member=author, message=edited, text=text)

    for message in (posted, edited):
        stored = Message.objects.get(pk=message.pk)
        assert stored.text == text
        assert stored.html == f"<p>{text}</p>"
    client = Client()
    client.force_login(author)
    page = client.get(reverse("chat:channel", args=[channel.slug])).content.decode()
    assert page.count(f"<p>{text}</p>") == 2


BROKEN_TEXTS = [
    pytest.param("ok\udfff", InvalidText, id="lone-low-surrogate"),
    pytest.param("\ud842\udfb7野家", InvalidText, id="surrogate-pair-as-two-code-points"),
    pytest.param("前\ud800後", InvalidText, id="lone-high-surrogate-inside"),
    pytest.param("[x](\x01javascript:alert(1))", InvalidText, id="control-character-in-link"),
    pytest.param("a\x1b[31mred", InvalidText, id="terminal-escape"),
]


@pytest.mark.parametrize(("text", "error"), BROKEN_TEXTS)
def test_broken_text_is_refused_on_post_and_edit_and_changes_nothing(
    author: Member, channel: Channel, text: str, error: type[ChatError]
) -> None:
    message = actions.post_message(author=author, channel=channel, text="元の本文")

    with pytest.raises(error):
        actions.post_message(author=author, channel=channel, text=text)
    with pytest.raises(error):
        actions.edit_message(member=author, message=message, text=text)

    assert_unchanged(message, channel, text="元の本文")


@override_settings(KYOSO_MESSAGE_MAX_LENGTH=10)
def test_an_edit_over_the_length_limit_is_refused_and_changes_nothing(
    author: Member, channel: Channel
) -> None:
    message = actions.post_message(author=author, channel=channel, text="𠮷" * 10)  # ten characters

    with pytest.raises(MessageTooLong):
        actions.edit_message(member=author, message=message, text="𠮷" * 11)

    assert_unchanged(message, channel, text="𠮷" * 10)


def assert_unchanged(message: Message, channel: Channel, *, text: str) -> None:
    assert Message.objects.filter(channel=channel).count() == 1
    stored = Message.objects.get(pk=message.pk)
    assert (stored.text, stored.html, stored.edited_at) == (text, f"<p>{text}</p>", None)
    assert not MessageRevision.objects.filter(message=message).exists()
