"""The Beijing multi-site importer and `jjj air daily`, on a ten-day slice of two real files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.air import importer, kernels, service
from jingjinji.air.models import Observation, ObservationRevision, StationDaily
from jingjinji.cli import app as cli_app
from jingjinji.config import get_settings
from jingjinji.errors import InvalidInput
from jingjinji.security import SYSTEM_ACTOR
from tests.air.support import SLICE_FILES, SLICE_HOURS
from tests.conftest import People


def _run(session_factory: sessionmaker[Session], directory: Path) -> importer.ImportSummary:
    with session_factory() as session:
        summary = importer.import_beijing_multisite(session, directory, actor=SYSTEM_ACTOR)
        session.commit()
    return summary


def _count(session_factory: sessionmaker[Session], model: object) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def _raw_rows(directory: Path, name: str) -> list[dict[str, str]]:
    with (directory / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_import_converts_time_and_units_and_is_idempotent(
    session_factory: sessionmaker[Session], air: People, slice_dir: Path
) -> None:
    summary = _run(session_factory, slice_dir)
    assert summary.files == 2 and summary.checksums_verified == 2
    assert summary.rows == 2 * SLICE_HOURS and summary.inserted == 2 * SLICE_HOURS
    assert summary.rejected == 0 and summary.stations == ["1003A", "1011A"]
    assert summary.daily_rows == 2 * 10
    first = _raw_rows(slice_dir, SLICE_FILES[0])[0]  # Dongsi 2013-03-01 00:00 CST
    with session_factory() as session:
        row = session.get(Observation, ("1003A", dt.datetime(2013, 2, 28, 16, tzinfo=dt.UTC)))
        assert row is not None
        assert row.pm2_5 == float(first["PM2.5"])
        assert row.co == pytest.approx(float(first["CO"]) / 1000)
        assert row.wd == first["wd"] and row.temp == float(first["TEMP"])
    again = _run(session_factory, slice_dir)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2 * SLICE_HOURS)
    assert _count(session_factory, Observation) == 2 * SLICE_HOURS
    assert _count(session_factory, ObservationRevision) == 0
    assert _count(session_factory, StationDaily) == 20


@pytest.fixture
def no_checksums(slice_dir: Path) -> Iterator[Path]:
    (slice_dir / "SHA256SUMS").unlink()
    yield slice_dir


def test_corrected_value_becomes_a_revision(
    session_factory: sessionmaker[Session], air: People, no_checksums: Path
) -> None:
    _run(session_factory, no_checksums)
    path = no_checksums / SLICE_FILES[0]
    lines = path.read_bytes().split(b"\r\n")
    fields = lines[1].split(b",")
    old = float(fields[5])
    fields[5] = b"999"
    lines[1] = b",".join(fields)
    path.write_bytes(b"\r\n".join(lines))
    summary = _run(session_factory, no_checksums)
    assert (summary.inserted, summary.updated) == (0, 1)
    with session_factory() as session:
        revision = session.scalars(select(ObservationRevision)).one()
        assert revision.station_code == "1003A" and revision.pm2_5 == old
        current = session.get(Observation, ("1003A", revision.ts))
        assert current is not None and current.pm2_5 == 999 and current.version == 2


def test_checksum_mismatch_is_refused(
    session_factory: sessionmaker[Session], air: People, slice_dir: Path
) -> None:
    path = slice_dir / SLICE_FILES[1]
    path.write_bytes(path.read_bytes().replace(b"Aotizhongxin", b"Dongsi", 1))  # tampered
    with session_factory() as session, pytest.raises(InvalidInput, match="SHA256SUMS"):
        importer.import_beijing_multisite(session, slice_dir, actor=SYSTEM_ACTOR)
    assert _count(session_factory, Observation) == 0


def test_import_reports_bad_rows_and_keeps_the_good_ones(
    session_factory: sessionmaker[Session], air: People, no_checksums: Path
) -> None:
    path = no_checksums / SLICE_FILES[0]
    lines = path.read_bytes().split(b"\r\n")
    fields = lines[3].split(b",")
    fields[5] = b"-7"
    lines[3] = b",".join(fields)
    path.write_bytes(b"\r\n".join(lines))
    summary = _run(session_factory, no_checksums)
    assert summary.rejected == 1
    # The row is the file's line (header = line 1), as in every upload report.
    assert summary.issues[0]["row"] == 4 and summary.issues[0]["column"] == "pm2_5"
    assert summary.issues[0]["file"] == SLICE_FILES[0]
    assert summary.inserted == 2 * SLICE_HOURS - 1
    with session_factory() as session, pytest.raises(InvalidInput):
        importer.import_beijing_multisite(session, no_checksums, actor=SYSTEM_ACTOR, strict=True)


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


JSON = ("--format", "json")


def test_cli_import_and_daily_on_the_slice(
    session_factory: sessionmaker[Session], air: People, slice_dir: Path, cli_env: None
) -> None:
    runner = CliRunner()
    result = runner.invoke(cli_app, ["air", "import-beijing-multisite", str(slice_dir)])
    assert result.exit_code == 0, result.output
    assert "480 rows from 2 files" in result.output
    result = runner.invoke(
        cli_app,
        [
            "air",
            "daily",
            "--city",
            "110000",
            "--from",
            "2013-03-01",
            "--to",
            "2013-03-10",
            "--format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["date"] for r in rows] == [f"2013-03-{d:02d}" for d in range(1, 11)]
    # Independently: the city PM2.5 of 2013-03-01 is the mean of the two stations' means of
    # their 24 local hours, and its AQI follows from the daily concentrations.
    station_means = []
    for name in SLICE_FILES:
        values = [
            float(r["PM2.5"])
            for r in _raw_rows(slice_dir, name)
            if r["day"] == "1" and r["PM2.5"] != "NA"
        ]
        assert len(values) >= 20
        station_means.append(sum(values) / len(values))
    # the CSV is for people: PM2.5 in whole ug/m3 (HJ 663); JSON keeps three decimals
    assert rows[0]["pm2_5"] == f"{np.mean(station_means):.0f}"
    as_json = runner.invoke(
        cli_app,
        ["air", "daily", "--city", "110000", "--from", "2013-03-01", "--to", "2013-03-01", *JSON],
    )
    first = {k: "" if v is None else str(v) for k, v in json.loads(as_json.output)[0].items()}
    assert float(first["pm2_5"]) == pytest.approx(np.mean(station_means), abs=1e-3)
    expected = kernels.compute_aqi(
        {k: [float(first[k]) if first[k] else np.nan] for k in service.DAILY_COLUMNS},
        standard="hj633-2012",
        report="daily",
    )
    assert int(first["aqi"]) == int(expected.aqi[0])
    assert first["primary_pollutants"] == expected.primary[0]
    table = runner.invoke(
        cli_app, ["air", "daily", "--city", "110000", "--from", "2013-03-01", "--to", "2013-03-03"]
    )
    assert table.exit_code == 0 and "2013-03-02" in table.output
    bad = runner.invoke(
        cli_app, ["air", "daily", "--city", "110000", "--from", "2013-03-05", "--to", "2013-03-01"]
    )
    assert bad.exit_code != 0
    bad = runner.invoke(cli_app, ["air", "daily", "--city", "999999"])
    assert bad.exit_code != 0 and "999999" in bad.output
    override = runner.invoke(
        cli_app,
        [
            "air",
            "daily",
            "--city",
            "110000",
            "--from",
            "2013-03-01",
            "--to",
            "2013-03-01",
            "--format",
            "csv",
            "--standard",
            "hj633-2026",
        ],
    )
    assert override.exit_code == 0, override.output
