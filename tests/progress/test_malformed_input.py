"""Malformed input on every progress API route is a 4xx that names the problem, never a 500,
and a rejected batch or file stores nothing.

One test per backend loops over the cases (the fixtures are costly, the requests cheap) and
reports every case that answered outside 400..499 or without problem+json.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.pagination import encode_key
from jingjinji.progress.models import IndicatorValue
from tests.conftest import People
from tests.malformed import Case, problems_of

HUGE = 10**30
BIG = 99999999999  # above PostgreSQL's Integer, below SQLite's 2**63
P = "/api/v1/progress"
VALUE = {
    "indicator_code": "green_share",
    "jurisdiction_code": "110000",
    "period": "2020",
    "value": 40.5,
    "source": "yearbook",
}
HEADER = "indicator_code,jurisdiction_code,period,value,unit,source,note\n"
GOOD_LINE = "green_share,110000,2021,41,%,yearbook,\n"


def _file(name: str, content: bytes) -> dict[str, Any]:
    return {"files": {"file": (name, content)}}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _broken_xlsx(client: TestClient) -> bytes:
    """The real template with its values sheet's XML cut in half."""
    template = client.get(f"{P}/template.xlsx").content
    src = zipfile.ZipFile(io.BytesIO(template))
    members = {n: src.read(n) for n in src.namelist()}
    sheet = next(n for n in members if n.startswith("xl/worksheets/sheet2"))
    members[sheet] = members[sheet][: len(members[sheet]) // 2]
    return _zip(members)


def _json_value(number: str) -> bytes:
    return (
        '{"indicator_code": "green_share", "jurisdiction_code": "110000", "period": "2020", '
        f'"value": {number}, "source": "yearbook"}}'
    ).encode()


CASES: list[Case] = [
    ("GET", f"{P}/values?limit={HUGE}", {}),
    ("GET", f"{P}/values?limit=-1", {}),
    ("GET", f"{P}/values?cursor={encode_key([HUGE])}", {}),
    ("GET", f"{P}/values?cursor={encode_key([-HUGE])}", {}),
    ("GET", f"{P}/values?cursor={encode_key([BIG])}", {}),
    ("GET", f"{P}/values?cursor=%FF", {}),
    ("GET", f"{P}/values?indicator=nope", {}),
    ("GET", f"{P}/values?jurisdiction=999999", {}),
    ("GET", f"{P}/values?period_from=2021-13", {}),
    ("GET", f"{P}/values?indicator=green_share&period_from=2021Q3", {}),
    ("GET", f"{P}/values?period_from={HUGE}", {}),
    ("GET", f"{P}/commitments?agency={HUGE}", {}),
    ("GET", f"{P}/commitments?agency={BIG}", {}),
    ("GET", f"{P}/commitments?limit={HUGE}", {}),
    ("GET", f"{P}/commitments?cursor={encode_key([HUGE])}", {}),
    ("GET", f"{P}/commitments?group_by=nope", {}),
    ("GET", f"{P}/commitments?area=nope", {}),
    ("GET", f"{P}/commitments?status=nope", {}),
    ("GET", f"{P}/commitments?jurisdiction=999999", {}),
    ("GET", f"{P}/commitments/nope", {}),
    ("GET", f"{P}/commitments/nope/status-changes", {}),
    ("GET", f"{P}/agreements/nope", {}),
    ("GET", f"{P}/indicators/nope", {}),
    ("GET", f"{P}/indicators?area=nope", {}),
    ("GET", f"{P}/targets?indicator=nope", {}),
    ("GET", f"{P}/targets?jurisdiction=999999", {}),
    ("GET", f"{P}/summary?year={HUGE}", {}),
    ("GET", f"{P}/summary?year=abc", {}),
    ("GET", f"{P}/summary?base_year=-1", {}),
    ("GET", f"{P}/summary?group_by=nope", {}),
    ("GET", f"{P}/summary?jurisdiction=999999", {}),
    ("GET", f"{P}/summary?indicator=nope", {}),
    ("GET", f"{P}/summary?area=nope", {}),
    ("GET", f"{P}/rollups?year={HUGE}", {}),
    ("GET", f"{P}/rollups?jurisdiction=999999", {}),
    ("GET", f"{P}/report?year=2021&format=doc", {}),
    ("GET", f"{P}/report?year={HUGE}", {}),
    ("GET", f"{P}/report?year=2021&jurisdiction=999999", {}),
    ("GET", f"{P}/report?year=2021&lang=xx", {}),
    ("POST", f"{P}/validation?indicator=nope", {}),
    ("POST", f"{P}/validation?jurisdiction=999999", {}),
    *[("DELETE", f"{P}/values/{v}", {}) for v in (HUGE, BIG, -1, 0, "abc")],
    ("POST", f"{P}/values", {"content": b"{not json"}),
    ("POST", f"{P}/values", {"content": b"\xff\xfe\x00"}),
    ("POST", f"{P}/values", {"json": []}),
    ("POST", f"{P}/values", {"json": {**VALUE, "value": "1,000"}}),
    ("POST", f"{P}/values", {"json": {**VALUE, "value": True}}),
    ("POST", f"{P}/values", {"json": {**VALUE, "value": HUGE**15}}),
    ("POST", f"{P}/values", {"content": _json_value("NaN")}),
    ("POST", f"{P}/values", {"content": _json_value("Infinity")}),
    ("POST", f"{P}/values", {"content": _json_value("1e400")}),
    ("POST", f"{P}/values", {"json": {**VALUE, "period": "2021-02-30"}}),
    ("POST", f"{P}/values", {"json": {**VALUE, "period": "2021Q3"}}),
    ("POST", f"{P}/values", {"json": {**VALUE, "period": "２０２１"}}),
    ("POST", f"{P}/values", {"json": {**VALUE, "period": HUGE}}),
    ("POST", f"{P}/values", {"json": {**VALUE, "indicator_code": "nope"}}),
    ("POST", f"{P}/values", {"json": {**VALUE, "jurisdiction_code": "999999"}}),
    ("POST", f"{P}/values", {"json": {**VALUE, "unit": "km"}}),
    ("POST", f"{P}/values", {"json": {**VALUE, "source": ""}}),
    ("POST", f"{P}/values", {"json": {**VALUE, "extra": 1}}),
    ("POST", f"{P}/values/batch", {"json": {"values": []}}),
    ("POST", f"{P}/values/batch", {"json": {"values": [VALUE] * 5001}}),
    ("POST", f"{P}/values/batch", {"json": {"values": [VALUE, VALUE]}}),
    ("POST", f"{P}/values/batch", {"json": {"values": [VALUE, {**VALUE, "period": "x"}]}}),
    ("POST", f"{P}/values/batch", {"json": {"values": "x"}}),
    (
        "POST",
        f"{P}/targets",
        {"json": {"indicator_code": "green_share", "jurisdiction_code": "110000"}},
    ),
    (
        "POST",
        f"{P}/targets",
        {
            "json": {
                "indicator_code": "green_share",
                "jurisdiction_code": "110000",
                "target_value": 50,
                "target_year": HUGE,
            }
        },
    ),
    (
        "POST",
        f"{P}/targets",
        {
            "content": b'{"indicator_code": "green_share", "jurisdiction_code": "110000", '
            b'"target_value": NaN, "target_year": 2025}'
        },
    ),
    (
        "POST",
        f"{P}/targets",
        {
            "json": {
                "indicator_code": "nope",
                "jurisdiction_code": "999999",
                "target_value": 50,
                "target_year": 2025,
            }
        },
    ),
    ("POST", f"{P}/agreements", {"json": {"code": "BAD CODE"}}),
    (
        "POST",
        f"{P}/agreements",
        {"json": {"code": "a1", "title_zh": "x", "title_en": "x", "parties": ["999999"]}},
    ),
    (
        "POST",
        f"{P}/agreements",
        {
            "json": {
                "code": "a1",
                "title_zh": "x",
                "title_en": "x",
                "parties": ["110000"],
                "signed_on": "2021-02-30",
            }
        },
    ),
    (
        "POST",
        f"{P}/commitments",
        {
            "json": {
                "agreement_code": "test-agreement",
                "code": "c-new",
                "text_zh": "x",
                "text_en": "x",
                "area": "ecology",
                "lead_jurisdiction_code": "110000",
                "agency_ids": [HUGE],
            }
        },
    ),
    (
        "POST",
        f"{P}/commitments",
        {
            "json": {
                "agreement_code": "test-agreement",
                "code": "c-new",
                "text_zh": "x",
                "text_en": "x",
                "area": "ecology",
                "lead_jurisdiction_code": "110000",
                "agency_ids": [BIG],
            }
        },
    ),
    (
        "POST",
        f"{P}/commitments",
        {
            "json": {
                "agreement_code": "nope",
                "code": "c-new",
                "text_zh": "x",
                "text_en": "x",
                "area": "nope",
                "lead_jurisdiction_code": "999999",
                "supporting_jurisdiction_codes": ["888888"],
                "indicator_codes": ["nope"],
            }
        },
    ),
    (
        "POST",
        f"{P}/commitments/c-eco/status-changes",
        {"json": {"status": "completed", "changed_on": "2021-02-30"}},
    ),
    (
        "POST",
        f"{P}/commitments/c-eco/status-changes",
        {"json": {"status": "completed", "changed_on": "9999-12-31"}},
    ),
    (
        "POST",
        f"{P}/commitments/c-eco/status-changes",
        {"json": {"status": "completed", "changed_on": "1900-01-01"}},
    ),
    (
        "POST",
        f"{P}/commitments/c-eco/status-changes",
        {"json": {"status": "nope", "changed_on": "2020-01-01"}},
    ),
    (
        "POST",
        f"{P}/commitments/nope/status-changes",
        {"json": {"status": "completed", "changed_on": "2020-01-01"}},
    ),
    (
        "POST",
        f"{P}/commitments/c-eco/evidence",
        {"json": {"url": "javascript:alert(1)", "title": "x"}},
    ),
    (
        "POST",
        f"{P}/commitments/c-eco/evidence",
        {"json": {"url": "https://x.example/", "title": "x", "published_on": "2021-02-30"}},
    ),
    (
        "POST",
        f"{P}/indicators",
        {
            "json": {
                "code": "x1",
                "name_zh": "x",
                "name_en": "x",
                "unit": "%",
                "direction": "sideways",
                "period_type": "decade",
                "area": "nope",
            }
        },
    ),
    ("POST", f"{P}/upload", {}),
    ("POST", f"{P}/upload", _file("v.csv", b"")),
    ("POST", f"{P}/upload", _file("v.csv", HEADER.encode())),
    ("POST", f"{P}/upload", _file("v.csv", b"\x00\x01\x02\xff\xfe" * 50)),
    ("POST", f"{P}/upload", _file("v.csv", (HEADER + GOOD_LINE).encode("utf-16"))),
    (
        "POST",
        f"{P}/upload",
        _file("v.csv", (HEADER + "green_share,110000,2021,41,%,统计年鉴,\n").encode("gbk")),
    ),
    (
        "POST",
        f"{P}/upload",
        _file(
            "v.csv", codecs.BOM_UTF8 + (HEADER + "green_share,110000,2021-02,41,%,x,\n").encode()
        ),
    ),
    (
        "POST",
        f"{P}/upload",
        _file("v.csv", (HEADER + f"green_share,110000,2021,{HUGE}0,%,x,\n").encode()),
    ),
    (
        "POST",
        f"{P}/upload",
        _file("v.csv", (HEADER + "green_share,110000,2021,NaN,%,x,\n").encode()),
    ),
    ("POST", f"{P}/upload", _file("v.csv", (HEADER + 'green_share,"110000,2021\n').encode())),
    ("POST", f"{P}/upload", _file("v.csv", b"a,b\n" + b"x" * 200_000 + b",y\n")),
    ("POST", f"{P}/upload", _file("v.xlsx", b"\x00\x01\x02\xff\xfe" * 50)),
    ("POST", f"{P}/upload", _file("v.xlsx", b"PK\x03\x04" + b"\x00" * 200)),
    ("POST", f"{P}/upload", _file("v.xlsx", _zip({"hello.txt": b"hi"}))),
    ("POST", f"{P}/upload", _file("v.xlsx", _zip({"[Content_Types].xml": b"<not xml"}))),
    ("POST", f"{P}/upload", _file("v.pdf", b"%PDF-1.4")),
]


def test_malformed_progress_input_is_a_4xx_on_every_route(
    app: FastAPI, session_factory: sessionmaker[Session], commitments: People
) -> None:
    headers = commitments.headers(session_factory, "office")
    with TestClient(app, raise_server_exceptions=False) as client:
        stored = client.post(f"{P}/values", json=VALUE, headers=headers)
        assert stored.status_code == 201, stored.text
        cases = [*CASES, ("POST", f"{P}/upload", _file("v.xlsx", _broken_xlsx(client)))]
        problems = problems_of(client, headers, cases)
    assert not problems, "\n".join(problems)
    with session_factory() as session:  # nothing of the rejected input was stored
        assert session.scalar(select(func.count()).select_from(IndicatorValue)) == 1
