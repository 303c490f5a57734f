"""The working-day arithmetic behind decision and publication deadlines: China's official
calendar (the ``chinese-calendar`` package) plus configured extra holidays and working days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingjinji import workdays
from jingjinji.catalog import service
from jingjinji.config import Settings
from jingjinji.timezone import china_date
from jingjinji.workdays import WorkCalendar, calendar_from_settings, official_calendar

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
        # Was 2026-10-21 under weekends + configured holidays only: the official calendar knows
        # that Saturday 2026-10-10 is an adjusted working day (调休), which counts.
        (D(2026, 9, 30), 10, NATIONAL_DAY, frozenset(), D(2026, 10, 20)),
        # A holiday falling on a weekday inside the period pushes the deadline by one day.
        (D(2026, 12, 28), 3, frozenset({D(2027, 1, 1)}), frozenset(), D(2026, 12, 31)),
        (D(2026, 12, 28), 4, frozenset({D(2027, 1, 1)}), frozenset(), D(2027, 1, 4)),
        # An adjusted working Saturday (调休) counts when configured ...
        (D(2026, 10, 9), 1, NATIONAL_DAY, frozenset({D(2026, 10, 10)}), D(2026, 10, 10)),
        # ... and, since the official calendar is used, also when not configured: it was
        # 2026-10-12 under weekends + configured holidays only, but the official calendar
        # makes Saturday 2026-10-10 a working day.
        (D(2026, 10, 9), 1, NATIONAL_DAY, frozenset(), D(2026, 10, 10)),
        # A configured extra working day wins over a configured holiday and the official one.
        (D(2026, 10, 1), 1, NATIONAL_DAY, frozenset({D(2026, 10, 2)}), D(2026, 10, 2)),
    ],
)
def test_add_working_days(
    start: dt.date,
    days: int,
    holidays: frozenset[dt.date],
    extra_workdays: frozenset[dt.date],
    expected: dt.date,
) -> None:
    calendar = WorkCalendar(extra_holidays=holidays, extra_workdays=extra_workdays)
    assert calendar.add_working_days(start, days) == expected


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
    calendar = WorkCalendar(extra_holidays=holidays)
    assert calendar.working_days_between(start, end) == expected


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
    calendar = WorkCalendar(extra_holidays=holidays)
    due = calendar.add_working_days(start, days)
    assert calendar.working_days_between(start, due) == days
    if days > 0:
        assert calendar.is_working_day(due)
        assert due not in holidays
        # A weekend day is a working day only where the official calendar says so.
        if due.weekday() >= 5:
            assert calendar.covers(due)
            assert workdays.official_day_kind(due) == "adjusted_working"


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        official_calendar().add_working_days(D(2026, 1, 5), -1)


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


def test_an_adjusted_working_sunday_counts() -> None:
    # Sunday 2025-09-28 was a working day (National Day adjustment); 1-8 October a holiday,
    # Saturday 2025-10-11 worked again. 7 working days after 2025-09-28: Mon 29, Tue 30,
    # Thu 9, Fri 10, Sat 11, Mon 13, Tue 14.
    calendar = official_calendar()
    assert calendar.is_working_day(D(2025, 9, 28))
    assert calendar.add_working_days(D(2025, 9, 28), 7) == D(2025, 10, 14)
    assert calendar.working_days_between(D(2025, 9, 28), D(2025, 10, 14)) == 7
    # Weekends and configured holidays only would give 2025-10-07.
    assert calendar.add_working_days(D(2025, 9, 28), 7) != D(2025, 10, 7)


def test_spring_festival_2026() -> None:
    calendar = official_calendar()
    # The package's data: holiday 15-23 February 2026, Saturdays 14 and 28 February worked.
    for day in (D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)):
        assert not calendar.is_working_day(day), day
        assert workdays.official_day_kind(day) == "holiday"
    assert calendar.is_working_day(D(2026, 2, 14))
    assert calendar.is_working_day(D(2026, 2, 28))
    assert workdays.official_day_kind(D(2026, 2, 14)) == "adjusted_working"
    assert workdays.official_day_kind(D(2026, 3, 1)) == "weekend"
    assert calendar.is_working_day(D(2026, 2, 24))
    # Friday 13 February + 1 is the adjusted Saturday; + 2 skips the whole holiday.
    assert calendar.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert calendar.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    # 7 working days from the Friday: Sat 14, Tue 24 .. Fri 27, Sat 28, Mon 2 March.
    assert calendar.add_working_days(D(2026, 2, 13), 7) == D(2026, 3, 2)
    kinds = dict(calendar.days_between(D(2026, 2, 13), D(2026, 3, 2)))
    assert kinds[D(2026, 2, 14)] == "adjusted_working"
    assert kinds[D(2026, 2, 16)] == "holiday"
    assert kinds[D(2026, 3, 1)] == "weekend"


def test_outside_the_covered_years_weekends_only() -> None:
    first, last = workdays.covered_years()
    assert first == 2004 and last >= 2026
    calendar = official_calendar()
    outside = D(last + 1, 1, 1)
    assert not calendar.covers(outside)
    assert not calendar.covers(D(2003, 12, 31))
    assert calendar.covers(D(2026, 12, 31)) and calendar.covers(D(2004, 1, 1))
    # 1 January of an uncovered year is not known as a holiday: a weekday counts.
    assert calendar.is_working_day(outside) == (outside.weekday() < 5)
    assert workdays.official_day_kind(outside) in {"unknown_working", "unknown_weekend"}
    # Crossing into the uncovered year works (no NotImplementedError from the package).
    due = calendar.add_working_days(D(last, 12, 30), 5)
    assert due.year == last + 1
    assert calendar.working_days_between(D(last, 12, 30), due) == 5


def test_configured_extras_cover_an_unknown_year() -> None:
    _first, last = workdays.covered_years()
    new_year = D(last + 1, 1, 1)
    # Pick a weekday new year's day and a weekend day after it.
    weekend = next(
        new_year + dt.timedelta(days=i)
        for i in range(7)
        if (new_year + dt.timedelta(days=i)).weekday() == 5
    )
    settings = Settings(
        database_url="sqlite://",
        secret_key="k",
        var_dir=Path("."),
        holidays=frozenset({new_year.isoformat()}),
        workdays=frozenset({weekend.isoformat()}),
    )
    calendar = calendar_from_settings(settings)
    assert calendar.extra_holidays == {new_year}
    assert calendar.extra_workdays == {weekend}
    assert not calendar.is_working_day(new_year)
    assert calendar.is_working_day(weekend)
    assert dict(calendar.days_between(new_year - dt.timedelta(days=1), weekend)) == {
        **{new_year: "extra_holiday"},
        **{
            d: ("unknown_weekend" if d.weekday() >= 5 else "unknown_working")
            for d in (new_year + dt.timedelta(days=i) for i in range(1, (weekend - new_year).days))
        },
        weekend: "extra_working",
    }
    # An extra holiday inside the covered years adds to the official ones.
    extra = WorkCalendar(extra_holidays=frozenset({D(2026, 11, 25)}))
    assert not extra.is_working_day(D(2026, 11, 25))
    assert official_calendar().is_working_day(D(2026, 11, 25))


def test_workdays_setting_is_parsed_and_names_a_bad_value() -> None:
    settings = Settings(
        database_url="sqlite://",
        secret_key="k",
        var_dir=Path("."),
        workdays=frozenset({"2027-02-31"}),
    )
    with pytest.raises(ValueError, match="2027-02-31"):
        calendar_from_settings(settings)


def test_no_working_day_at_all_is_refused_not_looped() -> None:
    every_day = frozenset(D(2030, 1, 1) + dt.timedelta(days=i) for i in range(800))
    with pytest.raises(ValueError, match="no working day"):
        WorkCalendar(extra_holidays=every_day).add_working_days(D(2029, 12, 31), 1)


def test_settings_read_jjj_workdays(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from jingjinji.config import load_settings

    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("JJJ_WORKDAYS", "2027-02-06, 2027-02-20")
    monkeypatch.setenv("JJJ_HOLIDAYS", "2027-02-08")
    settings = load_settings()
    assert settings.workdays == {"2027-02-06", "2027-02-20"}
    calendar = calendar_from_settings(settings)
    assert calendar.is_working_day(D(2027, 2, 6))  # a Saturday
    assert not calendar.is_working_day(D(2027, 2, 8))  # a Monday
