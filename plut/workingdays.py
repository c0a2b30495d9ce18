"""Indonesian working days for service-level due dates.

A working day is Monday–Friday that is not a national public holiday, not a collective leave day (cuti
bersama, the `holidays` package's "government" category, matching the SKB decrees for 2025–2026) and not a
local day off staff recorded (plut.LocalHoliday, for all centres or one centre).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

MAX_DAYS = 3660  # a guard against an endless loop on a calendar without working days


@lru_cache(maxsize=16)
def national_days_off(year: int) -> frozenset[date]:
    """Public holidays and cuti bersama of one year (the library data does not change while we run)."""
    calendar = holidays.country_holidays("ID", years=year, categories=("public", "government"))
    return frozenset(calendar.keys())


class Calendar:
    """Working-day arithmetic for one centre; local days are read once per calendar."""

    def __init__(self, *, centre_id: int | None = None, local_days: set[date] | None = None):
        if local_days is None:
            local_days = _local_days(centre_id)
        self.local_days = frozenset(local_days)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in national_days_off(day.year) and day not in self.local_days

    def add(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (a request submitted on `start` with 3 days is due on
        the 3rd working day after it). `days` = 0 gives `start` itself."""
        day, left = start, days
        for _ in range(MAX_DAYS):
            if left <= 0:
                return day
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        raise ValueError("no working day within ten years")

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def _local_days(centre_id: int | None) -> set[date]:
    from django.db.models import Q

    from .models import LocalHoliday

    match = Q(centre__isnull=True)
    if centre_id is not None:
        match |= Q(centre_id=centre_id)
    return set(LocalHoliday.objects.filter(match).values_list("day", flat=True))
