"""The detection rules (kernels.limits) on plain readings: limits, flags, runs and gaps."""

from __future__ import annotations

import datetime as dt

import pytest

from jingjinji.sources.kernels import limits
from jingjinji.sources.kernels.limits import Reading

T0 = dt.datetime(2026, 6, 10, tzinfo=dt.UTC)


def series(*points: tuple[int, float | None, str | None]) -> list[Reading]:
    """(hour, value, flag) -> readings."""
    return [Reading(T0 + dt.timedelta(hours=h), v, f) for h, v, f in points]


def at(h: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=h)


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        pytest.param([(0, 50.0, "N")], [], id="equal-to-the-limit-is-not-an-exceedance"),
        pytest.param([(0, 50.0001, "N")], [(0, 0, None, 50.0001, 1)], id="just-above"),
        pytest.param(
            [(0, 60.0, "N"), (1, 70.0, "N"), (2, 65.0, "N"), (3, 50.0, "N")],
            [(0, 2, 3, 70.0, 3)],
            id="consecutive-hours-are-one-run-ended-by-the-limit",
        ),
        pytest.param(
            [(0, 60.0, "N"), (1, 40.0, "N"), (2, 65.0, "N")],
            [(0, 0, 1, 60.0, 1), (2, 2, None, 65.0, 1)],
            id="a-value-under-splits-two-runs",
        ),
        pytest.param(
            [(0, 60.0, "N"), (5, 70.0, "N")],
            [(0, 5, None, 70.0, 2)],
            id="missing-hours-neither-end-nor-count",
        ),
        pytest.param(
            [(0, 90.0, "D"), (1, 90.0, "M"), (2, 90.0, "T"), (3, 90.0, "S")],
            [],
            id="flags-other-than-N-are-ignored",
        ),
        pytest.param(
            [(0, 60.0, "N"), (1, 10.0, "C"), (2, 61.0, "N")],
            [(0, 2, None, 61.0, 2)],
            id="an-invalid-low-value-does-not-end-a-run",
        ),
        pytest.param([(0, 60.0, None)], [(0, 0, None, 60.0, 1)], id="no-flag-counts-as-N"),
        pytest.param([(0, None, "N"), (1, float("nan"), "N")], [], id="missing-values-skipped"),
    ],
)
def test_limit_runs(
    points: list[tuple[int, float | None, str | None]],
    expected: list[tuple[int, int, int | None, float, int]],
) -> None:
    runs = limits.limit_runs(series(*points), limit=50.0)
    assert [(r.started_at, r.last_at, r.ended_at, r.worst, r.count) for r in runs] == [
        (at(s), at(last), at(e) if e is not None else None, w, c) for s, last, e, w, c in expected
    ]


@pytest.mark.parametrize(
    ("flags", "run_limit", "expected"),
    [
        pytest.param("MMMMMM", 6, [], id="as-long-as-the-limit-is-not-an-event"),
        pytest.param("MMMMMMM", 6, [(0, 6, None, 7)], id="longer-than-the-limit"),
        pytest.param("DFMCDFM", 6, [(0, 6, None, 7)], id="any-of-D-F-M-C"),
        pytest.param("MMMNMMM", 3, [], id="N-breaks-the-run"),
        pytest.param("MMMMN", 3, [(0, 3, 4, 4)], id="ended-by-a-valid-flag"),
        pytest.param("MMSMM", 3, [], id="S-is-not-invalid-and-ends-the-run"),
        pytest.param("TTTTBBBB", 3, [], id="T-and-B-are-not-in-the-run-set"),
    ],
)
def test_invalid_runs(
    flags: str, run_limit: int, expected: list[tuple[int, int, int | None, int]]
) -> None:
    readings = series(*[(h, 1.0, f) for h, f in enumerate(flags)])
    runs = limits.invalid_runs(readings, run_limit=run_limit)
    assert [(r.started_at, r.last_at, r.ended_at, r.count) for r in runs] == [
        (at(s), at(last), at(e) if e is not None else None, c) for s, last, e, c in expected
    ]


def test_invalid_runs_across_gaps_count_values_not_hours() -> None:
    readings = series((0, 1.0, "M"), (3, 1.0, "M"), (9, 1.0, "D"), (20, 1.0, "F"))
    (run,) = limits.invalid_runs(readings, run_limit=3)
    assert (run.started_at, run.last_at, run.count, run.flags) == (
        at(0),
        at(20),
        4,
        ("D", "F", "M"),
    )


@pytest.mark.parametrize(
    ("unit", "avg", "zs", "expected"),
    [
        ("mg/m3", 30.0, 40.0, 40.0),  # the permit limit applies to the corrected value
        ("mg/m³", 30.0, 40.0, 40.0),
        ("mg/m3", 30.0, None, 30.0),  # no corrected value sent: the measured one
        ("mg/L", 30.0, 40.0, 30.0),  # wastewater: never corrected
        ("m3/h", 30.0, 40.0, 30.0),  # a flow is no concentration
    ],
)
def test_compared_value(unit: str, avg: float, zs: float | None, expected: float) -> None:
    assert limits.compared_value(unit=unit, avg=avg, zs_avg=zs) == expected


def test_silent_is_strictly_more_than_the_intervals() -> None:
    heard = T0
    three = T0 + dt.timedelta(minutes=3)
    assert not limits.silent_since(last_heard=heard, now=three, interval_seconds=60, intervals=3)
    assert limits.silent_since(
        last_heard=heard, now=three + dt.timedelta(seconds=1), interval_seconds=60, intervals=3
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: limits.limit_runs([], limit=-1.0),
        lambda: limits.limit_runs([], limit=float("nan")),
        lambda: limits.invalid_runs([], run_limit=0),
        lambda: limits.limit_runs(series((1, 60.0, "N"), (0, 60.0, "N")), limit=1.0),
        lambda: limits.silent_since(last_heard=T0, now=T0, interval_seconds=0, intervals=3),
    ],
    ids=["negative-limit", "nan-limit", "zero-run-limit", "unordered", "zero-interval"],
)
def test_bad_input_is_refused_with_a_reason(call: object) -> None:
    with pytest.raises(ValueError, match="must"):
        call()  # type: ignore[operator]
