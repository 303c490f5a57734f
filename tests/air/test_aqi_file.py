"""`jjj air aqi FILE`: CSV in, CSV out with IAQIs, AQI, level, category, primary pollutants."""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from jingjinji.air import aqi_file
from jingjinji.cli import app

runner = CliRunner()


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["air", "aqi", *args])
    return result.exit_code, result.output


def flat(message: str) -> str:
    """An error message without the frame and line wrapping of the terminal panel."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", message).split())


def read(text: str) -> pl.DataFrame:
    return pl.read_csv(io.StringIO(text), infer_schema=False)


DAILY = (
    "Station,Note,PM2.5,pm10,SO2,NO2,co,O3_8H,When\n"
    "A,x,60,40,5,20,0.8,90,2026-01-05\n"
    'B,"a, quoted",,40,5,20,0.8,90,2026-03-05\n'
    "007,,200,300,10,50,1.15,850,2026-03-05\n"
)


def test_daily_2026_passes_columns_through_and_appends_results(tmp_path: Path) -> None:
    code, out = invoke(str(write(tmp_path, DAILY)))
    assert code == 0, out
    frame = read(out)
    assert frame.columns == [
        "Station",
        "Note",
        "PM2.5",
        "pm10",
        "SO2",
        "NO2",
        "co",
        "O3_8H",
        "When",
        "iaqi_pm2_5",
        "iaqi_pm10",
        "iaqi_so2",
        "iaqi_no2",
        "iaqi_co",
        "iaqi_o3_8h",
        "aqi",
        "level",
        "category",
        "primary_pollutants",
    ]
    # pass-through cells unchanged, text kept as text
    assert frame["Station"].to_list() == ["A", "B", "007"]
    assert frame["Note"].to_list() == ["x", "a, quoted", None]
    assert frame["co"].to_list() == ["0.8", "0.8", "1.15"]
    # row A: PM2.5 60 -> 100 (2026 breakpoint); NO2 20 -> 25; CO 0.8 -> 20; O3 8h 90 -> 45
    a = frame.row(0, named=True)
    assert (a["iaqi_pm2_5"], a["iaqi_no2"], a["iaqi_co"], a["iaqi_o3_8h"]) == (
        "100",
        "25",
        "20",
        "45",
    )
    assert (a["aqi"], a["level"], a["category"], a["primary_pollutants"]) == (
        "100",
        "2",
        "Good",
        "pm2_5",
    )
    # row B: PM2.5 empty -> empty IAQI; others <= 100 -> AQI not published (2026 rule)
    b = frame.row(1, named=True)
    assert b["iaqi_pm2_5"] is None and b["iaqi_pm10"] == "40"
    assert (b["aqi"], b["level"], b["category"], b["primary_pollutants"]) == (None,) * 4
    # row 007: O3 8h 850 -> 300 (2026); CO 1.15 rounds half up to 1.2 -> 30
    c = frame.row(2, named=True)
    assert (c["iaqi_o3_8h"], c["iaqi_co"], c["aqi"], c["level"]) == ("300", "30", "300", "5")
    assert (c["category"], c["primary_pollutants"]) == ("Heavily polluted", "o3_8h")


def test_daily_2012(tmp_path: Path) -> None:
    code, out = invoke(str(write(tmp_path, DAILY)), "--standard", "hj633-2012")
    assert code == 0, out
    frame = read(out)
    # 2012: PM2.5 60 -> 82; missing PM2.5 -> AQI over the others (45); O3 8h 850 without
    # O3 1h -> not computable; CO 1.15 -> 28.75 -> 29
    assert frame["iaqi_pm2_5"].to_list() == ["82", None, "250"]
    assert frame["aqi"].to_list() == ["82", "45", "250"]
    assert frame["level"].to_list() == ["2", "1", "5"]
    assert frame["category"].to_list() == ["Good", "Excellent", "Heavily polluted"]
    assert frame["primary_pollutants"].to_list() == ["pm2_5", None, "pm2_5"]
    assert frame["iaqi_o3_8h"].to_list() == ["45", "45", None]
    assert frame["iaqi_co"].to_list() == ["20", "20", "29"]


def test_headers_any_case_order_and_aliases(tmp_path: Path) -> None:
    text = "o3-8h,Co,No2,so2,PM10,pm25,id\n50,0.5,10,5,30,30,1\n"
    code, out = invoke(str(write(tmp_path, text)), "--standard", "hj633-2012")
    assert code == 0, out
    frame = read(out)
    assert frame.columns[:7] == ["o3-8h", "Co", "No2", "so2", "PM10", "pm25", "id"]
    assert frame.columns[7:13] == [
        "iaqi_o3_8h",
        "iaqi_co",
        "iaqi_no2",
        "iaqi_so2",
        "iaqi_pm10",
        "iaqi_pm2_5",
    ]
    # PM2.5 30 -> 50/35*30 = 42.9 -> 43 is the maximum
    assert frame["aqi"].to_list() == ["43"] and frame["primary_pollutants"].to_list() == [None]


def test_hourly_2012_uses_24h_pm_and_so2_rule(tmp_path: Path) -> None:
    text = "pm2_5,pm2_5_24h,so2,so2_24h,o3_1h\n300,60,850,200,10\n"
    code, out = invoke(str(write(tmp_path, text)), "--standard", "hj633-2012", "--report", "hourly")
    assert code == 0, out
    frame = read(out)
    # 1h PM2.5 has no IAQI in 2012 (passes through); PM2.5 24h 60 -> 82; SO2 1h 850 -> the
    # SO2 24h IAQI: 100 + 50/325 * 50 = 107.7 -> 108
    assert "iaqi_pm2_5" not in frame.columns and "iaqi_so2_24h" not in frame.columns
    assert frame["iaqi_pm2_5_24h"].to_list() == ["82"]
    assert frame["iaqi_so2"].to_list() == ["108"]
    assert frame["aqi"].to_list() == ["108"]
    assert frame["primary_pollutants"].to_list() == ["so2"]


def test_hourly_2026(tmp_path: Path) -> None:
    text = "pm2_5,pm10,so2,no2,co,o3_1h\n60.4,10,900,10,1,10\n"
    code, out = invoke(str(write(tmp_path, text)), "--report", "hourly")
    assert code == 0, out
    frame = read(out)
    assert frame["iaqi_pm2_5"].to_list() == ["101"]  # hourly values are not rounded
    assert frame["iaqi_so2"].to_list() == ["200"]
    assert frame["aqi"].to_list() == ["200"] and frame["level"].to_list() == ["4"]


def test_auto_standard_by_date(tmp_path: Path) -> None:
    text = (
        "date,pm2_5,pm10,so2,no2,co,o3_8h\n2026-02-28,60,1,1,1,0.1,1\n2026-03-01,60,1,1,1,0.1,1\n"
    )
    code, out = invoke(str(write(tmp_path, text)), "--standard", "auto")
    assert code == 0, out
    assert read(out)["aqi"].to_list() == ["82", "100"]


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code, out = invoke(str(write(tmp_path, DAILY)), "-o", str(target))
    assert code == 0, out
    assert out == ""
    assert pl.read_csv(target, infer_schema=False)["aqi"].to_list() == ["100", None, "300"]


def test_header_only(tmp_path: Path) -> None:
    code, out = invoke(str(write(tmp_path, "pm2_5,site\n")))
    assert code == 0, out
    assert out.splitlines()[0] == "pm2_5,site,iaqi_pm2_5,aqi,level,category,primary_pollutants"
    assert len(out.splitlines()) == 1


def test_whitespace_cells_are_empty(tmp_path: Path) -> None:
    code, out = invoke(
        str(write(tmp_path, "pm2_5,pm10\n  ,250\n 80 ,\n")), "--standard", "hj633-2012"
    )
    assert code == 0, out
    frame = read(out)
    assert frame["iaqi_pm2_5"].to_list() == [None, "107"]
    assert frame["aqi"].to_list() == ["150", "107"]


@pytest.mark.parametrize(
    ("cell", "shown"),
    [("abc", "'abc'"), ("-5", "'-5'"), ("nan", "'nan'"), ("1,5", None), ("12mg", "'12mg'")],
)
def test_non_numeric_cell_is_a_clear_error(tmp_path: Path, cell: str, shown: str | None) -> None:
    text = f'site,PM10,pm2_5\nA,10,20\nB,30,"{cell}"\n'
    code, out = invoke(str(write(tmp_path, text)))
    assert code == 2
    assert "Traceback" not in out
    assert "line 3, column 'pm2_5'" in flat(out) and "data row" not in flat(out)
    if shown:
        assert shown in flat(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--standard", "hj633-2099"], "unknown standard 'hj633-2099'"),
        (["--report", "weekly"], "unknown report 'weekly'"),
    ],
)
def test_unknown_choices(tmp_path: Path, args: list[str], message: str) -> None:
    code, out = invoke(str(write(tmp_path, DAILY)), *args)
    assert code == 2 and "Traceback" not in out
    assert message in flat(out)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("site,city\nA,B\n", "no pollutant column"),
        ("pm2_5,aqi\n1,2\n", "output column 'aqi'"),
        ("pm2_5,PM2.5\n1,2\n", "both give pm2_5"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, message: str) -> None:
    code, out = invoke(str(write(tmp_path, text)))
    assert code == 2 and "Traceback" not in out
    assert message in flat(out)


def test_missing_file(tmp_path: Path) -> None:
    code, out = invoke(str(tmp_path / "nope.csv"))
    assert code == 2 and "no such file" in flat(out)


def test_auto_needs_a_date(tmp_path: Path) -> None:
    code, out = invoke(str(write(tmp_path, "pm2_5\n1\n")), "--standard", "auto")
    assert code == 2 and "date" in out
    code, out = invoke(str(write(tmp_path, "date,pm2_5\nyesterday,1\n")), "--standard", "auto")
    assert code == 2 and "'yesterday' is not a date" in flat(out)


def test_normalise_header() -> None:
    assert aqi_file.normalise_header(" PM2.5 ") == "pm2_5"
    assert aqi_file.normalise_header("\ufeffPM25") == "pm2_5"
    assert aqi_file.normalise_header("O3-8h") == "o3_8h"
    assert aqi_file.normalise_header("pm2.5 24h") == "pm2_5_24h"
