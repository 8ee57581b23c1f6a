"""Text contrast is at least 4.5:1 (WCAG AA): in the tokens, and on the rendered pages."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from kyoso.testing.factories import (
    DEFAULT_PASSWORD,
    make_channel,
    make_member,
    make_message,
    make_organization,
    make_reaction,
)
from kyoso.web.tests.contrast import MINIMUM_TEXT_CONTRAST, contrast_ratio

CSS_DIR = Path(__file__).resolve().parents[1] / "static" / "kyoso" / "css"

# Every text colour the stylesheets put on a background: (text token, background token).
TEXT_PAIRS = [
    ("--color-text-body", "--color-bg-primary"),
    ("--color-text-body", "--color-bg-secondary"),
    ("--color-text-body", "--color-bg-accent"),
    ("--color-text-body", "--color-bg-notice"),
    ("--color-text-body", "--color-bg-success"),
    ("--color-text-body", "--color-bg-alert"),
    ("--color-text-description", "--color-bg-primary"),
    ("--color-text-description", "--color-bg-secondary"),
    ("--color-text-link", "--color-bg-primary"),
    ("--color-text-link", "--color-bg-secondary"),
    ("--color-text-link", "--color-bg-accent"),
    ("--color-text-link-hover", "--color-bg-primary"),
    ("--color-text-link-visited", "--color-bg-primary"),
    ("--color-text-link-active", "--color-bg-primary"),
    ("--color-text-alert", "--color-bg-alert"),
    ("--color-text-success", "--color-bg-success"),
    ("--color-text-on-fill", "--color-button-primary"),
    ("--color-text-on-fill", "--color-button-primary-hover"),
    ("--color-button-primary", "--color-bg-primary"),
    ("--color-primitive-blue-1000", "--color-bg-selected"),
    ("--color-primitive-blue-1000", "--color-bg-accent"),
    ("--color-primitive-blue-1000", "--color-button-secondary-hover"),
    ("--color-neutral-black", "--focus-bg"),
]


def token_values() -> dict[str, str]:
    text = (CSS_DIR / "tokens.css").read_text(encoding="utf-8")
    raw = dict(re.findall(r"(--[\w-]+):\s*([^;]+);", text))

    def resolve(name: str) -> str:
        value = raw[name].strip()
        reference = re.fullmatch(r"var\((--[\w-]+)\)", value)
        return resolve(reference.group(1)) if reference else value

    return {name: resolve(name) for name in raw}


@pytest.mark.parametrize(("text", "background"), TEXT_PAIRS)
def test_token_text_colours_meet_wcag_aa_on_their_backgrounds(text: str, background: str) -> None:
    tokens = token_values()
    ratio = contrast_ratio(tokens[text], tokens[background])
    assert ratio >= MINIMUM_TEXT_CONTRAST, f"{text} on {background}: {ratio:.2f}:1"


def test_stylesheets_use_tokens_not_raw_colours() -> None:
    for sheet in ("base.css", "home.css", "chat.css"):
        css = (CSS_DIR / sheet).read_text(encoding="utf-8")
        assert not re.findall(r"#[0-9a-fA-F]{3,6}\b", css), f"{sheet} has a raw colour"


# The browser computes what is really painted: every visible text node against its background.
COLLECT_TEXT_COLOURS = """
() => {
  const opaque = (c) => c && c !== "transparent" && !/rgba\\(.*,\\s*0\\)$/.test(c);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      if (opaque(bg)) return bg;
    }
    return "rgb(255, 255, 255)";
  };
  const hidden = (el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.visibility === "hidden" || s.display === "none" || r.width <= 1 || r.height <= 1
      || s.clip === "rect(0px, 0px, 0px, 0px)" || el.closest("[aria-hidden=true]");
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || hidden(el)) continue;
    const text = node.textContent.trim().slice(0, 40);
    found.push({text, fg: getComputedStyle(el).color, bg: background(el)});
  }
  return found;
}
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 360])
def test_every_visible_text_on_key_pages_has_enough_contrast(page: object, width: int) -> None:
    city = make_organization("久留米市")
    make_member(city, email="hanako@city.kurume.lg.jp", password=DEFAULT_PASSWORD)
    other = make_member(make_organization("八女市"))
    channel = make_channel("窓口業務", creator=other, purpose="窓口の困りごと")
    message = make_message(channel, other, "`コード` と > 引用 と [リンク](https://example.jp)")
    make_reaction(message, other, "共創")
    make_message(channel, other, "返信です", thread=message)

    page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
    checked: list[tuple[str, str, float]] = []

    def check(label: str) -> None:
        for item in page.evaluate(COLLECT_TEXT_COLOURS):  # type: ignore[attr-defined]
            checked.append((f"{label}: {item['text']}", "", contrast_ratio(item["fg"], item["bg"])))

    page.goto("/")  # type: ignore[attr-defined]
    check("home (signed out)")
    page.goto("/accounts/sign-in/")  # type: ignore[attr-defined]
    page.get_by_text("パスワードでサインイン", exact=True).first.click()  # type: ignore[attr-defined]
    password_form = page.locator("#password-sign-in")  # type: ignore[attr-defined]
    password_form.get_by_label("メールアドレス").fill("hanako@city.kurume.lg.jp")
    password_form.get_by_label("パスワード").fill("wrong-password")
    password_form.get_by_role("button", name="パスワードでサインイン").click()
    # The answer is a new page: read it once it is there, not the one being left.
    page.locator("#sign-in-error").wait_for()  # type: ignore[attr-defined]
    check("sign-in with an error")
    password_form.get_by_label("パスワード").fill(DEFAULT_PASSWORD)
    password_form.get_by_role("button", name="パスワードでサインイン").click()
    page.wait_for_url("**/")  # type: ignore[attr-defined]
    check("home (signed in)")
    page.goto("/channels/")  # type: ignore[attr-defined]
    check("channel directory")
    page.goto(f"/channels/{quote(channel.slug)}/")  # type: ignore[attr-defined]
    check("channel")
    page.get_by_role("button", name="#窓口業務 に参加").click()  # type: ignore[attr-defined]
    page.locator("#composer-text").wait_for()  # type: ignore[attr-defined]
    check("channel with the message box")
    page.goto(f"/channels/{quote(channel.slug)}/threads/{message.pk}/")  # type: ignore[attr-defined]
    page.locator(f"#t-{message.pk} [data-message-menu]").click()  # type: ignore[attr-defined]
    page.locator(".popover").wait_for()  # type: ignore[attr-defined]
    check("thread pane with the message menu open")
    page.goto("/channels/stamps/")  # type: ignore[attr-defined]
    check("stamps")
    page.goto("/mentions/")  # type: ignore[attr-defined]
    check("mentions")
    page.goto("/no-such-page/")  # type: ignore[attr-defined]
    check("404")

    assert len(checked) > 50
    failures = [f"{label} ({ratio:.2f}:1)" for label, _, ratio in checked if ratio < MINIMUM_TEXT_CONTRAST]
    assert failures == []
