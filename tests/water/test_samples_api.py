"""The samples API: JSON batches and CSV bodies in, paged listings and CSV/Parquet exports out,
ingestion reports, malformed input."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.water.service import samples as service
from tests.conftest import People
from tests.malformed import Case, problems_of
from tests.statements import counting, engine_of
from tests.water.conftest import WaterNetwork

API = "/api/v1/water"


def _row(**overrides: Any) -> dict[str, Any]:
    return {
        "section_code": "BJ-HE-01",
        "sampled_at": "2025-07-01T10:00",
        "kind": "automatic",
        "item": "nh3n",
        "value": 1.5,
        **overrides,
    }


def _hours(count: int, item: str = "nh3n") -> list[dict[str, Any]]:
    start = dt.datetime(2025, 7, 1, 0, tzinfo=dt.UTC)
    return [
        _row(
            sampled_at=(start + dt.timedelta(hours=4 * n)).isoformat(),
            item=item,
            value=1.0 + n / 10,
        )
        for n in range(count)
    ]


def test_a_batch_is_stored_and_its_ingestion_read_back(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    beijing = people.headers(session_factory, "bj-env")
    body = {"rows": [_row(), _row(item="do", value=6.2)], "source": "station feed"}
    answer = client.post(f"{API}/samples", json=body, headers=beijing)
    assert answer.status_code == 200, answer.text
    out = answer.json()
    assert (out["inserted"], out["status"], out["source"]) == (2, "accepted", "station feed")
    again = client.post(f"{API}/samples", json=body, headers=beijing).json()
    assert (again["inserted"], again["unchanged"]) == (0, 2)
    report = client.get(f"{API}/ingestions/{out['id']}", headers=beijing)
    assert report.json()["inserted"] == 2
    # Another agency's batch says nothing to Tianjin; the office reads it.
    tianjin = people.headers(session_factory, "tj-env")
    assert client.get(f"{API}/ingestions/{out['id']}", headers=tianjin).status_code == 404
    office = people.headers(session_factory, "office")
    assert client.get(f"{API}/ingestions/{out['id']}", headers=office).status_code == 200


def test_a_batch_with_bad_rows_is_refused_whole(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    beijing = people.headers(session_factory, "bj-env")
    body = {"rows": [_row(), _row(section_code="NOPE"), _row(value=2.0)]}
    answer = client.post(f"{API}/samples", json=body, headers=beijing)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in answer.json()["errors"]] == [
        ["body", "rows", 1, "section_code"],
        ["body", "rows", 2, "item"],
    ]
    assert client.get(f"{API}/samples").json()["items"] == []


def test_another_agencys_section_is_a_403(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    beijing = people.headers(session_factory, "bj-env")
    body = {"rows": [_row(section_code="HE-TJ-01")]}
    answer = client.post(f"{API}/samples", json=body, headers=beijing)
    assert answer.status_code == 403
    assert "HE-TJ-01" in answer.json()["detail"]
    assert client.post(f"{API}/samples", json=body).status_code == 401


def test_a_csv_body_is_stored(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    hebei = people.headers(session_factory, "he-env")
    content = "section_code,sampled_at,kind,nh3n,tp\nHE-TJ-01,2025-07-01T08:00,manual,0.5,<0.01\n"
    answer = client.post(
        f"{API}/samples.csv",
        content=content.encode(),
        headers={**hebei, "content-type": "text/csv"},
        params={"source": "july.csv"},
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["inserted"], answer.json()["source"]) == (2, "july.csv")
    bad = client.post(
        f"{API}/samples.csv",
        content=b"section_code,sampled_at,kind,nh3n\nHE-TJ-01,2025-07-01,manual,x\n",
        headers={**hebei, "content-type": "text/csv"},
    )
    assert bad.status_code == 422
    assert [(e["row"], e["column"]) for e in bad.json()["errors"]] == [(2, "nh3n")]


def test_samples_are_paged_and_filtered(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    beijing = people.headers(session_factory, "bj-env")
    rows = _hours(7) + _hours(2, item="do")
    assert client.post(f"{API}/samples", json={"rows": rows}, headers=beijing).status_code == 200
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"item": "nh3n", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"{API}/samples", params=params).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [s["value"] for s in seen] == [1.0 + n / 10 for n in range(7)]
    window = client.get(
        f"{API}/samples",
        params={"start": "2025-07-01T08:00", "end": "2025-07-01T16:00+08:00"},
    ).json()["items"]
    # 08:00-16:00 China time is 00:00-08:00 UTC: the first two 4-hourly samples of each item.
    assert sorted((s["item"], s["sampled_at"][:16]) for s in window) == [
        ("do", "2025-07-01T00:00"),
        ("do", "2025-07-01T04:00"),
        ("nh3n", "2025-07-01T00:00"),
        ("nh3n", "2025-07-01T04:00"),
    ]


def test_export_round_trips_through_csv_and_parquet(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    beijing = people.headers(session_factory, "bj-env")
    rows = [*_hours(3), _row(item="tp", value=0.01, below_detection=True, origin="published")]
    client.post(f"{API}/samples", json={"rows": rows}, headers=beijing)
    period = {"start": "2025-07-01T00:00Z", "end": "2025-07-02T00:00Z", "section": "BJ-HE-01"}
    with session_factory() as session:
        expected = service.samples_frame(
            session,
            codes=["BJ-HE-01"],
            start=dt.datetime(2025, 7, 1, tzinfo=dt.UTC),
            end=dt.datetime(2025, 7, 2, tzinfo=dt.UTC),
        )
    parquet = client.get(f"{API}/samples/export", params={**period, "format": "parquet"})
    assert parquet.status_code == 200
    assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
    from_parquet = pl.read_parquet(io.BytesIO(parquet.content))
    assert from_parquet.select(expected.columns).equals(expected)
    assert from_parquet["recorded_by"].unique().to_list() == ["bj-env"]
    csv = client.get(f"{API}/samples/export", params=period)
    assert csv.headers["content-type"].startswith("text/csv")
    from_csv = pl.read_csv(io.BytesIO(csv.content), try_parse_dates=True)
    assert from_csv["value"].to_list() == expected["value"].to_list()
    assert from_csv["origin"].to_list() == expected["origin"].to_list()
    assert from_csv["sampled_at"].dt.convert_time_zone("UTC").to_list() == (
        expected["sampled_at"].to_list()
    )
    assert "published" in from_csv["origin"].to_list()


def test_malformed_sample_requests_are_4xx_problems(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
) -> None:
    beijing = people.headers(session_factory, "bj-env")
    csv_type = {"content-type": "text/csv"}
    cases: list[Case] = [
        ("POST", f"{API}/samples", {"json": {}}),
        ("POST", f"{API}/samples", {"json": {"rows": []}}),
        ("POST", f"{API}/samples", {"json": {"rows": "x"}}),
        ("POST", f"{API}/samples", {"content": b"{oops"}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(value="1")]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(value=True)]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(value=-1)]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(item="ph", value=15)]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(item="benzene")]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(item=7)]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(sampled_at=0)]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(sampled_at="0001-01-01T00:00")]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(sampled_at="2025-13-01T00:00")]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(kind="hourly")]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(below_detection="yes")]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(section_code="x" * 30)]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row(extra=1)]}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row()], "source": "s" * 301}}),
        ("POST", f"{API}/samples", {"json": {"rows": [_row()] * 20_001}}),
        ("GET", f"{API}/samples?limit=0", {}),
        ("GET", f"{API}/samples?limit=x", {}),
        ("GET", f"{API}/samples?start=yesterday", {}),
        ("GET", f"{API}/samples?start=2025-07-02T00:00&end=2025-07-01T00:00", {}),
        ("GET", f"{API}/samples?item=benzene", {}),
        ("GET", f"{API}/samples?kind=hourly", {}),
        ("GET", f"{API}/samples?cursor=abc", {}),
        ("GET", f"{API}/samples/export", {}),
        ("GET", f"{API}/samples/export?start=2025-07-01T00:00&end=2025-07-02T00:00&format=xls", {}),
        ("GET", f"{API}/samples/export?start=2025-07-02T00:00&end=2025-07-01T00:00", {}),
        ("GET", f"{API}/ingestions/abc", {}),
        ("GET", f"{API}/ingestions/99999999999999999999", {}),
        ("GET", f"{API}/ingestions/12345", {}),
    ]
    csv_cases: list[Case] = [
        ("POST", f"{API}/samples.csv", {"content": b""}),
        ("POST", f"{API}/samples.csv", {"content": b"\xff\xfe"}),
        ("POST", f"{API}/samples.csv", {"content": b"a,b\n1,2\n"}),
        ("POST", f"{API}/samples.csv", {"content": b"section_code,sampled_at,kind,do\n\0,,,\n"}),
        (
            "POST",
            f"{API}/samples.csv",
            {"content": b"section_code,sampled_at,kind,do\nA\0,2025-07-01,manual,1\n"},
        ),
        ("POST", f"{API}/samples.csv?source=" + "s" * 301, {"content": b"x"}),
    ]
    assert problems_of(client, beijing, cases) == []
    assert problems_of(client, beijing | csv_type, csv_cases) == []


def test_an_export_larger_than_a_window_is_streamed_whole_in_key_order(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Windows of 5 samples over 12 (once a 422 past the cap): every sample once, by section,
    time, kind and item across the windows' edges, each window its own query (memory holds
    one window)."""
    from jingjinji.water.service.samples import export

    beijing = people.headers(session_factory, "bj-env")
    hebei = people.headers(session_factory, "he-env")
    for section, headers in (("HE-TJ-01", hebei), ("BJ-HE-01", beijing)):
        rows = [{**r, "section_code": section} for item in ("nh3n", "do") for r in _hours(3, item)]
        assert client.post(f"{API}/samples", json={"rows": rows}, headers=headers).is_success
    monkeypatch.setattr(export, "EXPORT_WINDOW_ROWS", 5)
    period = {"start": "1990-01-01T00:00Z", "end": "2030-01-01T00:00Z"}
    with counting(engine_of(client)) as statements:
        answer = client.get(f"{API}/samples/export", params=period)
    assert answer.status_code == 200, answer.text
    lines = answer.text.splitlines()
    assert lines[0] == (
        "section_code,sampled_at,kind,item,value,below_detection,origin,version,recorded_at,"
        "recorded_by,ingestion_id"
    )
    keys = [tuple(line.split(",")[:4]) for line in lines[1:]]
    times = [f"2025-07-01T{4 * n:02d}:00:00+0000" for n in range(3)]
    assert keys == [
        (section, t, "automatic", item)
        for section in ("BJ-HE-01", "HE-TJ-01")
        for t in times
        for item in ("do", "nh3n")
    ]
    assert [line.split(",")[4] for line in lines[1:3]] == ["1", "1"]
    windows = [s for s in statements if "FROM water_samples" in s and "LIMIT" in s]
    assert len(windows) == 4  # a section at a time: 5 and 1 of each
    parquet = client.get(f"{API}/samples/export", params={**period, "format": "parquet"})
    assert pq.ParquetFile(io.BytesIO(parquet.content)).num_row_groups == 4
    frame = pl.read_parquet(io.BytesIO(parquet.content))
    assert list(zip(frame["section_code"], frame["item"], strict=True))[4:7] == [
        ("BJ-HE-01", "do"),
        ("BJ-HE-01", "nh3n"),
        ("HE-TJ-01", "do"),
    ]


@pytest.mark.parametrize(
    ("content", "detail", "loc"),
    [
        (b"", "the file is empty; nothing was stored", ["body", "file"]),
        (
            b"section_code,sampled_at,kind,ammonia\n",
            "the header is not one of a samples file; nothing was stored",
            ["body", "file", 1, "ammonia"],
        ),
        (
            b"section_code,sampled_at,kind,nh3n\n",
            "the file has no data rows; nothing was stored",
            ["body", "file", 2, "row"],
        ),
    ],
)
def test_a_file_refused_as_a_whole_says_why(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    water_sections: WaterNetwork,
    content: bytes,
    detail: str,
    loc: list[Any],
) -> None:
    headers = people.headers(session_factory, "bj-env") | {"content-type": "text/csv"}
    answer = client.post(f"{API}/samples.csv", content=content, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"] == detail
    assert answer.json()["errors"][0]["loc"] == loc
