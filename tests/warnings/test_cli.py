"""`jjj air forecast ...` and `jjj air warnings ...` on a database built from a slice of the real
Beijing files (through the air importer)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.cli import app
from jingjinji.config import get_settings
from jingjinji.warnings import kernels, service
from jingjinji.warnings.models import Forecast, ForecastModelRow
from tests.conftest import People

runner = CliRunner()


@pytest.fixture
def cli_db(
    db_url: str, tmp_path: Path, beijing: People, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def jjj(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["air", *args])
    return result.exit_code, result.output


def test_commands_are_mounted_under_air() -> None:
    code, out = jjj("--help")
    assert code == 0 and "forecast" in out and "warnings" in out
    code, out = jjj("forecast", "--help")
    assert code == 0 and "train" in out and "evaluate" in out
    code, out = jjj("warnings", "--help")
    assert code == 0 and "replay" in out


def test_train_stores_the_model_once(cli_db: str, session_factory: sessionmaker[Session]) -> None:
    code, out = jjj("forecast", "train", "--city", "110000", "--until", "2013-12-31")
    assert code == 0, out
    assert "hgb-quantile-v2:2013-12-31:" in out and "training_days" in out
    code, again = jjj("forecast", "train", "--city", "110000", "--until", "2013-12-31")
    assert code == 0 and "already stored" in again
    with session_factory() as s:
        rows = s.scalars(select(ForecastModelRow)).all()
        assert len(rows) == 1 and rows[0].cutoff.isoformat() == "2013-12-31"
    code, out = jjj(
        "forecast", "issue", "--city", "110000", "--from", "2014-01-01", "--to", "2014-01-05"
    )
    assert code == 0 and "15 forecast rows added" in out
    code, out = jjj(
        "forecast", "issue", "--city", "110000", "--from", "2014-01-01", "--to", "2014-01-05"
    )
    assert code == 0 and "0 forecast rows added" in out
    with session_factory() as s:
        assert len(s.scalars(select(Forecast)).all()) == 15


def test_evaluate_json_and_table(cli_db: str) -> None:
    code, out = jjj(
        "forecast",
        "evaluate",
        "--city",
        "110000",
        "--train-until",
        "2013-12-31",
        "--until",
        "2014-01-24",
        "--format",
        "json",
    )
    assert code == 0, out
    result = json.loads(out)
    assert result["issue_time"] == "15:00" and result["oracle_weather"] is False
    assert result["model_version"].startswith("hgb-quantile-v2:2013-12-31:")
    rows = result["horizons"]
    assert [r["horizon_days"] for r in rows] == [1, 2, 3]
    assert [r["horizon_days"] for r in result["baseline"]] == [1, 2, 3]
    for row in rows:
        assert {
            "horizon_days",
            "model_mae",
            "persistence_mae",
            "climatology_mae",
            "model_rmse",
            "model_hit_rate_over_200",
            "persistence_hit_rate_over_200",
            "interval_coverage_p10_p90",
            "hit_rate_gt200_q90",
            "false_alarm_ratio_gt200_q90",
        } <= set(row)
        assert row["n"] >= 20 and row["model_mae"] > 0 and row["persistence_mae"] > 0
    code, out = jjj(
        "forecast",
        "evaluate",
        "--city",
        "110000",
        "--train-until",
        "2013-12-31",
        "--until",
        "2014-01-24",
        "--format",
        "table",
    )
    assert code == 0 and "+1d" in out and "+3d" in out
    code, out = jjj(
        "forecast",
        "evaluate",
        "--city",
        "110000",
        "--train-until",
        "2013-12-31",
        "--until",
        "2014-01-24",
        "--issue-time",
        "24:00",
        "--oracle-weather",
        "--format",
        "json",
    )
    assert code == 0, out
    result = json.loads(out)
    assert result["issue_time"] == "24:00" and result["weather_input"] == "oracle"
    code, out = jjj(
        "forecast",
        "evaluate",
        "--city",
        "110000",
        "--train-until",
        "2013-12-31",
        "--until",
        "2014-01-24",
        "--issue-time",
        "15:30",
    )
    assert code != 0 and "--issue-time" in out


def test_replay_observed_csv_matches_the_engine(
    cli_db: str, session_factory: sessionmaker[Session]
) -> None:
    code, out = jjj(
        "warnings",
        "replay",
        "--city",
        "110000",
        "--from",
        "2013-03-01",
        "--to",
        "2014-01-24",
        "--criteria",
        "bth-2017",
        "--use-observed",
        "--format",
        "csv",
    )
    assert code == 0, out
    assert out.splitlines()[0] == "start,end,level,max_aqi,days_over_200,days_over_300"
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows, "the 2013 slice has heavy-pollution days"
    with session_factory() as s:
        frame = service.city_daily(s, city_code="110000")
        criteria = service.get_criteria(s, code="bth-2017")
    values = [float("nan") if v is None else float(v) for v in frame["aqi"].to_list()]
    expected = kernels.find_episodes(frame["date"].to_list(), values, criteria)
    assert [r["start"] for r in rows] == [e.start.isoformat() for e in expected]
    for r in rows:
        assert r["level"] in {"blue", "yellow", "orange", "red"}
        assert int(r["days_over_200"]) >= int(r["days_over_300"])
        assert int(r["max_aqi"]) > 200


def test_replay_defaults_to_the_criteria_in_force(
    cli_db: str, session_factory: sessionmaker[Session]
) -> None:
    """Without --criteria each episode is judged by the set Beijing had adopted on its start
    date (the 2013 slice: Beijing's 2013 plan) and the set is named per row."""
    args = ("warnings", "replay", "--city", "110000", "--from", "2013-03-01", "--to", "2014-01-24")
    code, out = jjj(*args, "--format", "csv")
    assert code == 0, out
    assert out.splitlines()[0] == "start,end,level,max_aqi,days_over_200,days_over_300,criteria"
    rows = list(csv.DictReader(io.StringIO(out)))
    with session_factory() as s:
        crit = service.get_criteria(s, code="beijing-2013")
        frame = service.city_daily(s, city_code="110000")
    assert rows and {r["criteria"] for r in rows} == {f"beijing-2013@{crit.version}"}
    values = [float("nan") if v is None else float(v) for v in frame["aqi"].to_list()]
    expected = kernels.find_episodes(frame["date"].to_list(), values, crit)
    assert [(r["start"], r["level"]) for r in rows] == [
        (e.start.isoformat(), e.level or "") for e in expected
    ]


def test_replay_with_forecasts(cli_db: str) -> None:
    code, out = jjj(
        "warnings",
        "replay",
        "--city",
        "110000",
        "--from",
        "2013-03-01",
        "--to",
        "2014-01-24",
        "--criteria",
        "bth-2019",
        "--use-forecast",
        "--format",
        "json",
    )
    assert code == 0, out
    assert "2013: no forecasts" in out  # nothing before the data's first year to train on
    assert "2014: model trained on data up to 2013-12-31" in out


def test_bad_input_is_a_clean_error(cli_db: str) -> None:
    code, out = jjj(
        "warnings", "replay", "--city", "110000", "--from", "2013-13-01", "--to", "2014-01-24"
    )
    assert code == 2 and "not a date" in out
    code, out = jjj(
        "warnings",
        "replay",
        "--city",
        "110000",
        "--from",
        "2013-03-01",
        "--to",
        "2014-01-24",
        "--criteria",
        "nope",
    )
    assert code == 1 and "no criteria set 'nope'" in out
    code, out = jjj("forecast", "train", "--city", "110000", "--until", "2013-04-01")
    assert code == 1 and "usable training days" in out


def test_load_data_and_criteria_listing(cli_db: str) -> None:
    code, out = jjj("warnings", "load-data")
    assert code == 0 and "criteria versions added: 0" in out
    code, out = jjj("warnings", "criteria")
    assert code == 0 and "bth-2017" in out and "bth-2019" in out and "beijing-local" in out
    code, out = jjj(
        "warnings",
        "adopt",
        "--jurisdiction",
        "110000",
        "--criteria",
        "beijing-local",
        "--from",
        "2020-01-01",
    )
    assert code == 0, out
    code, out = jjj("forecast", "run-daily")
    assert code == 0 and "110000" in out
