"""`jjj water import FILE.csv`: a file stored whole (counts printed), or refused with every
problem by row and column (exit 1, nothing stored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.cli import app
from jingjinji.config import get_settings
from jingjinji.water.models import Ingestion, Sample
from tests.water.conftest import WaterNetwork

HEADER = "section_code,sampled_at,kind,nh3n,tp\n"


@pytest.fixture
def cli_db(
    db_url: str, tmp_path: Path, water_sections: WaterNetwork, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def _jjj(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["water", *args], prog_name="jjj")
    return result.exit_code, result.output


def _samples(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Sample)) or 0)


def test_a_file_is_imported_once(
    cli_db: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "july.csv"
    path.write_text(HEADER + "TJ-SEA-01,2025-07-01T08:00,manual,1.1,<0.02\n", encoding="utf-8")
    code, out = _jjj("import", str(path), "--source", "bulletin 2025-07")
    assert code == 0, out
    assert "2 new" in out and "1 rows" in out
    code, out = _jjj("import", str(path))
    assert code == 0 and "0 new" in out and "2 unchanged" in out
    with session_factory() as session:
        sources = session.scalars(select(Ingestion.source).order_by(Ingestion.id)).all()
        assert list(sources) == ["bulletin 2025-07", "july.csv"]
        assert session.scalars(select(Ingestion.channel)).all() == ["cli", "cli"]
    assert _samples(session_factory) == 2


def test_a_bad_file_lists_its_problems_and_stores_nothing(
    cli_db: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER + "TJ-SEA-01,2025-07-01T08:00,manual,1.1,\nNOPE,2025-07-01T08:00,manual,,0.1\n",
        encoding="utf-8",
    )
    code, out = _jjj("import", str(path))
    assert code == 1
    assert "row 3, section_code: unknown section NOPE" in out
    assert _samples(session_factory) == 0


def test_a_missing_file_is_a_clear_error(cli_db: str, tmp_path: Path) -> None:
    code, out = _jjj("import", str(tmp_path / "nothing.csv"))
    assert code == 1
    assert "is not a file" in out
