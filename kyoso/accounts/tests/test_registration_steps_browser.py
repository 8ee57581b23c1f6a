"""参加登録's three steps in a real browser, at 1280 px and on a 360 px phone, with and without JavaScript.

The whole journey: the organisation filled in from the address, the 一部事務組合 fields appearing
only for that kind, suggested channels ticked with the rest behind a disclosure, going back without
losing anything, the terms box that says it scrolls, and axe-core finding nothing on any step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache

from kyoso.accounts.models import Application
from kyoso.accounts.tests.registration_support import Directory, make_directory
from kyoso.chat.models import Channel, ChannelCategory
from kyoso.testing.factories import make_channel
from kyoso.web.tests.axe import report, violations

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


@pytest.fixture
def site(live_server: object, settings: object) -> Iterator[Directory]:
    cache.clear()
    settings.KYOSO_OUTBOX = True  # type: ignore[attr-defined]
    settings.KYOSO_SITE_URL = live_server.url  # type: ignore[attr-defined]
    directory = make_directory()
    make_channel("関東", category=ChannelCategory.REGION)
    make_channel("防災", title="防災と避難所運営のDX")
    make_channel("ガバメントクラウド")
    make_channel("子育て")
    make_channel("マイナンバー")
    yield directory
    cache.clear()


def assert_accessible(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"axe-core on {where}:\n{report(found)}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{where} scrolls sideways: {width} px"  # type: ignore[index]


# Resolves true once the box has scrolled (keyboard scrolling may be animated), false if it never does.
SCROLLED = """box => new Promise(resolve => {
  let frames = 0;
  const look = () =>
    box.scrollTop > 0 ? resolve(true) : ++frames > 300 ? resolve(false) : requestAnimationFrame(look);
  look();
})"""


def current_step(page: Page) -> str:
    return " ".join(page.locator('[aria-current="step"]').inner_text().split())


@pytest.mark.parametrize("size", SIZES)
def test_a_newcomer_registers_in_three_calm_steps(page: Page, site: Directory, size: str) -> None:
    page.set_default_timeout(5000)
    page.set_viewport_size(SIZES[size])  # type: ignore[arg-type]
    page.goto("/accounts/register/")
    assert current_step(page).endswith("メールアドレスと所属")
    joint_name = page.get_by_label("団体名（一部事務組合・広域連合など）")
    organization = page.get_by_role("combobox", name="所属団体")
    # The joint body's fields only for that kind.
    assert not joint_name.is_visible()
    assert_accessible(page, f"step 1 ({size})")
    # Sent empty: each message beside its field, and a summary that links to them.
    page.get_by_role("button", name="次へ（参加するチャンネル）").click()
    page.get_by_role("link", name="部署名").wait_for()
    assert page.locator("#id_email-error").inner_text() == "メールアドレスを入力してください。"
    assert_accessible(page, f"step 1 with errors ({size})")
    page.get_by_label("一部事務組合・広域連合など（一覧にない公的団体）").check()
    assert joint_name.is_visible() and not organization.is_visible()
    page.get_by_label("都道府県・市区町村・府省庁").check()
    assert organization.is_visible() and not joint_name.is_visible()

    # The organisation comes from the address, and says so; the applicant may still change it.
    page.get_by_label("メールアドレス").fill("hanako@city.kurume.fukuoka.jp")
    page.locator("#id_full_name").fill("久留米 花子")
    page.get_by_text("メールアドレスから推定しました: 福岡県久留米市").wait_for()
    assert organization.input_value() == "福岡県久留米市"
    page.get_by_label("表示名").fill("はなこ")
    page.get_by_label("部署名").fill("市民課")
    page.get_by_role("button", name="次へ（参加するチャンネル）").click()

    # Step 2: the suggestions ticked, the rest behind a disclosure.
    page.get_by_role("heading", name="手順2/3　参加するチャンネル").wait_for()
    assert current_step(page).endswith("参加するチャンネル")
    assert page.get_by_label("窓口DX").is_checked() and page.get_by_label("九州・沖縄").is_checked()
    assert page.get_by_label("マイナンバー").is_checked()
    bousai = page.get_by_label("防災")
    assert not bousai.is_visible()
    assert_accessible(page, f"step 2 ({size})")
    page.get_by_text("ほかのチャンネル（4件・あとで参加できます）").click()
    assert bousai.is_visible() and not bousai.is_checked()
    bousai.check()
    page.get_by_label("マイナンバー").uncheck()

    # Back to step 1 and forward again: nothing is lost.
    page.get_by_role("button", name="戻る").click()
    page.get_by_role("heading", name="手順1/3　メールアドレスと所属").wait_for()
    assert page.get_by_label("表示名").input_value() == "はなこ"
    assert organization.input_value() == "福岡県久留米市"
    page.get_by_role("button", name="次へ（参加するチャンネル）").click()
    page.get_by_role("heading", name="手順2/3　参加するチャンネル").wait_for()
    assert bousai.is_visible() and bousai.is_checked()  # the disclosure opens to show the choice
    assert not page.get_by_label("マイナンバー").is_checked()
    page.get_by_role("button", name="次へ（規約と確認）").click()

    # Step 3: a terms box that says it scrolls, can be scrolled from the keyboard, and a clear consent.
    page.get_by_role("heading", name="手順3/3　規約と確認").wait_for()
    page.get_by_text("下の枠の中をスクロールして最後まで読めます").wait_for()
    terms = page.get_by_role("region", name="利用規約と行動規範")
    assert terms.evaluate("box => box.scrollHeight > box.clientHeight")
    terms.focus()
    terms.press("End")
    assert terms.evaluate(SCROLLED)
    assert_accessible(page, f"step 3 ({size})")
    page.get_by_role("button", name="確認メールを送る").click()
    page.get_by_text("参加するには、利用規約と行動規範への同意が必要です。").first.wait_for()
    assert_accessible(page, f"step 3 with an error ({size})")
    page.get_by_label("利用規約と行動規範に同意します").check()
    page.get_by_role("button", name="確認メールを送る").click()
    page.get_by_role("heading", name="確認メールを送りました").wait_for()

    application = Application.objects.get()
    assert application.organization == site.kurume
    chosen = set(Channel.objects.filter(pk__in=application.channel_ids).values_list("name", flat=True))
    assert chosen == {"窓口DX", "九州・沖縄", "防災"}
    assert page.watch.console_errors == []  # type: ignore[attr-defined]


def test_a_typed_organisation_is_not_replaced_by_the_guess(page: Page, site: Directory) -> None:
    page.set_default_timeout(5000)
    guesses: list[str] = []
    page.on(
        "request",
        lambda request: guesses.append(request.url) if "/register/organization/" in request.url else None,
    )
    page.goto("/accounts/register/")
    organization = page.get_by_role("combobox", name="所属団体")
    organization.fill("福岡県")
    organization.press("Escape")
    page.get_by_label("メールアドレス").fill("hanako@city.kurume.fukuoka.jp")
    page.locator("#id_full_name").fill("久留米 花子")
    page.get_by_label("表示名").fill("はなこ")
    page.get_by_label("部署名").fill("市民課")
    page.get_by_role("button", name="次へ（参加するチャンネル）").click()
    page.get_by_text("福岡県（市民課）の方へのおすすめです").wait_for()
    assert guesses == []
    assert page.get_by_text("メールアドレスから推定しました").count() == 0


@pytest.fixture
def page_without_javascript(browser: Any, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", java_script_enabled=False, viewport=SIZES["phone"]
    )
    yield context.new_page()
    context.close()


def test_without_javascript_the_steps_work_on_a_phone(page_without_javascript: Page, site: Directory) -> None:
    page = page_without_javascript
    page.set_default_timeout(5000)
    page.goto("/accounts/register/")
    # Both groups show, the joint body's saying when it applies.
    page.get_by_role("group", name="一部事務組合・広域連合などの場合のみ").wait_for()
    assert page.get_by_label("団体名（一部事務組合・広域連合など）").is_visible()
    page.get_by_label("メールアドレス").fill("hanako@city.kurume.fukuoka.jp")
    page.locator("#id_full_name").fill("久留米 花子")
    page.get_by_label("表示名").fill("はなこ")
    page.get_by_label("部署名").fill("情報政策課")
    # Left blank, the organisation is inferred by the server.
    page.get_by_role("button", name="次へ（参加するチャンネル）").click()
    page.get_by_text("福岡県久留米市（情報政策課）の方へのおすすめです").wait_for()
    page.get_by_text("所属団体はメールアドレスから推定しました").wait_for()
    assert (
        page.get_by_label("ガバメントクラウド").is_checked() and page.get_by_label("九州・沖縄").is_checked()
    )
    page.get_by_text("ほかのチャンネル").first.click()  # <details> needs no script
    page.get_by_label("子育て").check()
    page.get_by_role("button", name="次へ（規約と確認）").click()
    page.get_by_role("heading", name="手順3/3　規約と確認").wait_for()
    page.get_by_text("福岡県久留米市 （メールアドレスから推定）").wait_for()
    page.get_by_label("利用規約と行動規範に同意します").check()
    page.get_by_role("button", name="確認メールを送る").click()
    page.get_by_role("heading", name="確認メールを送りました").wait_for()
    application = Application.objects.get()
    assert application.organization == site.kurume
    chosen = set(Channel.objects.filter(pk__in=application.channel_ids).values_list("name", flat=True))
    assert chosen == {"九州・沖縄", "ガバメントクラウド", "子育て"}
