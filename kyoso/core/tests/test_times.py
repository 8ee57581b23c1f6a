"""Times said as members say them, in Tokyo time (kyoso.core.times, {% when %})."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from kyoso.core.times import absolute_label, full_label, relative_label, time_words

# 2026-12-05 17:40 in Tokyo (Saturday).
NOW = datetime(2026, 12, 5, 8, 40, tzinfo=UTC)


@pytest.fixture(autouse=True)
def tokyo_in_japanese(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    with translation.override("ja"), timezone.override("Asia/Tokyo"):
        yield


@pytest.mark.parametrize(
    ("ago", "label"),
    [
        (timedelta(seconds=0), "たった今"),
        (timedelta(seconds=59), "たった今"),
        (timedelta(seconds=-30), "たった今"),  # a clock a little ahead is still now
        (timedelta(seconds=60), "1分前"),
        (timedelta(minutes=5, seconds=59), "5分前"),
        (timedelta(minutes=59, seconds=59), "59分前"),
        (timedelta(hours=1), "1時間前"),
        (timedelta(hours=3, minutes=20), "3時間前"),
        (timedelta(hours=17, minutes=40), "17時間前"),  # 00:00 today in Tokyo
    ],
)
def test_recent_times_are_minutes_and_hours_ago(ago, label) -> None:
    assert relative_label(NOW - ago, NOW) == label


def test_a_minute_before_tokyo_midnight_is_yesterday_with_its_time() -> None:
    # 17:40:01 ago: 23:59:59 on the 4th in Tokyo.
    assert relative_label(NOW - timedelta(hours=17, minutes=40, seconds=1), NOW) == "昨日 23:59"


def test_tokyo_day_changes_at_15_utc_not_at_utc_midnight() -> None:
    now = datetime(2026, 12, 5, 15, 30, tzinfo=UTC)  # 00:30 on the 6th in Tokyo
    assert relative_label(datetime(2026, 12, 5, 14, 0, tzinfo=UTC), now) == "昨日 23:00"  # 1.5 h ago
    assert relative_label(datetime(2026, 12, 5, 15, 10, tzinfo=UTC), now) == "20分前"
    # The same UTC day, but the day before in Tokyo: no 「時間前」 across Tokyo's midnight.
    assert relative_label(datetime(2026, 12, 5, 5, 5, tzinfo=UTC), now) == "昨日 14:05"


def test_older_times_this_year_show_month_and_day_then_the_year() -> None:
    assert relative_label(datetime(2026, 12, 3, 0, 10, tzinfo=UTC), NOW) == "12月3日 9:10"
    assert relative_label(datetime(2026, 1, 1, 0, 0, tzinfo=UTC), NOW) == "1月1日 9:00"
    assert relative_label(datetime(2025, 3, 1, 3, 0, tzinfo=UTC), NOW) == "2025年3月1日"
    # 2025-12-31 15:00 UTC is already New Year's Day 2026 in Tokyo.
    assert relative_label(datetime(2025, 12, 31, 15, 0, tzinfo=UTC), NOW) == "1月1日 0:00"


def test_never_the_timesince_style() -> None:
    assert relative_label(NOW - timedelta(days=1, hours=8), NOW) == "昨日 9:40"
    label = relative_label(NOW - timedelta(days=2, hours=8), NOW)
    assert "," not in label and "日前" not in label
    assert label == "12月3日 9:40"


def test_absolute_and_full_labels_are_in_tokyo_time() -> None:
    moment = datetime(2026, 12, 5, 8, 40, tzinfo=UTC)
    assert absolute_label(moment) == "2026年12月5日 17:40"
    assert full_label(moment) == "2026年12月5日（土） 17:40"


def test_english_pages_say_the_same_in_english() -> None:
    with translation.override("en"):
        assert relative_label(NOW - timedelta(minutes=5), NOW) == "5 min ago"
        assert relative_label(NOW - timedelta(hours=17, minutes=40, seconds=1), NOW) == "Yesterday 23:59"
        assert relative_label(datetime(2025, 3, 1, 3, 0, tzinfo=UTC), NOW) == "Mar 1, 2025"


def test_the_tag_gives_a_time_with_its_full_form_for_hover_and_screen_readers() -> None:
    moment = timezone.now() - timedelta(minutes=5)
    html = Template("{% load kyoso_times %}{% when moment %}").render(Context({"moment": moment}))
    full = full_label(moment)
    assert html.startswith(
        f'<time class="when" datetime="{timezone.localtime(moment).isoformat(timespec="seconds")}"'
    )
    assert "+09:00" in html
    assert f'title="{full}"' in html
    assert f'>5分前<span class="when__full">（{full}）</span></time>' in html


def test_a_stable_time_never_says_how_long_ago() -> None:
    moment = datetime(2026, 12, 5, 8, 40, tzinfo=UTC)
    html = Template("{% load kyoso_times %}{% when moment stable=True focusable=True %}").render(
        Context({"moment": moment})
    )
    assert ">2026年12月5日 17:40<" in html and 'tabindex="0"' in html


def test_the_script_gets_the_site_zone_and_words() -> None:
    words = time_words()
    assert words["zone"] == "Asia/Tokyo"
    assert words["now"] == "たった今"
    assert words["minutes"][1] == "%(count)s分前"
    assert words["weekdays"][5] == "土"
