"""The port indicator kernel: transits, green channel and dwell on small event tables whose
answers are worked out by hand (TEU: 22G1 = 1, 45G1 = 2, L5G1 = 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from jingjinji.ports.kernels import indicators as k

PORTS = {"CNTXG": "120000", "CNTSN": "120000", "CNCFD": "130000", "CNHHA": "130000"}
T0 = dt.datetime(2026, 9, 1, 0, 0)  # UTC: 08:00 China time


def ev(
    pk: int, box: str, code: str, hours: float, loc: str, *, iso: str | None = "45G1",
    empty: str | None = "LADEN", cls: str = "ACT", supersedes: int | None = None,
) -> tuple[Any, ...]:  # fmt: skip
    return (pk, box, code, cls, T0 + dt.timedelta(hours=hours), loc, empty, iso, supersedes)


def frame(*rows: tuple[Any, ...]) -> pl.DataFrame:
    if not rows:
        return k.empty_events()
    return pl.DataFrame(list(rows), schema=list(k.COLUMNS.items()), orient="row")


FEEDER = (
    ev(1, "A", "DISC", 0, "CNTXG"),
    ev(2, "A", "LOAD", 48, "CNTXG"),
    ev(3, "A", "DISC", 60, "CNCFD"),
    ev(4, "A", "GTOT", 100, "CNCFD"),
)


def _transits(events: pl.DataFrame) -> list[tuple[Any, ...]]:
    return list(k.transits(events, port_provinces=PORTS).iter_rows())


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param((), [], id="no events"),
        pytest.param(FEEDER[:2], [], id="seen at one port only"),
        pytest.param(FEEDER, [("2026-09", "CNTXG", "CNCFD", 1, 2.0, 2.0, 0)], id="feeder chain"),
        pytest.param(
            (ev(1, "B", "GTOT", 0, "CNCFD", iso="22G1", empty="EMPTY"),
             ev(2, "B", "GTIN", 5, "CNTXG", iso="22G1", empty="EMPTY")),
            [("2026-09", "CNCFD", "CNTXG", 1, 1.0, 0.0, 0)],
            id="empty by truck counts in teu, not in laden_teu",
        ),
        pytest.param(
            (ev(1, "C", "LOAD", 0, "CNTXG"), ev(2, "C", "DISC", 9, "CNTSN")),
            [], id="within one province is no transit",
        ),
        pytest.param(
            (ev(1, "D", "DISC", 0, "CNTXG"), ev(2, "D", "DISC", 9, "CNHHA")),
            [], id="departure missing",
        ),
        pytest.param(
            (ev(1, "E", "LOAD", 0, "CNTXG", cls="PLN"), ev(2, "E", "DISC", 9, "CNHHA", cls="EST")),
            [], id="plans and estimates do not count",
        ),
        pytest.param(
            (ev(1, "F", "LOAD", 0, "CNTXG"), ev(2, "F", "DISC", 9, "CNHHA"),
             ev(3, "F", "DISC", 9, "CNCFD", supersedes=2)),
            [("2026-09", "CNTXG", "CNCFD", 1, 2.0, 2.0, 0)],
            id="a correction supersedes the wrong port",
        ),
        pytest.param(
            (ev(1, "G", "LOAD", 0, "CNTXG", iso="L5G1"), ev(2, "G", "DISC", 9, "CNHHA", iso="L5G1"),
             ev(3, "H", "LOAD", 0, "CNTXG", iso=None), ev(4, "H", "DISC", 9, "CNHHA", iso=None),
             ev(5, "J", "LOAD", 0, "CNTXG", iso="22G1"),
             ev(6, "J", "DISC", 9, "CNHHA", iso="22G1")),
            [("2026-09", "CNTXG", "CNHHA", 3, 3.0, 3.0, 1)],
            id="45 ft is 2 TEU, no size code adds none",
        ),
        pytest.param(
            (ev(1, "K", "LOAD", 700, "CNTXG"), ev(2, "K", "DISC", 711.5, "CNHHA")),
            [("2026-09", "CNTXG", "CNHHA", 1, 2.0, 2.0, 0)],
            id="arrival 30 Sep 15:30 UTC is 23:30 in China: September",
        ),
        pytest.param(
            (ev(1, "M", "LOAD", 712, "CNTXG"), ev(2, "M", "DISC", 712, "CNHHA")),
            [("2026-10", "CNTXG", "CNHHA", 1, 2.0, 2.0, 0)],
            id="arrival 30 Sep 16:00 UTC is 1 Oct 00:00 in China: October",
        ),
    ],
)  # fmt: skip
def test_transits(rows: tuple[tuple[Any, ...], ...], expected: list[tuple[Any, ...]]) -> None:
    assert _transits(frame(*rows)) == expected


def test_transit_events_out_of_order_in_the_table_are_taken_by_time() -> None:
    shuffled = frame(FEEDER[2], FEEDER[0], FEEDER[3], FEEDER[1])
    assert _transits(shuffled) == [("2026-09", "CNTXG", "CNCFD", 1, 2.0, 2.0, 0)]


def test_aware_event_times_are_read_as_utc() -> None:
    aware = frame(*FEEDER).with_columns(pl.col("event_at").dt.replace_time_zone("UTC"))
    assert _transits(aware) == _transits(frame(*FEEDER))


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param((), [], id="no events"),
        pytest.param(
            (ev(1, "A", "GTOT", 0, "CNTXG", iso="22G1"), ev(2, "A", "GTIN", 7, "CNXAN", iso="22G1"),
             ev(3, "B", "GTIN", 8, "CNXAN", empty="EMPTY"), ev(4, "C", "GTOT", 9, "CNXAN")),
            [("2026-09", 2, 3.0, 1.0, 0)],
            id="arrivals only; empty counts in teu",
        ),
        pytest.param(
            (ev(1, "A", "GTIN", 7, "CNXAN"), ev(2, "A", "GTIN", 9, "CNXAN", supersedes=1)),
            [("2026-09", 1, 2.0, 2.0, 0)], id="a corrected arrival counts once",
        ),
    ],
)  # fmt: skip
def test_green_channel(rows: tuple[tuple[Any, ...], ...], expected: list[tuple[Any, ...]]) -> None:
    assert list(k.green_channel(frame(*rows), location="CNXAN").iter_rows()) == expected


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param((), [], id="no events"),
        pytest.param(FEEDER, [("2026-09", "CNCFD", 1, 40.0, 40.0, 40.0),
                              ("2026-09", "CNTXG", 1, 48.0, 48.0, 48.0)], id="two stays"),
        pytest.param(FEEDER[:1], [], id="still there: not averaged"),
        pytest.param((ev(1, "A", "LOAD", 3, "CNTXG"),), [], id="departure without arrival"),
        pytest.param(
            (ev(1, "A", "DISC", 0, "CNTXG"), ev(2, "A", "GTIN", 5, "CNTXG"),
             ev(3, "A", "GTOT", 10, "CNTXG"), ev(4, "A", "LOAD", 20, "CNTXG"),
             ev(5, "B", "GTIN", 0, "CNTXG"), ev(6, "B", "LOAD", 30, "CNTXG")),
            [("2026-09", "CNTXG", 2, 20.0, 20.0, 30.0)],
            id="first arrival to first departure",
        ),
        pytest.param(
            (ev(1, "A", "DISC", 0, "CNTXG"), ev(2, "A", "LOAD", 10, "CNTXG"),
             ev(3, "A", "LOAD", 30, "CNTXG", supersedes=2)),
            [("2026-09", "CNTXG", 1, 30.0, 30.0, 30.0)], id="a corrected departure time",
        ),
    ],
)  # fmt: skip
def test_dwell(rows: tuple[tuple[Any, ...], ...], expected: list[tuple[Any, ...]]) -> None:
    assert list(k.dwell(frame(*rows)).iter_rows()) == expected


@pytest.mark.parametrize(("code", "teu"), [("22G1", 1.0), ("45G1", 2.0), ("42R1", 2.0),
                                           ("L5G1", 2.0), ("l5g1", 2.0), ("12G1", None),
                                           ("", None), (None, None)])  # fmt: skip
def test_teu_from_the_length_code(code: str | None, teu: float | None) -> None:
    got = pl.select(k.teu(pl.lit(code, dtype=pl.String))).item()
    assert got == teu


def test_a_frame_without_the_columns_is_refused_naming_them() -> None:
    with pytest.raises(ValueError, match=r"lacks the column.*supersedes"):
        k.moves(frame(*FEEDER).drop("supersedes"))
