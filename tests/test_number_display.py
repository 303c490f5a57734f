"""Numbers a person reads are rounded to the quantity's precision (issue 15): the catalog's
preview page and its CSV download show ``8.04``, never ``8.041666666666666``; the JSON API keeps
full precision."""

from __future__ import annotations

import csv
import io
import random
from decimal import ROUND_HALF_EVEN, Context, Decimal

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import datasets as air_datasets
from jingjinji.air.kernels.gb3095 import DECIMALS
from jingjinji.catalog import service
from jingjinji.catalog.schemas import DatasetIn
from jingjinji.numbers import _default_decimals, csv_text, decimals_for, frame_csv, num
from tests.conftest import People, login

CODE = "BJ-ENV-NUMBERS"
LONG = 8.041666666666666  # a 24-hour mean: 193 / 24
ROW = {
    "station": "1001A",
    "mean": LONG,
    "co": 1.0416666666666667,
    "pm2_5": 75.5,
    "hours": 24,
    "share": 83.33333333333333,
    "tiny": 0.000123456789,
}


def _store(
    session_factory: sessionmaker[Session], people: People, *, station: str = "1001A"
) -> None:
    fields = [
        ("station", "string", ""),
        ("mean", "number", ""),
        ("co", "number", "mg/m3"),
        ("pm2_5", "number", "ug/m3"),
        ("hours", "integer", ""),
        ("share", "number", "%"),
        ("tiny", "number", ""),
    ]
    data = DatasetIn.model_validate(
        {
            "code": CODE,
            "title_zh": "数值显示",
            "title_en": "Number display",
            "owner_organisation_id": people.organisations["bj_env"],
            "domain": "environment",
            "update_cycle": "daily",
            "sharing_class": "unconditional",
            "open_to_public": True,
            "fields": [
                {"name": n, "type": t, "unit": u, "sharing_class": "unconditional"}
                for n, t, u in fields
            ],
        }
    )
    with session_factory() as session:
        service.create_dataset(session, actor=people["bj-env"], data=data)
        service.write_records(
            session, actor=people["bj-env"], dataset_code=CODE, rows=[{**ROW, "station": station}]
        )
        session.commit()


SHOWN = {
    "station": "1001A",
    "mean": "8.04",
    "co": "1.0",
    "pm2_5": "76",
    "hours": "24",
    "share": "83.3",
    "tiny": "0.000123",
}


def test_preview_page_rounds_each_field(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _store(session_factory, people)
    login(client, "bj-env", people.password)
    html = client.get(f"/catalog/{CODE}").text
    assert "8.04</td>" in html
    assert "8.0416" not in html and "83.333" not in html and "1.0416" not in html
    for shown in SHOWN.values():
        assert f">{shown}</td>" in html


def test_records_csv_rounds_and_json_keeps_precision(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _store(session_factory, people)
    headers = people.headers(session_factory, "bj-env")
    response = client.get(f"/api/v1/datasets/{CODE}/records.csv", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "8.0416" not in response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows == [SHOWN]
    full = client.get(f"/api/v1/datasets/{CODE}/records", headers=headers).json()
    assert full["items"][0]["mean"] == LONG


def test_records_csv_defuses_spreadsheet_formulas(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _store(session_factory, people, station='=HYPERLINK("http://example.invalid","x")')
    headers = people.headers(session_factory, "bj-env")
    response = client.get(f"/api/v1/datasets/{CODE}/records.csv", headers=headers)
    (row,) = list(csv.DictReader(io.StringIO(response.text)))
    assert row["station"] == '\'=HYPERLINK("http://example.invalid","x")'
    assert row["mean"] == "8.04"  # numbers are not text: no apostrophe


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (LONG, None, "8.04"),
        (8.0, None, "8"),
        (75.5, 0, "76"),  # GB/T 8170: ties to even
        (76.5, 0, "76"),
        (1.05, 1, "1.0"),
        (1.0, 1, "1.0"),
        (0.000123456, None, "0.000123"),
        (1e21, None, "1000000000000000000000"),  # never scientific notation
        (-0.001, 0, "0"),
        (None, None, ""),
        (True, None, "True"),
        (12, None, "12"),
    ],
)
def test_num(value: object, decimals: int | None, shown: str) -> None:
    assert num(value, decimals) == shown


def test_concentration_decimals_are_hj663s() -> None:
    """The display decimals by unit are the ones GB 3095 rounds concentrations with."""
    for pollutant, decimals in DECIMALS.items():
        unit = air_datasets._pollutant_unit(pollutant)
        assert decimals_for("number", unit) == decimals, pollutant
    assert decimals_for("integer", "") == 0
    assert decimals_for("number", "%") == 1
    assert decimals_for("number", "") is None


def _decimal_rule(value: float, decimals: int | None) -> str:
    """The rule written out on the decimal form, one value at a time (the reference)."""
    places = decimals if decimals is not None else _default_decimals(value)
    wide = Context(prec=400, rounding=ROUND_HALF_EVEN)
    text = f"{Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), context=wide):f}"
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.startswith("-") and text.strip("-0.") == "":
        text = text[1:]
    return text


@pytest.mark.parametrize("decimals", [None, 0, 1, 2, 3])
def test_fast_rounding_agrees_with_the_decimal_rule(decimals: int | None) -> None:
    """``num`` formats most floats with Python's binary rounding and only ties on the decimal
    form: the same text as the decimal rule for ties (4.35, 75.5, 2.675), values next to ties,
    tiny, huge and negative values and random ones."""
    rng = random.Random(15)
    values = [4.35, 75.5, 76.5, 2.675, 1.005, 0.125, -0.5, -2.5, 0.0004999, 1e-9, 123456789.5]
    values += [1e15 + 0.5, 2.5000001, 2.4999999, 8.041666666666666, -1.0416666666666667]
    values += [rng.uniform(-1000, 1000) for _ in range(2000)]
    values += [round(rng.uniform(0, 500), rng.randint(0, 4)) for _ in range(2000)]  # ties
    values += [rng.uniform(0, 1) * 10.0 ** -rng.randint(0, 8) for _ in range(500)]
    for value in values:
        assert num(value, decimals) == _decimal_rule(value, decimals), value


def test_a_frame_is_written_as_its_rows_would_be() -> None:
    """``frame_csv`` (a column at a time) writes what ``csv_text`` (a cell at a time) writes."""
    rng = random.Random(6)
    floats = [rng.uniform(-100, 100) for _ in range(300)] + [75.5, 4.35, None, float("nan")]
    floats += [float("inf"), -0.0004, 0.0, 1e12 + 0.5]
    n = len(floats)
    frame = pl.DataFrame(
        {
            "pm2_5": floats,
            "co": list(reversed(floats)),
            "other": [v * 1e-3 if v is not None else None for v in floats],
            "n": list(range(n)),
            "text": ["=1+1", "-x", "plain", None] * (n // 4),
            "flag": [True, False, None, True] * (n // 4),
        }
    )
    decimals = [0, 1, None, 0, None, None]
    by_rows = csv_text(frame.iter_rows(), decimals, header=frame.columns)
    assert frame_csv(frame, decimals) == by_rows
    assert frame_csv(frame.head(0), decimals) == "pm2_5,co,other,n,text,flag\r\n"
    assert frame_csv(frame, decimals, header=False) == by_rows.split("\r\n", 1)[1]
