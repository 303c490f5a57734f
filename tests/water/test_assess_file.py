"""`jjj water assess FILE`: CSV in, CSV out with item classes, section class, grade,
multiples and main pollutants."""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from jingjinji.cli import app
from jingjinji.water import assess_file

runner = CliRunner()


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["water", "assess", *args])
    return result.exit_code, result.output


def flat(message: str) -> str:
    """An error message without the frame and line wrapping of the terminal panel."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", message).split())


def read(text: str) -> pl.DataFrame:
    return pl.read_csv(io.StringIO(text), infer_schema=False)


SAMPLES = (
    "Section,Month,COD,NH3-N,pH,DO,Waterbody,Target_Class,TN,Note\n"
    "Dongdaqiao,2017-01,33,9.74,7.5,6.1,,5,3.1,published\n"
    "Reservoir,2017-01,10,0.1,7,8,lake,2,0.3,\n"
    'Gauge,2017-01,25,,9.5,,RIVER,3,,"a, quoted"\n'
)


def test_columns_pass_through_and_results_are_appended(tmp_path: Path) -> None:
    code, out = invoke(str(write(tmp_path, SAMPLES)))
    assert code == 0, out
    frame = read(out)
    assert frame.columns == [
        "Section",
        "Month",
        "COD",
        "NH3-N",
        "pH",
        "DO",
        "Waterbody",
        "Target_Class",
        "TN",
        "Note",
        "class_ph",
        "class_do",
        "class_cod",
        "class_nh3n",
        "class_tn",
        "section_class",
        "grade",
        "multiple_cod",
        "multiple_nh3n",
        "multiple_tn",
        "main_pollutants",
    ]
    rows = frame.to_dicts()
    assert rows[0]["Note"] == "published"
    assert rows[2]["Note"] == "a, quoted"
    assert [r["class_cod"] for r in rows] == ["5", "1", "4"]
    assert [r["class_nh3n"] for r in rows] == ["6", "1", None]
    assert [r["class_ph"] for r in rows] == ["1", "1", "6"]
    assert [r["class_tn"] for r in rows] == ["6", "2", None]
    assert [r["section_class"] for r in rows] == ["6", "1", "6"]
    assert [r["grade"] for r in rows] == ["heavily_polluted", "excellent", "heavily_polluted"]
    # Against class III: COD 33 is 0.65 over 20, NH3-N 9.74 is 8.74 over 1.0.
    assert [r["multiple_cod"] for r in rows] == ["0.65", None, "0.25"]
    assert [r["multiple_nh3n"] for r in rows] == ["8.74", None, None]
    assert [r["main_pollutants"] for r in rows] == ["nh3n;cod", None, "cod"]


def test_reference_target_uses_each_row_target(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    code, out = invoke(str(write(tmp_path, SAMPLES)), "--reference", "target", "-o", str(output))
    assert code == 0, out
    rows = pl.read_csv(output, infer_schema=False).to_dicts()
    # Dongdaqiao against its class V target: COD 33 meets it, NH3-N is 3.87 times over.
    assert rows[0]["multiple_cod"] is None
    assert rows[0]["multiple_nh3n"] == "3.87"
    assert rows[0]["main_pollutants"] == "nh3n"
    assert rows[2]["multiple_cod"] == "0.25"


def test_lake_total_phosphorus(tmp_path: Path) -> None:
    code, out = invoke(str(write(tmp_path, "tp,waterbody\n0.05,river\n0.05,lake\n0.05,\n")))
    assert code == 0, out
    assert read(out)["class_tp"].to_list() == ["2", "3", "2"]


def test_empty_cells_are_not_assessed(tmp_path: Path) -> None:
    code, out = invoke(str(write(tmp_path, "cod,tp\n,\n12,\n")))
    assert code == 0, out
    rows = read(out).to_dicts()
    assert rows[0]["section_class"] is None
    assert rows[0]["grade"] is None
    assert rows[1]["section_class"] == "1"


@pytest.mark.parametrize(
    ("text", "args", "fragment"),
    [
        ("cod,tp\n1,0.1\n2,abc\n", (), "line 3, column 'tp': 'abc' is not a non-negative number"),
        ("cod\n-1\n", (), "line 2, column 'cod': '-1' is not a non-negative number"),
        ("ph\n7\n15\n", (), "line 3, column 'ph': '15' is not a pH (0-14)"),
        ("cod,waterbody\n1,sea\n", (), "line 2, column 'waterbody': 'sea' is not a waterbody"),
        ("cod,target_class\n1,6\n", (), "line 2, column 'target_class': '6' is not a target"),
        ("cod\n1\n", ("--reference", "target"), "--reference target needs a target_class"),
        ("cod,target_class\n1,\n", ("--reference", "target"), "needs one on every line"),
        ("cod\n1\n", ("--reference", "v"), "unknown reference 'v'"),
        ("station,value\nA,1\n", (), "no water-quality column"),
        ("COD,cod\n1,2\n", (), "columns 'COD' and 'cod' both give cod"),
        ("cod,grade\n1,x\n", (), "input already has an output column 'grade'"),
        ("cod,class_cod\n1,x\n", (), "input already has an output column 'class_cod'"),
    ],
)
def test_bad_input_names_the_line_and_column(
    tmp_path: Path, text: str, args: tuple[str, ...], fragment: str
) -> None:
    code, out = invoke(str(write(tmp_path, text)), *args)
    assert code == 2
    assert fragment in flat(out)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    code, out = invoke(str(tmp_path / "absent.csv"))
    assert code == 2
    assert "no such file" in flat(out)
    code, out = invoke(str(write(tmp_path, "")))
    assert code == 2
    assert "empty file" in flat(out)


def test_annotate_directly() -> None:
    frame = pl.DataFrame({"Cr(VI)": ["0.06"], "CODMn": ["16"], "BOD-5": ["3"]})
    out = assess_file.annotate(frame, reference="iii")
    assert out["class_cr6"].to_list() == [5]  # above the shared II-IV limit 0.05
    assert out["class_codmn"].to_list() == [6]
    assert out["class_bod5"].to_list() == [1]
    assert out["main_pollutants"].to_list() == ["codmn;cr6"]
    assert assess_file.normalise_header(" NH3-N ") == "nh3n"
