"""`jjj ports indicators`: the yearly totals computed from the events go to the progress
tracker (printed), and running it again stores nothing new."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.catalog import service as catalog
from jingjinji.cli import app
from jingjinji.config import get_settings
from jingjinji.progress import service as progress
from tests.ports.conftest import Ports
from tests.ports.test_indicators import EMPTY_RETURNS, FEEDER_TEU, GREEN_TEU, _load


@pytest.fixture
def cli_db(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def _jjj(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ports", *args], prog_name="jjj")
    return result.exit_code, result.output


def test_the_command_publishes_once(
    cli_db: str, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    _load(session_factory, ports)
    code, out = _jjj("indicators")
    assert code == 0, out
    teu = 2 * FEEDER_TEU + EMPTY_RETURNS
    assert f"bh_container_transit 2026: {teu / 1e6:g} million TEU" in out
    assert f"bh_xiongan_green_channel 2026: {GREEN_TEU} TEU" in out
    assert "2 value(s) stored, 0 revised, 0 unchanged" in out
    code, again = _jjj("indicators", "--year", "2026")
    assert code == 0 and "0 value(s) stored, 0 revised, 2 unchanged" in again
    code, rebuilt = _jjj("indicators", "--full")  # every month again: the same figures
    assert code == 0 and "0 value(s) stored, 0 revised, 2 unchanged" in rebuilt, rebuilt
    with session_factory() as session:
        [value] = progress.list_values(session, indicator="bh_xiongan_green_channel")
        assert value.value == GREEN_TEU and "DCSA container events" in value.source
        assert catalog.get_dataset(session, code="PORTS-IND-DWELL-MONTHLY").open_to_public
