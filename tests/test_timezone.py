"""``china_today``: the platform's one "today", on China's calendar."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from jingjinji import timezone
from jingjinji.timezone import china_today

SRC = Path(timezone.__file__).parent


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (dt.datetime(2026, 12, 3, 15, 59, 59, tzinfo=dt.UTC), dt.date(2026, 12, 3)),
        (dt.datetime(2026, 12, 3, 16, 0, tzinfo=dt.UTC), dt.date(2026, 12, 4)),  # midnight CST
        (dt.datetime(2026, 12, 3, 16, 0), dt.date(2026, 12, 4)),  # naive: UTC, as stored
        (dt.datetime(2026, 12, 31, 23, 0, tzinfo=timezone.CHINA_TZ), dt.date(2026, 12, 31)),
        (
            dt.datetime(2027, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            dt.date(2027, 1, 1),
        ),
    ],
)
def test_the_day_of_a_moment_is_chinas(moment: dt.datetime, day: dt.date) -> None:
    assert china_today(moment) == day


def test_without_a_moment_it_is_today_in_china() -> None:
    before = dt.datetime.now(timezone.CHINA_TZ).date()
    assert china_today() in {before, dt.datetime.now(timezone.CHINA_TZ).date()}


def test_no_domain_keeps_its_own_today() -> None:
    """One definition: a domain's local ``today()`` drifted to the server's date once already
    (progress, 2026-12-03)."""
    own = sorted(
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path in SRC.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name in {"today", "beijing_today"}
    )
    assert own == []
