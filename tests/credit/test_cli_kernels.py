"""`jjj credit uscc` and `jjj credit deadline`: no database, the kernels through the CLI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingjinji.cli import app
from jingjinji.config import get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("JJJ_SECRET_KEY", "test")
    for name in ("JJJ_HOLIDAYS", "JJJ_WORKDAYS", "JJJ_CREDIT_PUBLICATION_WORKING_DAYS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()  # no settings of this test's environment for the next test


def test_valid_codes_exit_zero_with_the_decoding() -> None:
    result = runner.invoke(
        app, ["credit", "uscc", "91110000600037341L", "12100000470095016Q", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["code"] for r in rows] == ["91110000600037341L", "12100000470095016Q"]
    assert rows[0]["valid"] == "yes" and rows[0]["reason"] == ""
    assert rows[0]["authority_name"] == "market regulation"
    assert rows[0]["category_name"] == "enterprise"
    assert rows[0]["province_code"] == "110000" and rows[0]["subject_kind"] == "legal_person"
    assert rows[1]["category_name"] == "public institution"


def test_any_invalid_code_exits_one_with_each_reason() -> None:
    codes = [
        "91110000600037341L",
        "53440300MJL0167883",
        "91110000600037341A",
        "9111I000600037341L",
        "9111000060003734",
        "91140106713678575d",
    ]
    result = runner.invoke(app, ["credit", "uscc", *codes, "--format", "json"])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert [(r["valid"], r["reason_code"], r["position"], r["expected"]) for r in out] == [
        (True, None, None, None),
        (False, "organisation_check", 17, "X"),
        (False, "check", 18, "L"),
        (False, "character", 5, None),
        (False, "length", None, None),
        (False, "character", 18, "D"),
    ]
    assert out[2]["reason"] == "wrong check character at position 18: 'A', expected 'L'"
    assert out[1]["authority_name"] == "civil affairs" and out[1]["province_name"] == "Guangdong"


def test_table_has_one_line_per_code() -> None:
    result = runner.invoke(app, ["credit", "uscc", "91110000600037341L", "52110101MJ0018899X"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    valid = next(line for line in lines if "91110000600037341L" in line)
    assert "valid" in valid and "9 market regulation" in valid and "110000 Beijing" in valid
    invalid = next(line for line in lines if "52110101MJ0018899X" in line)
    assert "wrong organisation-code check character at position 17: '9', expected '1'" in invalid
    assert "52 private non-enterprise unit" in invalid


def test_deadline_across_an_adjusted_working_sunday() -> None:
    result = runner.invoke(app, ["credit", "deadline", "--decided", "2025-09-28"])
    assert result.exit_code == 0, result.output
    assert "deadline: 2025-10-14 Tuesday (7 working days after the decision)" in result.stdout
    assert "2025-09-28 Sunday (adjusted working day" in result.stdout
    assert "2025-10-11 Saturday  adjusted working day" in result.stdout
    assert "2025-10-01 Wednesday  public holiday" in result.stdout
    assert "outside the official calendar" not in result.stdout


def test_deadline_json_spring_festival() -> None:
    result = runner.invoke(app, ["credit", "deadline", "--decided", "2026-02-12", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["deadline"] == "2026-02-28" and out["working_days"] == 7
    assert [d["date"] for d in out["adjusted_working_days"]] == ["2026-02-14", "2026-02-28"]
    assert [d["date"] for d in out["skipped"]] == [f"2026-02-{d}" for d in range(15, 24)]
    assert {d["kind"] for d in out["skipped"]} == {"holiday"}
    assert out["outside_official_data"] == []


def test_deadline_working_days_option_and_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(
        app, ["credit", "deadline", "--decided", "2026-11-23", "--working-days", "1", "--json"]
    )
    assert json.loads(result.stdout)["deadline"] == "2026-11-24"
    monkeypatch.setenv("JJJ_CREDIT_PUBLICATION_WORKING_DAYS", "10")
    monkeypatch.setenv("JJJ_HOLIDAYS", "2026-11-25")
    get_settings.cache_clear()
    result = runner.invoke(app, ["credit", "deadline", "--decided", "2026-11-23", "--json"])
    out = json.loads(result.stdout)
    # 10 working days with Wednesday 25 November configured as a holiday.
    assert out["working_days"] == 10 and out["deadline"] == "2026-12-08"
    assert {"date": "2026-11-25", "kind": "extra_holiday"} in out["skipped"]


def test_deadline_outside_the_official_data_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JJJ_WORKDAYS", "2027-01-02")
    get_settings.cache_clear()
    result = runner.invoke(
        app, ["credit", "deadline", "--decided", "2026-12-28", "--working-days", "6"]
    )
    assert result.exit_code == 0, result.output
    # Tue 29, Wed 30, Thu 31 December 2026, then Fri 1 January 2027 (New Year's Day, but the
    # package has no 2027 data, so it counts), Sat 2 January (configured), Mon 4.
    assert "deadline: 2027-01-04 Monday" in result.stdout
    assert "2027-01-02 Saturday  configured working day (JJJ_WORKDAYS)" in result.stdout
    assert "2027-01-03 Sunday  weekend (no official data)" in result.stdout
    assert "warning: 2027 is outside the official calendar data (2004-2026)" in result.stdout


def test_deadline_refuses_a_bad_date() -> None:
    result = runner.invoke(app, ["credit", "deadline", "--decided", "2026-02-30"])
    assert result.exit_code == 2
    assert "2026-02-30" in result.output and "--decided" in result.output


def test_deadline_names_a_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JJJ_WORKDAYS", "2026-13-01")
    get_settings.cache_clear()
    result = runner.invoke(app, ["credit", "deadline", "--decided", "2026-11-23"])
    assert result.exit_code == 1
    assert "2026-13-01" in result.output
