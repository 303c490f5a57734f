"""Numbers a person reads are rounded to the quantity's precision (issue 15): the catalog's
preview page and its CSV download show ``8.04``, never ``8.041666666666666``; the JSON API keeps
full precision."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.air import datasets as air_datasets
from jingjinji.air.kernels.gb3095 import DECIMALS
from jingjinji.catalog import service
from jingjinji.catalog.schemas import DatasetIn
from jingjinji.numbers import decimals_for, num
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
