"""The working-day calculator against England's bank holidays, as GOV.UK publishes them.

The expected dates here are worked out by hand from the published bank holidays, not from the library
lifkit uses, so a wrong subdivision, a missing substitute day or an off-by-one in the counting fails.
"""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lifkit.mechanics.workdays import WorkingCalendar, add_days, add_months

CAL = WorkingCalendar()


@pytest.mark.parametrize("day, why", [
    (date(2021, 12, 27), "Christmas Day (observed)"),  # Christmas 2021 on a Saturday
    (date(2021, 12, 28), "Boxing Day (observed)"),  # Boxing Day 2021 on a Sunday
    (date(2022, 1, 3), "New Year's Day (observed)"),  # New Year 2022 on a Saturday
    (date(2022, 12, 27), "Christmas Day (observed)"),  # Christmas 2022 on a Sunday
    (date(2023, 1, 2), "New Year's Day (observed)"),  # New Year 2023 on a Sunday
    (date(2026, 12, 28), "Boxing Day (observed)"),  # Boxing Day 2026 on a Saturday
    (date(2027, 12, 27), "Christmas Day (observed)"),
    (date(2027, 12, 28), "Boxing Day (observed)"),
    (date(2028, 1, 3), "New Year's Day (observed)"),
])
def test_substitute_days_for_christmas_and_new_year_are_not_working_days(day, why):
    assert day.weekday() < 5
    assert not CAL.is_working_day(day)
    assert CAL.why_not_working(day) == why


@pytest.mark.parametrize("start, n, due", [
    # Thu 23 Dec 2021: Fri 24 (1), Mon 27 and Tue 28 substitutes, Wed 29 (2), Thu 30 (3), Fri 31 (4),
    # Mon 3 Jan substitute, Tue 4 Jan (5)
    (date(2021, 12, 23), 5, date(2022, 1, 4)),
    # Fri 23 Dec 2022: Mon 26 Boxing Day, Tue 27 substitute, Wed 28 - Fri 30 (1-3), Mon 2 Jan substitute,
    # Tue 3 (4), Wed 4 (5)
    (date(2022, 12, 23), 5, date(2023, 1, 4)),
    # Fri 24 Dec 2027: Mon 27, Tue 28 substitutes; Wed 29 - Fri 31 (1-3); Mon 3 Jan substitute; Tue 4, Wed 5
    (date(2027, 12, 24), 5, date(2028, 1, 5)),
    # Thu 24 Dec 2026: Fri 25 Christmas, Mon 28 substitute for Boxing Day, Tue 29 - Thu 31 (1-3),
    # Fri 1 Jan New Year, Mon 4 (4), Tue 5 (5)
    (date(2026, 12, 24), 5, date(2027, 1, 5)),
    # Christmas 2023 on weekdays, no substitutes: Fri 22 Dec, Mon 25 and Tue 26 out, Wed 27 (1) ... Mon 1 Jan out
    (date(2023, 12, 22), 4, date(2024, 1, 2)),
])
def test_christmas_and_new_year(start, n, due):
    assert CAL.add_working_days(start, n) == due
    assert CAL.working_days_between(start, due) == n


def test_easter():
    # 2026: Good Friday 3 April, Easter Monday 6 April
    assert not CAL.is_working_day(date(2026, 4, 3)) and not CAL.is_working_day(date(2026, 4, 6))
    assert CAL.why_not_working(date(2026, 4, 3)) == "Good Friday"
    assert CAL.why_not_working(date(2026, 4, 6)) == "Easter Monday"
    assert CAL.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert CAL.add_working_days(date(2026, 4, 2), 5) == date(2026, 4, 13)
    # 2027: Easter is early, Good Friday 26 March, Easter Monday 29 March
    assert CAL.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    # 2028: Good Friday 14 April, Easter Monday 17 April
    assert CAL.working_days_between(date(2028, 4, 13), date(2028, 4, 18)) == 1


def test_early_may_and_late_summer_bank_holidays():
    assert CAL.why_not_working(date(2026, 5, 4)) == "May Day"  # the first Monday in May
    assert CAL.add_working_days(date(2026, 5, 1), 1) == date(2026, 5, 5)
    # 2020: the early May bank holiday moved to Friday 8 May (VE Day); Monday 4 May was a working day
    assert CAL.is_working_day(date(2020, 5, 4)) and not CAL.is_working_day(date(2020, 5, 8))
    assert not CAL.is_working_day(date(2026, 5, 25))  # spring bank holiday, the last Monday in May
    # late summer: the last Monday in August (31 August 2026). From Friday 28 August: Tue 1 Sep is day 1
    assert CAL.why_not_working(date(2026, 8, 31)) == "Late Summer Bank Holiday"
    assert CAL.add_working_days(date(2026, 8, 28), 5) == date(2026, 9, 7)


def test_one_off_bank_holidays():
    assert not CAL.is_working_day(date(2022, 9, 19))  # the state funeral of Queen Elizabeth II
    assert not CAL.is_working_day(date(2023, 5, 8))  # the Coronation


def test_only_england_and_wales_bank_holidays():
    assert CAL.is_working_day(date(2026, 11, 30))  # St Andrew's Day: Scotland only
    assert CAL.is_working_day(date(2027, 1, 4))  # 2 January's substitute in Scotland; not in England
    assert CAL.is_working_day(date(2026, 3, 17))  # St Patrick's Day: Northern Ireland only
    assert CAL.is_working_day(date(2026, 8, 3))  # Scotland's summer bank holiday


def test_a_start_on_a_friday():
    friday = date(2026, 11, 27)
    assert CAL.add_working_days(friday, 1) == date(2026, 11, 30)
    assert CAL.add_working_days(friday, 5) == date(2026, 12, 4)  # "within 5 working days": the next Friday
    assert CAL.add_working_days(friday, 15) == date(2026, 12, 18)
    assert CAL.working_days_between(friday, date(2026, 11, 29)) == 0  # the weekend counts for nothing


def test_a_start_on_a_bank_holiday_or_a_weekend():
    # the day of becoming aware is day 0 even when it is not a working day
    assert CAL.add_working_days(date(2026, 8, 31), 1) == date(2026, 9, 1)
    assert CAL.add_working_days(date(2026, 8, 31), 5) == date(2026, 9, 7)
    assert CAL.add_working_days(date(2026, 12, 25), 1) == date(2026, 12, 29)
    assert CAL.add_working_days(date(2026, 8, 29), 1) == date(2026, 9, 1)  # a Saturday before the holiday


def test_zero_and_backwards():
    assert CAL.add_working_days(date(2026, 12, 25), 0) == date(2026, 12, 25)
    # "at least 7 working days before publication" on Monday 4 January 2027: Mon 28 Dec and Fri 1 Jan out
    assert CAL.add_working_days(date(2027, 1, 4), -7) == date(2026, 12, 21)
    assert CAL.working_days_between(date(2027, 1, 4), date(2026, 12, 21)) == -7


def test_closure_days():
    board = WorkingCalendar(closures=[date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)])
    assert board.why_not_working(date(2026, 12, 30)) == "a closure day"
    # from Thu 24 Dec 2026 the office is closed until Mon 4 Jan 2027 (1) ... Fri 8 Jan (5)
    assert board.add_working_days(date(2026, 12, 24), 5) == date(2027, 1, 8)
    assert board.working_days_between(date(2026, 12, 24), date(2027, 1, 8)) == 5
    assert CAL.add_working_days(date(2026, 12, 24), 5) == date(2027, 1, 5)  # other boards are not affected
    assert board.is_working_day(date(2027, 12, 30))  # a closure is one date, not every year's


@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)), n=st.integers(0, 60))
def test_counting_and_adding_agree(start, n):
    due = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, due) == n
    assert n == 0 or CAL.is_working_day(due)
    assert due >= start and (due - start).days <= n * 2 + 10  # never more than a few non-working days a week
    back = CAL.add_working_days(due, -n)
    assert back == start if n == 0 or CAL.is_working_day(start) else back < start


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year
    (date(2026, 3, 31), 1, date(2026, 4, 30)),
    (date(2026, 11, 15), 2, date(2027, 1, 15)),  # into the next year
    (date(2026, 8, 31), 6, date(2027, 2, 28)),  # an LCSPR decided on 31 August: published by 28 February
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 1, 15), -1, date(2025, 12, 15)),
    (date(2026, 2, 28), 0, date(2026, 2, 28)),
])
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_add_days():
    assert add_days(date(2026, 12, 28), 7) == date(2027, 1, 4)
    assert add_days(date(2026, 3, 1), -1) == date(2026, 2, 28)


def test_a_date_asked_of_someone_moves_to_a_working_day():
    calendar = WorkingCalendar(closures=[date(2026, 12, 29)])
    assert calendar.on_or_after(date(2026, 11, 28)) == date(2026, 11, 30)  # Saturday -> Monday
    assert calendar.on_or_after(date(2026, 11, 30)) == date(2026, 11, 30)  # a working day stays
    # Boxing Day on a Saturday, its substitute Monday 28th, then a closure day: Wednesday 30th
    assert calendar.on_or_after(date(2026, 12, 26)) == date(2026, 12, 30)
    assert calendar.on_or_before(date(2026, 12, 28)) == date(2026, 12, 24)  # Christmas Day is a Friday
