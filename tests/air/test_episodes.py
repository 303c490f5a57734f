"""`jjj air daily --city 110000` reproduces the December 2015 and 2016 heavy-pollution episodes.

The full import is too slow for a test: the episode days of all 12 real station files are cut
into a slice of the same format (whole local days, so every daily value equals the full run's).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.air import importer
from jingjinji.cli import app as cli_app
from jingjinji.config import get_settings
from jingjinji.security import SYSTEM_ACTOR
from tests.air.support import SHARED
from tests.conftest import People

FIRST_HOUR = dt.datetime(2013, 3, 1)
EPISODES = [
    (dt.date(2015, 11, 30), dt.date(2015, 12, 2)),
    (dt.date(2016, 12, 19), dt.date(2016, 12, 22)),
]


def _line_range(start: dt.date, end: dt.date) -> range:
    first = int((dt.datetime.combine(start, dt.time()) - FIRST_HOUR).total_seconds() // 3600)
    return range(first, first + ((end - start).days + 1) * 24)


@pytest.fixture
def episode_dir(tmp_path: Path) -> Path:
    if SHARED is None:
        pytest.skip("the Beijing multi-site files were not found (set JJJ_SHARED_DIR)")
    target = tmp_path / "episodes"
    target.mkdir()
    wanted = [i for start, end in EPISODES for i in _line_range(start, end)]
    for path in sorted(SHARED.glob(importer.FILE_GLOB)):
        lines = path.read_bytes().split(b"\r\n")
        (target / path.name).write_bytes(
            b"\r\n".join([lines[0], *(lines[i + 1] for i in wanted)]) + b"\r\n"
        )
    return target


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_daily_city_aqi_shows_the_red_alert_episodes(
    session_factory: sessionmaker[Session], air: People, episode_dir: Path, cli_env: None
) -> None:
    with session_factory() as session:
        summary = importer.import_beijing_multisite(
            session, episode_dir, actor=SYSTEM_ACTOR, verify=False
        )
        session.commit()
    assert summary.rows == 12 * 7 * 24 and summary.rejected == 0
    runner = CliRunner()
    result = runner.invoke(
        cli_app,
        [
            "air",
            "daily",
            "--city",
            "110000",
            "--from",
            "2015-11-30",
            "--to",
            "2016-12-31",
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {r["date"]: r for r in csv.DictReader(io.StringIO(result.output))}
    aqi = {day: int(r["aqi"]) for day, r in rows.items()}
    # Severe pollution (AQI > 300, level VI) with PM2.5 as the primary pollutant.
    for day in ("2015-11-30", "2015-12-01", "2016-12-20", "2016-12-21"):
        assert aqi[day] > 300 and rows[day]["level"] == "6", day
        assert rows[day]["primary_pollutants"] == "pm2_5"
    assert aqi["2015-12-01"] == 482 and aqi["2016-12-20"] == 411 and aqi["2016-12-21"] == 430
    # Heavy pollution on the days before, and the clean-up after the cold front of 12-02.
    assert aqi["2016-12-19"] > 200
    assert aqi["2015-12-02"] <= 50
    table = runner.invoke(
        cli_app, ["air", "daily", "--city", "110000", "--from", "2016-12-19", "--to", "2016-12-22"]
    )
    assert table.exit_code == 0 and "Severely polluted" in table.output
