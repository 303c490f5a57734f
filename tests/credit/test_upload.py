"""Batch upload of records: JSON, CSV and Excel; all or nothing with per-row errors."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.models import CreditRecord
from jingjinji.regions import service as regions
from tests.conftest import People
from tests.credit.records_support import BJ_CO, HE_CO, OTHER_ID_NUMBER, record_in

HEADER = [
    "kind",
    "uscc",
    "subject_name",
    "source_agency_uscc",
    "document_number",
    "title",
    "severity",
    "legal_basis",
    "content",
    "fine_10k_cny",
    "decision_date",
    "id_type",
    "id_number",
]


def _row(doc: str, **over: str) -> dict[str, str]:
    row = {
        "kind": "penalty",
        "uscc": HE_CO,
        "subject_name": "冀示例化工有限公司（虚构）",
        "source_agency_uscc": "",
        "document_number": doc,
        "title": "超标排放",
        "severity": "serious",
        "legal_basis": "《大气污染防治法》第九十九条",
        "content": "罚款10万元",
        "fine_10k_cny": "10",
        "decision_date": "2026-10-12",
        "id_type": "resident_id_card",
        "id_number": OTHER_ID_NUMBER,
    }
    row.update(over)
    return row


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode()


def _xlsx(rows: list[dict[str, str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    for r in rows:
        ws.append([r[h] for h in HEADER])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as s:
        return s.scalar(select(func.count()).select_from(CreditRecord)) or 0


def test_csv_upload_all_or_nothing_with_every_problem(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "he-samr")
    bad_code = HE_CO[:17] + ("0" if HE_CO[17] != "0" else "1")
    rows = [
        _row("冀-1"),
        _row("冀-2", uscc=bad_code),
        _row("冀-3", decision_date="2099-05-01"),
        _row("冀-4", source_agency_uscc="91110000600037341L"),
        _row("冀-5", legal_basis=""),
        _row("冀-6", fine_10k_cny="ten"),
    ]
    r = client.post(
        "/api/v1/credit/records/upload",
        files={"file": ("records.csv", _csv(rows), "text/csv")},
        headers=headers,
    )
    assert r.status_code == 422, r.text
    errors = {(e["row"], e["column"]): e for e in r.json()["errors"]}
    assert set(errors) == {
        (3, "uscc"),
        (4, "decision_date"),
        (5, "source_agency_uscc"),
        (6, "legal_basis"),
        (7, "fine_10k_cny"),
    }
    assert errors[(3, "uscc")]["expected"] == HE_CO[17]
    assert "unknown agency" in errors[(5, "source_agency_uscc")]["msg"]
    assert "bad amount" in errors[(7, "fine_10k_cny")]["msg"]
    assert _count(session_factory) == 0
    good = client.post(
        "/api/v1/credit/records/upload",
        files={"file": ("records.csv", _csv([_row("冀-1"), _row("冀-2")]), "text/csv")},
        headers=headers,
    )
    assert good.status_code == 201, good.text
    assert (good.json()["created"], good.json()["unchanged"]) == (2, 0)
    again = client.post(
        "/api/v1/credit/records/upload",
        files={
            "file": (
                "records.csv",
                _csv([_row("冀-1"), _row("冀-2", fine_10k_cny="12")]),
                "text/csv",
            )
        },
        headers=headers,
    )
    assert (again.json()["created"], again.json()["unchanged"], again.json()["revised"]) == (
        0,
        1,
        1,
    )
    assert _count(session_factory) == 2


def test_xlsx_upload_and_other_agency_refused(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as s:
        bj = regions.get_organisation(s, organisation_id=people.organisations["bj_samr"])
    headers = people.headers(session_factory, "he-samr")
    r = client.post(
        "/api/v1/credit/records/upload",
        files={
            "file": ("records.xlsx", _xlsx([_row("X-1"), _row("X-2")]), "application/octet-stream")
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 2
    refused = client.post(
        "/api/v1/credit/records/upload",
        files={
            "file": (
                "r.xlsx",
                _xlsx([_row("X-3", source_agency_uscc=bj.uscc)]),
                "application/octet-stream",
            )
        },
        headers=headers,
    )
    assert refused.status_code == 403
    assert _count(session_factory) == 2
    header_problem = client.post(
        "/api/v1/credit/records/upload",
        files={"file": ("r.csv", b"kind,uscc,colour\n", "text/csv")},
        headers=headers,
    )
    assert header_problem.status_code == 422
    assert {e["column"] for e in header_problem.json()["errors"]} >= {"colour", "document_number"}


def test_json_batch(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "bj-samr")
    ok = record_in(document_number="B-1").model_dump(mode="json", exclude_none=True)
    future = record_in(document_number="B-2", decision_date="2099-01-01").model_dump(
        mode="json", exclude_none=True
    )
    r = client.post("/api/v1/credit/records/batch", json={"records": [ok, future]}, headers=headers)
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(2, "decision_date")]
    assert r.json()["errors"][0]["loc"] == ["records", 2, "decision_date"]
    assert _count(session_factory) == 0
    dup = {**ok, "fine_10k_cny": "5"}
    r = client.post("/api/v1/credit/records/batch", json={"records": [ok, dup]}, headers=headers)
    assert r.status_code == 422 and "different content" in r.json()["errors"][0]["msg"]
    r = client.post("/api/v1/credit/records/batch", json={"records": [ok, ok]}, headers=headers)
    assert r.status_code == 201 and r.json()["created"] == 1 and r.json()["unchanged"] == 1
    assert BJ_CO in client.get(f"/api/v1/credit/subjects/{BJ_CO}").text
