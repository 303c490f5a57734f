"""Issue 15: the incident report form and the samples upload say what is wrong in the reader's
language (the report's fields by their labels), never pydantic's English; the API keeps an
English reason (both databases)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People, csrf_from, login
from tests.water.conftest import WaterNetwork
from tests.water.incident_support import CROSS, build_network

PYDANTIC = ("should have", "Input should", "Value error", "Field required", "validation error")
HEADER = "section_code,sampled_at,kind,ph\n"
# A section code too long for the schema (the file's own checks pass it on to the schema).
BAD = HEADER + f"{'X' * 21},2025-07-01T08:00,manual,7\n"


def test_the_report_form_lists_its_problems_in_chinese(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    build_network(session_factory, people)
    login(client, "bj-env", people.password)
    form = client.get("/water/incidents/new", headers={"accept-language": "zh-CN"})
    answer = client.post(
        "/water/incidents/new",
        data={
            "csrf_token": csrf_from(form.text),
            "section_code": CROSS,
            "summary": " ",
            "severity": "apocalyptic",
            "observed_at": "11.6.2026",
        },
        headers={"accept-language": "zh-CN"},
    )
    assert answer.status_code == 422
    text = answer.text
    assert "发现的情况：不得为空" in text
    assert "严重程度：不是允许的取值之一，可选：" in text
    assert "日期和时间应写作 YYYY-MM-DDTHH:MM[:SS][+08:00]（ISO 8601），而不是" in text
    assert not any(english in text for english in PYDANTIC)


def test_an_uploaded_rows_schema_problems_read_in_chinese(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    water_sections: WaterNetwork,
) -> None:
    login(client, "bj-env", people.password)
    page = client.get("/water/upload", headers={"accept-language": "zh-CN"})
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answers = {
        lang: client.post(
            "/water/upload",
            data={"csrf_token": token},
            files={"file": ("july.csv", BAD.encode(), "text/csv")},
            headers={"accept-language": lang, "HX-Request": "true"},
        )
        for lang in ("zh-CN", "en")
    }
    assert {a.status_code for a in answers.values()} == {422}
    zh = answers["zh-CN"].text
    assert 'data-row="2" data-column="section_code"' in zh and "最多 20 个字符" in zh
    assert not any(english in zh for english in PYDANTIC)
    assert "at most 20 characters" in answers["en"].text
    api = client.post(
        "/api/v1/water/samples.csv",
        content=BAD.encode(),
        headers={**people.headers(session_factory, "bj-env"), "content-type": "text/csv"},
    )
    assert api.status_code == 422, api.text
    reasons = {(e["row"], e["column"]): e["msg"] for e in api.json()["errors"]}
    assert reasons[(2, "section_code")] == "at most 20 characters"
