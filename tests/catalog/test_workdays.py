"""The working-day arithmetic behind decision deadlines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingjinji.catalog import service, workdays
from jingjinji.config import Settings
from jingjinji.timezone import china_date

D = dt.date
NATIONAL_DAY = frozenset(D(2026, 10, d) for d in range(1, 8))  # Thu 1 .. Wed 7 October 2026


@pytest.mark.parametrize(
    ("start", "days", "holidays", "extra_workdays", "expected"),
    [
        (D(2026, 11, 23), 0, frozenset(), frozenset(), D(2026, 11, 23)),  # Monday, no days
        (D(2026, 11, 23), 1, frozenset(), frozenset(), D(2026, 11, 24)),  # Mon -> Tue
        (D(2026, 11, 27), 1, frozenset(), frozenset(), D(2026, 11, 30)),  # Fri -> Mon
        (D(2026, 11, 28), 1, frozenset(), frozenset(), D(2026, 11, 30)),  # Sat -> Mon
        (D(2026, 11, 29), 1, frozenset(), frozenset(), D(2026, 11, 30)),  # Sun -> Mon
        (D(2026, 11, 28), 5, frozenset(), frozenset(), D(2026, 12, 4)),  # Sat + 5 -> Fri
        (D(2026, 11, 23), 10, frozenset(), frozenset(), D(2026, 12, 7)),  # two weeks
        (D(2026, 11, 27), 10, frozenset(), frozenset(), D(2026, 12, 11)),
        # National Day week: Wed 30 Sep + 1 working day skips the whole holiday.
        (D(2026, 9, 30), 1, NATIONAL_DAY, frozenset(), D(2026, 10, 8)),
        (D(2026, 9, 30), 10, NATIONAL_DAY, frozenset(), D(2026, 10, 21)),
        # A holiday falling on a weekday inside the period pushes the deadline by one day.
        (D(2026, 12, 28), 3, frozenset({D(2027, 1, 1)}), frozenset(), D(2026, 12, 31)),
        (D(2026, 12, 28), 4, frozenset({D(2027, 1, 1)}), frozenset(), D(2027, 1, 4)),
        # An adjusted working Saturday (调休) counts only when configured.
        (D(2026, 10, 9), 1, NATIONAL_DAY, frozenset({D(2026, 10, 10)}), D(2026, 10, 10)),
        (D(2026, 10, 9), 1, NATIONAL_DAY, frozenset(), D(2026, 10, 12)),
    ],
)
def test_add_working_days(
    start: dt.date,
    days: int,
    holidays: frozenset[dt.date],
    extra_workdays: frozenset[dt.date],
    expected: dt.date,
) -> None:
    assert (
        workdays.add_working_days(start, days, holidays=holidays, workdays=extra_workdays)
        == expected
    )


@pytest.mark.parametrize(
    ("start", "end", "holidays", "expected"),
    [
        (D(2026, 11, 23), D(2026, 11, 23), frozenset(), 0),  # same day
        (D(2026, 11, 24), D(2026, 11, 23), frozenset(), 0),  # end before start
        (D(2026, 11, 27), D(2026, 11, 30), frozenset(), 1),  # Fri -> Mon
        (D(2026, 11, 28), D(2026, 11, 29), frozenset(), 0),  # a weekend only
        (D(2026, 3, 2), D(2026, 3, 20), frozenset(), 14),
        (D(2026, 9, 30), D(2026, 10, 8), NATIONAL_DAY, 1),
    ],
)
def test_working_days_between(
    start: dt.date, end: dt.date, holidays: frozenset[dt.date], expected: int
) -> None:
    assert workdays.working_days_between(start, end, holidays=holidays) == expected


@given(
    start=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=60),
    holidays=st.frozensets(
        st.dates(min_value=D(2020, 1, 1), max_value=D(2031, 6, 30)), max_size=20
    ),
)
def test_counting_back_gives_the_same_number(
    start: dt.date, days: int, holidays: frozenset[dt.date]
) -> None:
    due = workdays.add_working_days(start, days, holidays=holidays)
    assert workdays.working_days_between(start, due, holidays=holidays) == days
    if days > 0:
        assert workdays.is_working_day(due, holidays=holidays)
        assert due.weekday() < 5 and due not in holidays


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        workdays.add_working_days(D(2026, 1, 5), -1)


def test_holiday_parsing_names_the_bad_value() -> None:
    assert workdays.parse_dates(["2026-10-01", " 2026-10-02 ", ""]) == {
        D(2026, 10, 1),
        D(2026, 10, 2),
    }
    with pytest.raises(ValueError, match="2026-13-01"):
        workdays.parse_dates(["2026-10-01", "2026-13-01"])


def test_days_are_counted_on_the_beijing_calendar() -> None:
    # 17:00 UTC on Sunday is 01:00 on Monday in Beijing.
    sunday_evening_utc = dt.datetime(2026, 11, 22, 17, 0, tzinfo=dt.UTC)
    assert china_date(sunday_evening_utc) == D(2026, 11, 23)
    policy = service.DeadlinePolicy(working_days=1, holidays=frozenset())
    assert service.decision_deadline(sunday_evening_utc, policy) == D(2026, 11, 24)


def test_deadline_policy_reads_settings() -> None:
    settings = Settings(
        database_url="sqlite://",
        secret_key="k",
        var_dir=Path("."),
        decision_deadline_working_days=3,
        holidays=frozenset({"2026-11-25"}),
    )
    policy = service.deadline_policy(settings)
    assert policy == service.DeadlinePolicy(3, frozenset({D(2026, 11, 25)}))
    submitted = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # Monday in Beijing
    # Tue 24 (1), Wed 25 holiday, Thu 26 (2), Fri 27 (3)
    assert service.decision_deadline(submitted, policy) == D(2026, 11, 27)
