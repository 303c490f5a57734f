"""Monitoring indicators (online rate, transmission effectiveness, exceedances by kind) per
region, province and city for a China-time day or month, their catalog datasets and their
publication in the progress tracker, on both backends.

The day 2026-03-01 (China time), loggers registered on 1 January unless said:

- HE-A-W-001 (60 s): 720 real-time packets, one every 2 minutes, the first ten flagged D;
- HE-A-G-001 (60 s), registered at 12:00 that day: nothing (expected 720 packets);
- BJ-A-W-001 (600 s): 288 packets, one every 5 minutes, twice its interval: capped at 144;
- TJ-A-G-001 (60 s): one hourly packet only (online, no valid real-time packet).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.errors import InvalidInput
from jingjinji.sources import flows
from jingjinji.sources.models import DataCommand, Logger
from jingjinji.sources.service import indicators
from tests.conftest import People
from tests.sources.conftest import Registry
from tests.sources.pages_support import china, every, open_exceedance, register_early, store

NOW = china(2026, 3, 2, 12)
DAY = indicators.parse_period("day", "2026-03-01")


def build_day(session: Session, registry: Registry) -> None:
    log = registry.loggers
    register_early(session)
    session.execute(
        update(Logger)
        .where(Logger.id == log["HE-A-G-001"])
        .values(registered_at=china(2026, 3, 1, 12))
    )
    session.execute(
        update(Logger).where(Logger.id == log["BJ-A-W-001"]).values(realtime_interval_seconds=600)
    )
    store(
        session,
        logger_id=log["HE-A-W-001"],
        cn=DataCommand.REALTIME,
        times=every(china(2026, 3, 1), dt.timedelta(minutes=2), 720),
        values={"w01018": 20.0},
        flags=dict.fromkeys(range(10), "D"),
    )
    store(
        session,
        logger_id=log["BJ-A-W-001"],
        cn=DataCommand.REALTIME,
        times=every(china(2026, 3, 1), dt.timedelta(minutes=5), 288),
        values={"w01018": 10.0},
    )
    store(
        session,
        logger_id=log["TJ-A-G-001"],
        cn=DataCommand.HOURLY,
        times=[china(2026, 3, 1, 8)],
        values={"a21026": 5.0},
    )
    open_exceedance(session, logger_id=log["HE-A-W-001"], started_at=china(2026, 3, 1, 10))
    open_exceedance(
        session,
        logger_id=log["HE-A-G-001"],
        kind="silent",
        factor="",
        started_at=china(2026, 3, 1, 13),
        status="closed",
    )
    open_exceedance(session, logger_id=log["HE-A-W-001"], started_at=china(2026, 2, 28, 23))
    session.commit()


def _by_code(rows: list[indicators.IndicatorRow]) -> dict[str, indicators.IndicatorRow]:
    return {r.code: r for r in rows}


def test_parse_period() -> None:
    month = indicators.parse_period("month", "2026-02")
    assert month.start == china(2026, 2, 1) and month.end == china(2026, 3, 1)
    december = indicators.parse_period("month", "2025-12")
    assert december.end == china(2026, 1, 1)
    assert DAY.start == dt.datetime(2026, 2, 28, 16, tzinfo=dt.UTC)
    for kind, text, loc in [
        ("week", "2026-03", "kind"),
        ("day", "2026-03", "period"),
        ("month", "2026-13", "period"),
        ("day", "2026-02-30", "period"),
        ("month", "0", "period"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            indicators.parse_period(kind, text)
        assert refused.value.errors[0]["loc"] == ["query", loc], (kind, text)


def test_day_indicators(session_factory: sessionmaker[Session], registry: Registry) -> None:
    with session_factory() as session:
        build_day(session, registry)
        rows = indicators.compute(session, period=DAY, now=NOW)
    assert [(r.level, r.code) for r in rows][1:] == [
        ("province", "110000"),
        ("province", "120000"),
        ("province", "130000"),
        ("city", "130100"),
    ]
    region, by = rows[0], _by_code(rows)
    assert region.level == "region"
    assert (region.loggers, region.online) == (4, 3)
    assert region.online_rate == 0.75
    assert (region.expected, region.valid) == (1440 + 720 + 144 + 1440, 710 + 144)
    hebei = by["130000"]
    assert (hebei.loggers, hebei.online, hebei.expected, hebei.valid) == (2, 1, 2160, 710)
    assert hebei.effectiveness == pytest.approx(710 / 2160)
    assert by["130100"].valid == 710
    assert by["110000"].effectiveness == 1.0  # 288 sent, 144 expected: capped
    assert (by["120000"].online, by["120000"].effectiveness) == (1, 0.0)
    assert hebei.exceedances == {
        "hourly_limit": 1,
        "daily_limit": 0,
        "silent": 1,
        "invalid_flags": 0,
    }
    assert region.exceedance_total == 2 and by["110000"].exceedance_total == 0


def test_month_runs_to_now_and_later_registrations_do_not_count(
    session_factory: sessionmaker[Session], registry: Registry
) -> None:
    with session_factory() as session:
        build_day(session, registry)
        march = _by_code(
            indicators.compute(session, period=indicators.parse_period("month", "2026-03"), now=NOW)
        )
        february = _by_code(
            indicators.compute(
                session, period=indicators.parse_period("day", "2026-02-28"), now=NOW
            )
        )
        assert indicators.latest_period(session, "day").text == "2026-03-01"
        assert indicators.latest_period(session, "month").text == "2026-03"
    # 1 March 00:00 to 2 March 12:00: 36 hours of 60 s intervals for the Tianjin logger.
    assert march["120000"].expected == 36 * 60
    assert february["130000"].loggers == 1  # HE-A-G-001 registered on 1 March
    assert february["130000"].exceedances["hourly_limit"] == 1


def test_catalog_datasets(
    session_factory: sessionmaker[Session], registry: Registry, people: People
) -> None:
    with session_factory() as session:
        build_day(session, registry)
        codes = flows.register_datasets(session, actor=people["office"])
        assert flows.register_datasets(session, actor=people["office"]) == codes
        session.commit()
        assert sorted(codes) == sorted(
            f"SOURCES-{p}-{k}"
            for p in ("110000", "120000", "130000")
            for k in ("INDICATORS-DAILY", "INDICATORS-MONTHLY", "MONITORING")
        )
        first, cursor = flows.read_records(
            session,
            dataset_code="SOURCES-130000-INDICATORS-DAILY",
            filters={},
            cursor=None,
            limit=1,
        )
        rest, end = flows.read_records(
            session,
            dataset_code="SOURCES-130000-INDICATORS-DAILY",
            filters={},
            cursor=cursor,
            limit=3,
        )
        only, _ = flows.read_records(
            session,
            dataset_code="SOURCES-130000-INDICATORS-MONTHLY",
            filters={"period": "2026-03", "jurisdiction_code": "130100"},
            cursor=None,
            limit=10,
        )
    keys = [(r["period"], r["jurisdiction_code"]) for r in first + rest]
    # Days with stored packets only (the event of 28 February has none), a page at a time.
    assert keys == [("2026-03-01", "130000"), ("2026-03-01", "130100")]
    assert cursor is not None and end is None
    day = first[0]
    assert day["valid_packets"] == 710 and day["exceedances_silent"] == 1
    assert day["transmission_effectiveness"] == round(710 / 2160, 4)
    assert [(r["period"], r["jurisdiction_code"], r["level"]) for r in only] == [
        ("2026-03", "130100", "city")
    ]


def test_publish_indicators_corrects_a_changed_figure(
    session_factory: sessionmaker[Session], registry: Registry, people: People
) -> None:
    office = people["office"]
    with session_factory() as session:
        build_day(session, registry)
        first = flows.publish_indicators(session, actor=office, month="2026-03")
        session.commit()
        assert sorted(first.created) == sorted(flows.INDICATORS)
        # The region and three provinces, three indicators each.
        assert (first.stored, first.revised, first.unchanged) == (12, 0, 0)
        again = flows.publish_indicators(session, actor=office, month="2026-03")
        assert (again.created, again.stored, again.revised, again.unchanged) == ([], 0, 0, 12)
        # A late exceedance in Beijing changes Beijing's and the region's event counts.
        open_exceedance(
            session, logger_id=registry.loggers["BJ-A-W-001"], started_at=china(2026, 3, 20)
        )
        session.commit()
        corrected = flows.publish_indicators(session, actor=office, month="2026-03")
        session.commit()
        assert (corrected.stored, corrected.revised, corrected.unchanged) == (0, 2, 10)
        with pytest.raises(InvalidInput) as refused:
            flows.publish_indicators(session, actor=office, month="March")
        assert refused.value.errors[0]["loc"] == ["query", "month"]


def test_publish_indicators_command(
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    session_factory: sessionmaker[Session],
    registry: Registry,
    people: People,
) -> None:
    from typer.testing import CliRunner

    from jingjinji.cli import app
    from jingjinji.config import get_settings

    with session_factory() as session:
        build_day(session, registry)
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        first = runner.invoke(app, ["sources", "publish-indicators", "--month", "2026-03"])
        assert first.exit_code == 0, first.output
        assert "2026-03: 12 value(s) stored, 0 revised" in first.output
        again = runner.invoke(app, ["sources", "publish-indicators", "--month", "2026-03"])
        assert "0 value(s) stored, 0 revised, 12 unchanged" in again.output
        bad = runner.invoke(app, ["sources", "publish-indicators", "--month", "March"])
        assert bad.exit_code != 0 and "'March' is not a month" in bad.output
    finally:
        get_settings.cache_clear()
    with session_factory() as session:  # the command registered the datasets
        from jingjinji.catalog import service as catalog

        assert catalog.get_dataset(session, code="SOURCES-130000-INDICATORS-DAILY").open_to_public
