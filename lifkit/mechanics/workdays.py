"""Deadlines in days: working days, calendar days and calendar months. Knows nothing of cases.

A **working day** is Monday to Friday, less the bank holidays of England and Wales and less the days
the board's office is closed (``closure_days`` in lifkit.toml). The bank holidays come from the
maintained ``holidays`` library, which computes them offline (no network), including the substitute
days: when Christmas Day, Boxing Day or New Year's Day falls at a weekend, the next weekday(s) are bank
holidays instead (Christmas 2021 on Saturday: Monday 27 and Tuesday 28 December are bank holidays), and
the one-off days (the Coronation, 8 May 2023; the state funeral, 19 September 2022).

Counting follows the statutory guidance: "within 5 working days of becoming aware" means the fifth
working day **after** the day of becoming aware, so the day the clock starts is day 0 and is not
counted, even when it is itself a working day::

    calendar = WorkingCalendar()
    calendar.add_working_days(date(2026, 11, 27), 5)   # Friday -> Friday 4 December 2026
    calendar.working_days_between(date(2026, 11, 27), date(2026, 12, 4))   # 5

``add_working_days(start, n)`` and ``working_days_between(start, end)`` are inverses whenever ``end`` is
a working day. A negative ``n`` counts back: "7 working days before publication" is
``add_working_days(publication, -7)``.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from typing import Iterable

# The holidays library's code for the United Kingdom, and England's subdivision: England and Wales
# share their bank holidays (Scotland and Northern Ireland have others).
COUNTRY = "GB"
SUBDIVISION = "ENG"
_SATURDAY = 5


class WorkingCalendar:
    """Which days are working days, for one board: weekends, England and Wales bank holidays and the
    board's own ``closures`` (the days its office is closed) are not."""

    def __init__(self, closures: Iterable[dt.date] = ()):
        self.closures = frozenset(closures)
        self._bank_holidays = None  # the holidays library, loaded at the first question (its import costs ~0.1 s)

    def bank_holiday(self, day: dt.date) -> str | None:
        """The bank holiday's name (e.g. "Boxing Day (observed)") when ``day`` is one, else None."""
        if self._bank_holidays is None:
            import holidays

            # Years are filled in on demand as dates are asked about (the library's default).
            self._bank_holidays = holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION)
        return self._bank_holidays.get(day)

    def why_not_working(self, day: dt.date) -> str | None:
        """Why ``day`` is not a working day ("Saturday", "Good Friday", "a closure day"), or None when it is."""
        if day.weekday() >= _SATURDAY:
            return day.strftime("%A")
        name = self.bank_holiday(day)
        if name:
            return name
        if day in self.closures:
            return "a closure day"
        return None

    def is_working_day(self, day: dt.date) -> bool:
        return self.why_not_working(day) is None

    def on_or_after(self, day: dt.date) -> dt.date:
        """``day`` when it is a working day, else the first working day after it (a date asked of someone
        never falls on a weekend, a bank holiday or a day the office is closed)."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def on_or_before(self, day: dt.date) -> dt.date:
        """``day`` when it is a working day, else the last working day before it."""
        while not self.is_working_day(day):
            day -= dt.timedelta(days=1)
        return day

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself is day 0 and never counted); with a
        negative ``n``, the ``-n``-th working day before it. ``n = 0`` gives ``start`` unchanged."""
        step = 1 if n >= 0 else -1
        day, left = start, abs(n)
        while left:
            day += dt.timedelta(days=step)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days fall after ``start`` up to and including ``end`` (negative, counted the
        same way back, when ``end`` is before ``start``). ``working_days_between(d, d)`` is 0."""
        if end < start:
            return -self._count(end, start)
        return self._count(start, end)

    def _count(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]."""
        total = 0
        day = start + dt.timedelta(days=1)
        while day <= end:
            total += self.is_working_day(day)
            day += dt.timedelta(days=1)
        return total


def add_days(day: dt.date, days: int) -> dt.date:
    """``days`` calendar days after ``day`` (before it when negative)."""
    return day + dt.timedelta(days=days)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later (earlier when negative), or that month's last day
    when it is shorter: 31 January + 1 month is 28 February (29 in a leap year)."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))
