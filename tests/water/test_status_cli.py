"""`jjj water status`: the status table as JSON, CSV or a table; bad input a clean error."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from jingjinji.cli import app
from jingjinji.config import get_settings
from jingjinji.progress import service as progress
from jingjinji.water.flows.indicators import INDICATORS, source_text
from jingjinji.water.service import samples
from tests.conftest import People
from tests.water.conftest import WaterNetwork, china_time, samples_of

runner = CliRunner()


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def test_status_command(
    cli_db: str, water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    rows = samples_of(water_sections.bj_he, china_time(2026, 2, 8, 9), {"nh3n": 1.9})
    samples.record_samples(water_session, actor=people["office"], rows=rows, channel="api")
    water_session.commit()
    answer = runner.invoke(
        app, ["water", "status", "--year", "2026", "--by", "jurisdiction", "--format", "json"]
    )
    assert answer.exit_code == 0, answer.output
    listed = {r["key"]: r for r in json.loads(answer.stdout)}
    assert listed["110000"]["status"] == "moderately_polluted"
    assert listed["110000"]["main_pollutants"] == "nh3n"
    csv = runner.invoke(
        app, ["water", "status", "--year", "2026", "--month", "3", "--format", "csv"]
    )
    assert csv.exit_code == 0 and csv.stdout.splitlines()[0].startswith("key,name_en,n_sections")
    assert ",none," in csv.stdout
    bad = runner.invoke(app, ["water", "status", "--year", "2026", "--by", "colour"])
    assert bad.exit_code == 1 and "--by" in bad.output
    month = runner.invoke(app, ["water", "status", "--year", "2026", "--month", "13"])
    assert month.exit_code == 2


def test_publish_indicators_command(
    cli_db: str, water_session: Session, water_sections: WaterNetwork, people: People
) -> None:
    rows = samples_of(water_sections.bj_he, china_time(2026, 2, 8, 9), {"nh3n": 1.9})
    samples.record_samples(water_session, actor=people["office"], rows=rows, channel="api")
    water_session.commit()
    first = runner.invoke(app, ["water", "publish-indicators", "--year", "2026"])
    assert first.exit_code == 0, first.output
    assert "2026:" in first.output and "0 value(s) stored" not in first.output
    water_session.expire_all()
    stored = [
        v
        for code in INDICATORS
        for v in progress.list_values(
            water_session, indicator=code, period_from="2026", period_to="2026"
        )
    ]
    assert stored and all(v.source == source_text(2026) for v in stored)
    again = runner.invoke(app, ["water", "publish-indicators", "--year", "2026"])
    assert again.exit_code == 0 and "0 value(s) stored, 0 revised" in again.output
