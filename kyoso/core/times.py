"""Times as members read them: in the site's time zone (KYOSO_TIME_ZONE, Asia/Tokyo), in natural words.

「たった今」, 「5分前」, 「3時間前」 (earlier today), 「昨日 14:05」, 「12月3日 9:10」 (this year),
「2025年3月1日」 (before). Django's ``timesince`` says 「1日, 8時間前」, which nobody says.

The browser keeps the words fresh with the same rules (``kyoso/js/times.js``), from the words and date
formats that ``time_words()`` gives it: one vocabulary, translated in one place. A drawing that is kept
(a message's HTML, cached or sent live to thousands) carries the absolute time (``absolute_label``),
which never goes stale; the script turns it into the relative words where it runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MINUTE = 60
HOUR = 60 * MINUTE
# A time this little ahead of the server's clock (a client's clock, a just-committed row) is "now".
AHEAD_IS_NOW = timedelta(minutes=1)


def _formats() -> dict[str, str]:
    """Django date formats (``dateformat.format``), translated: the site's language decides the order."""
    return {
        "time": _("G:i"),
        "yesterday": _("昨日 G:i"),
        "this_year": _("n月j日 G:i"),
        "other_year": _("Y年n月j日"),
        "absolute": _("Y年n月j日 G:i"),
        "full": _("Y年n月j日（D） G:i"),
    }


def _plural(words: str, count: int) -> str:
    # Japanese has one form; English ("1 hour ago", "2 hours ago") has two.
    return ngettext(words, words, count)


def time_words() -> dict[str, Any]:
    """What ``times.js`` needs to say times as the server does, in the reader's language."""
    return {
        "zone": timezone.get_current_timezone_name(),
        "now": _("たった今"),
        # ngettext forms for 1 and many: the script picks by count, as the server does.
        "minutes": [_plural("%(count)s分前", 1), _plural("%(count)s分前", 2)],
        "hours": [_plural("%(count)s時間前", 1), _plural("%(count)s時間前", 2)],
        "formats": _formats(),
        # Django's date format letters the script understands, and the names they stand for.
        "weekdays": [dateformat.format(datetime(2024, 1, day), "D") for day in range(1, 8)],  # Mon..Sun
        "months": [dateformat.format(datetime(2024, month, 1), "M") for month in range(1, 13)],
    }


def local(value: datetime) -> datetime:
    """``value`` in the site's time zone (the active one: KYOSO_TIME_ZONE unless a request changed it)."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def relative_label(value: datetime, now: datetime | None = None) -> str:
    """``value`` said the way a member would say it, seen from ``now`` (default: this moment)."""
    now = local(now or timezone.now())
    when = local(value)
    formats = _formats()
    seconds = (now - when).total_seconds()
    if -AHEAD_IS_NOW.total_seconds() <= seconds < MINUTE:
        return _("たった今")
    if 0 < seconds < HOUR:
        minutes = int(seconds // MINUTE)
        return _plural("%(count)s分前", minutes) % {"count": minutes}
    today = now.date()
    if seconds > 0 and when.date() == today:
        hours = int(seconds // HOUR)
        return _plural("%(count)s時間前", hours) % {"count": hours}
    if when.date() == today - timedelta(days=1):
        return dateformat.format(when, formats["yesterday"])
    if when.year == now.year:
        return dateformat.format(when, formats["this_year"])
    return dateformat.format(when, formats["other_year"])


def absolute_label(value: datetime) -> str:
    """``value`` as a date and time that never goes stale, e.g. 「2026年12月5日 17:40」."""
    return dateformat.format(local(value), _formats()["absolute"])


def full_label(value: datetime) -> str:
    """``value`` in full, with its weekday, for hover and focus: 「2026年12月5日（土） 17:40」."""
    return dateformat.format(local(value), _formats()["full"])
