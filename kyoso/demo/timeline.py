"""When things happen in the demo: a town hall's calendar, in Japan Standard Time.

Most posts fall on weekdays between 8:30 and 18:00; a few come at lunch, after hours or at the weekend;
hardly any during 年末年始. Activity grows as the community does. Times are POSIX seconds (floats)
until a message is written out, because a million datetimes would cost more than the messages.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import date, datetime, timedelta
from itertools import accumulate
from random import Random
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
DAY = 86_400.0
MINUTE = 60.0
HISTORY_DAYS = 540  # about eighteen months
WEEKDAYS_JA = "月火水木金土日"

# (from minute, to minute, weight) of the day: office hours carry the conversation.
OFFICE_DAY = ((0, 420, 0.01), (420, 510, 0.15), (510, 720, 1.2), (720, 780, 0.7), (780, 1035, 1.2),
              (1035, 1080, 0.6), (1080, 1200, 0.25), (1200, 1440, 0.04))  # fmt: skip
# Small talk peaks at lunch.
CASUAL_DAY = ((0, 420, 0.02), (420, 510, 0.3), (510, 720, 0.8), (720, 780, 2.0), (780, 1035, 0.8),
              (1035, 1080, 0.6), (1080, 1320, 0.35), (1320, 1440, 0.05))  # fmt: skip
OFFICE_OPENS = 510  # 8:30
OFFICE_CLOSES = 1140  # 19:00: replies after this wait for the next working morning


def _holiday_factor(day: date) -> float:
    if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
        return 0.08  # 年末年始
    if day.month == 5 and 3 <= day.day <= 5:
        return 0.1  # ゴールデンウィーク
    if day.month == 8 and 13 <= day.day <= 16:
        return 0.5  # お盆: many take turns
    return 1.0


class Timeline:
    """The community's eighteen months, ending ``now``."""

    def __init__(self, now: datetime, days: int = HISTORY_DAYS) -> None:
        self.now = now.timestamp()
        today = now.astimezone(JST).date()
        self.first_day = today - timedelta(days=days)
        self.start = self.midnight(self.first_day)
        self.days = [self.first_day + timedelta(days=i) for i in range(days + 1)]
        weights = []
        for i, day in enumerate(self.days):
            weekday = 1.0 if day.weekday() < 5 else 0.05
            growth = 0.3 + 0.7 * (i / days) ** 0.8  # the community grows as people invite colleagues
            weights.append(weekday * growth * _holiday_factor(day))
        self._day_cum = list(accumulate(weights))
        self._day_of_cum: dict[int, list[float]] = {}

    @staticmethod
    def midnight(day: date) -> float:
        return datetime(day.year, day.month, day.day, tzinfo=JST).timestamp()

    def sample_day(self, rng: Random) -> int:
        """A day index, weighted by weekday, holidays and growth."""
        return bisect_right(self._day_cum, rng.random() * self._day_cum[-1])

    def sample_time(self, rng: Random, day_index: int, shape: tuple[tuple[int, int, float], ...]) -> float:
        """A moment of the given day, by the day's shape; never later than now."""
        cum = self._day_of_cum.get(id(shape))
        if cum is None:
            cum = self._day_of_cum[id(shape)] = list(accumulate(w * (b - a) for a, b, w in shape))
        base = self.midnight(self.days[day_index])
        for _attempt in range(8):
            segment = shape[bisect_right(cum, rng.random() * cum[-1])]
            moment = base + (segment[0] + rng.random() * (segment[1] - segment[0])) * MINUTE
            if moment <= self.now:
                return moment
        # Today, before the office opened: put it in the last working hours instead.
        return self.now - rng.uniform(10, 180) * MINUTE

    def in_office_hours(self, moment: float, rng: Random) -> float:
        """Move a moment outside office hours to the next working morning (replies wait for it)."""
        local = datetime.fromtimestamp(moment, JST)
        minute = local.hour * 60 + local.minute
        if local.weekday() < 5 and OFFICE_OPENS <= minute < OFFICE_CLOSES:
            return moment
        day = local.date() if minute < OFFICE_OPENS else local.date() + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return self.midnight(day) + (OFFICE_OPENS + rng.uniform(0, 120)) * MINUTE

    def reply_times(self, rng: Random, root: float, count: int, median_minutes: float = 45.0) -> list[float]:
        """When the replies to a post come: minutes to days apart, in office hours, before now."""
        times, moment = [], root
        for _ in range(count):
            gap = min(max(rng.lognormvariate(math.log(median_minutes), 1.2), 2.0), 5 * 24 * 60.0)
            moment = self.in_office_hours(moment + gap * MINUTE, rng)
            times.append(moment)
        if times and times[-1] > self.now:
            # A thread started near now: squeeze its replies into the time left, keeping their order.
            scale = (self.now - root) / (times[-1] - root) * 0.98
            times = [root + (t - root) * scale for t in times]
        return times

    def later(self, rng: Random, moment: float, low_minutes: float, high_minutes: float) -> float:
        """A moment after ``moment`` (a stamp, a read), never later than now."""
        return min(moment + rng.uniform(low_minutes, high_minutes) * MINUTE, self.now)


def start_of_today(now: datetime) -> datetime:
    """The demo's present: midnight in Japan. One seed then gives the same community all day long."""
    local = now.astimezone(JST)
    return datetime(local.year, local.month, local.day, tzinfo=JST)


def to_datetime(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, JST)


def fiscal_year(moment: datetime) -> int:
    """The 令和 year of the fiscal year (April to March) a moment falls in: 2026-11 → 8."""
    year = moment.year if moment.month >= 4 else moment.year - 1
    return year - 2018


def weekday_date(moment: datetime, days_ahead: int) -> str:
    """A working day about ``days_ahead`` days later, written as 12月9日（火）."""
    day = moment.date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return f"{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"
