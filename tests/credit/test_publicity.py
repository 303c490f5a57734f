"""Publication deadlines and publicity periods (standards.md §5)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingjinji.credit.kernels.publicity import (
    PublicityPeriod,
    add_months,
    is_late,
    publication_deadline,
    publicity_period,
    rules_for,
    timeliness,
)
from jingjinji.workdays import WorkCalendar, official_calendar

D = dt.date
OFFICIAL = official_calendar()
LAST_2019 = D(2023, 4, 30)
FIRST_2023 = D(2023, 5, 1)


def test_seven_working_days_across_the_national_day_2025() -> None:
    # Sunday 2025-09-28 was an adjusted working day; it is the decision day and does not count.
    assert publication_deadline(D(2025, 9, 28), calendar=OFFICIAL) == D(2025, 10, 14)
    assert publication_deadline(D(2025, 9, 28), calendar=OFFICIAL, working_days=1) == D(2025, 9, 29)


def test_spring_festival_2026_adjustment_weekend() -> None:
    # Decided Tue 10 Feb 2026: Wed 11, Thu 12, Fri 13, Sat 14 (worked), then the holiday
    # 15-23 Feb, Tue 24, Wed 25, Thu 26.
    deadline = publication_deadline(D(2026, 2, 10), calendar=OFFICIAL)
    assert deadline == D(2026, 2, 26)
    assert not is_late(deadline, D(2026, 2, 26))
    assert is_late(deadline, D(2026, 2, 27))
    # Publishing on Fri 27 Feb is late: 8 working days, though only 12 days after a week-long
    # holiday; the adjusted Saturday counted.
    late = timeliness(D(2026, 2, 10), D(2026, 2, 27), today=D(2026, 3, 2), calendar=OFFICIAL)
    assert late.late and late.working_days_taken == 8 and late.deadline == deadline
    # Decided Thu 12 Feb: Fri 13, Sat 14, Tue 24 .. Fri 27, Sat 28 (worked): the 7th.
    assert publication_deadline(D(2026, 2, 12), calendar=OFFICIAL) == D(2026, 2, 28)


def test_configurable_working_days_and_extra_holidays() -> None:
    assert publication_deadline(D(2026, 11, 23), calendar=OFFICIAL, working_days=10) == D(
        2026, 12, 7
    )
    extra = WorkCalendar(extra_holidays=frozenset({D(2026, 11, 25)}))
    assert publication_deadline(D(2026, 11, 23), calendar=extra) == D(2026, 12, 3)
    assert publication_deadline(D(2026, 11, 23), calendar=OFFICIAL) == D(2026, 12, 2)


def test_timeliness_of_an_unpublished_decision() -> None:
    pending = timeliness(D(2026, 11, 23), None, today=D(2026, 12, 2), calendar=OFFICIAL)
    assert not pending.late and pending.working_days_taken is None
    overdue = timeliness(D(2026, 11, 23), None, today=D(2026, 12, 3), calendar=OFFICIAL)
    assert overdue.late
    on_time = timeliness(D(2026, 11, 23), D(2026, 11, 24), today=D(2027, 1, 1), calendar=OFFICIAL)
    assert not on_time.late and on_time.working_days_taken == 1


# (decision date, severity, penalty types) -> (rules, min months, max months)
CASES = [
    (LAST_2019, "ordinary", (), "2019", 3, 12),
    (LAST_2019, None, (), "2019", 3, 12),
    (LAST_2019, "serious", (), "2019", 6, 36),
    # The 2019 rules know no special types: the severity decides.
    (LAST_2019, "ordinary", ("work_safety",), "2019", 3, 12),
    (LAST_2019, "ordinary", ("fire_safety",), "2019", 3, 12),
    (LAST_2019, "ordinary", ("special_equipment",), "2019", 3, 12),
    (LAST_2019, "serious", ("special_equipment", "fire_safety"), "2019", 6, 36),
    (FIRST_2023, "ordinary", (), "2023", 3, 36),
    (FIRST_2023, None, (), "2023", 3, 36),
    # The 2023 rules do not distinguish severity.
    (FIRST_2023, "serious", (), "2023", 3, 36),
    (FIRST_2023, "ordinary", ("work_safety",), "2023", 12, 36),
    (FIRST_2023, "ordinary", ("fire_safety",), "2023", 12, 36),
    (FIRST_2023, "ordinary", ("special_equipment",), "2023", 12, 36),
    (FIRST_2023, "serious", ("special_equipment",), "2023", 12, 36),
    (FIRST_2023, None, ("environment",), "2023", 3, 36),
    # Several types: the longest minimum.
    (FIRST_2023, "ordinary", ("environment", "work_safety"), "2023", 12, 36),
    (FIRST_2023, "ordinary", ("fire_safety", "work_safety", "special_equipment"), "2023", 12, 36),
]


@pytest.mark.parametrize(("decided", "severity", "types", "rules", "minimum", "maximum"), CASES)
def test_publicity_periods(
    decided: dt.date,
    severity: str | None,
    types: tuple[str, ...],
    rules: str,
    minimum: int,
    maximum: int,
) -> None:
    period = publicity_period(decided, severity=severity, penalty_types=types)
    assert period.rules == rules == rules_for(decided)
    assert period.start == decided
    assert period.min_end == add_months(decided, minimum)
    assert period.max_end == add_months(decided, maximum)
    assert (period.minimum_months, period.maximum_months) == (minimum, maximum)


def test_period_dates_at_the_switch() -> None:
    assert publicity_period(LAST_2019, severity="ordinary") == PublicityPeriod(
        "2019", LAST_2019, D(2023, 7, 30), D(2024, 4, 30)
    )
    assert publicity_period(LAST_2019, severity="serious") == PublicityPeriod(
        "2019", LAST_2019, D(2023, 10, 30), D(2026, 4, 30)
    )
    assert publicity_period(FIRST_2023, severity="ordinary") == PublicityPeriod(
        "2023", FIRST_2023, D(2023, 8, 1), D(2026, 5, 1)
    )
    assert publicity_period(FIRST_2023, severity=None, penalty_types=["fire_safety"]) == (
        PublicityPeriod("2023", FIRST_2023, D(2024, 5, 1), D(2026, 5, 1))
    )


def test_unknown_severity_is_refused() -> None:
    with pytest.raises(ValueError, match="grave"):
        publicity_period(FIRST_2023, severity="grave")


def test_month_arithmetic_clamps_to_the_month_end() -> None:
    assert add_months(D(2023, 11, 30), 3) == D(2024, 2, 29)
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert add_months(D(2023, 12, 15), 1) == D(2024, 1, 15)
    assert add_months(D(2023, 5, 10), 36) == D(2026, 5, 10)


def test_shown_and_early_end() -> None:
    period = publicity_period(D(2023, 5, 10), severity=None)
    assert not period.shown_on(D(2023, 5, 9))
    assert period.shown_on(D(2023, 5, 10))
    assert period.shown_on(D(2026, 5, 9)) and not period.shown_on(D(2026, 5, 10))
    # A repair ends publicity early, never before the minimum.
    assert not period.shown_on(D(2024, 1, 1), ended_on=D(2024, 1, 1))
    assert period.shown_on(D(2023, 8, 9), ended_on=D(2023, 6, 1))
    assert not period.shown_on(D(2023, 8, 10), ended_on=D(2023, 6, 1))
    assert not period.may_end_early(D(2023, 8, 9))
    assert period.may_end_early(D(2023, 8, 10))
    assert not period.may_end_early(D(2026, 5, 10))


@given(
    decided=st.dates(min_value=D(2015, 1, 1), max_value=D(2030, 12, 31)),
    severity=st.sampled_from([None, "ordinary", "serious"]),
    types=st.lists(st.sampled_from(["work_safety", "fire_safety", "special_equipment", "tax"])),
)
def test_period_invariants(decided: dt.date, severity: str | None, types: list[str]) -> None:
    period = publicity_period(decided, severity=severity, penalty_types=types)
    assert period.start < period.min_end < period.max_end
    assert 3 <= period.minimum_months <= 12 and period.maximum_months in (12, 36)
    # Adding a type never shortens the minimum.
    more = publicity_period(decided, severity=severity, penalty_types=[*types, "work_safety"])
    assert more.min_end >= period.min_end and more.max_end == period.max_end


@given(
    decided=st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31)),
    days=st.integers(min_value=1, max_value=15),
)
def test_deadline_is_a_working_day_after_the_decision(decided: dt.date, days: int) -> None:
    deadline = publication_deadline(decided, calendar=OFFICIAL, working_days=days)
    assert deadline > decided and OFFICIAL.is_working_day(deadline)
    assert OFFICIAL.working_days_between(decided, deadline) == days
    assert not is_late(deadline, deadline) and is_late(deadline, deadline + dt.timedelta(days=1))
