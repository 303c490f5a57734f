"""Issue 15: the credit pages say what is wrong with a form or an uploaded row in the reader's
language (the field by its label on the public forms), never pydantic's English; the API keeps
an English reason (both databases)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People, login
from tests.credit.services_support import HE_CO, make_record

ZH = {"accept-language": "zh-CN"}
EN = {"accept-language": "en"}
PYDANTIC = ("should have", "Input should", "Value error", "Field required")


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_a_public_form_names_the_field_by_its_label_in_chinese(
    client: TestClient, session: Session, people: People
) -> None:
    record = make_record(session, people["tj-samr"])
    page = client.get(f"/credit/subjects/{HE_CO}/object", headers=ZH)
    answer = client.post(
        f"/credit/subjects/{HE_CO}/object",
        data={"record_id": str(record.id), "objector_name": "王五", "csrf_token": _csrf(page.text)},
        headers=ZH,
    )
    assert answer.status_code == 422
    assert "联系方式（电话或电子邮箱，不公开）：不得为空" in answer.text
    assert not any(english in answer.text for english in PYDANTIC)
    declared = client.post(
        f"/credit/subjects/{HE_CO}/declare",
        data={
            "kind": "boast",
            "title": "x",
            "declared_by_name": "y",
            "csrf_token": _csrf(page.text),
        },
        headers=EN,
    )
    assert declared.status_code == 422
    assert "Kind: not one of the allowed values: &#39;qualification&#39;, &#39;honour&#39;" in (
        declared.text
    )
    assert not any(english in declared.text for english in PYDANTIC)


def test_the_record_form_lists_its_problems_in_chinese(client: TestClient, people: People) -> None:
    login(client, "he-samr", people.password)
    page = client.get("/credit/agency", headers=ZH)
    refused = client.post(
        "/credit/agency/records",
        data={
            "csrf_token": _csrf(page.text),
            "kind": "black_list",
            "uscc": HE_CO,
            "document_number": "冀黑-9",
            "title": "严重失信",
            "decision_date": "2026-11-02",
        },
        headers=ZH,
    )
    assert refused.status_code == 422
    assert 'data-column="legal_basis"' in refused.text and "此项为必填项" in refused.text
    assert not any(english in refused.text for english in PYDANTIC)


def test_an_uploaded_rows_schema_problems_read_in_chinese(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    login(client, "bj-samr", people.password)
    token = _csrf(client.get("/credit/agency").text)
    content = (
        "kind,uscc,subject_name,document_number,title,legal_basis,content,decision_date\n"
        f"penalty,{HE_CO},示例,{'D' * 121},t,,c,2026-10-01\n"
    ).encode()
    pages = {
        lang: client.post(
            "/credit/agency/upload",
            data={"csrf_token": token},
            files={"file": ("r.csv", content, "text/csv")},
            headers={"Accept-Language": lang},
        )
        for lang in ("zh-CN", "en")
    }
    assert {p.status_code for p in pages.values()} == {422}
    zh = pages["zh-CN"].text
    assert 'data-row="2" data-column="legal_basis"' in zh and "此项为必填项" in zh
    assert 'data-row="2" data-column="document_number"' in zh and "最多 120 个字符" in zh
    assert not any(english in zh for english in PYDANTIC)
    assert "this field is required" in pages["en"].text
    assert "at most 120 characters" in pages["en"].text
    api = client.post(
        "/api/v1/credit/records/upload",
        files={"file": ("r.csv", content, "text/csv")},
        headers=people.headers(session_factory, "bj-samr"),
    )
    assert api.status_code == 422
    reasons = {e["column"]: e["msg"] for e in api.json()["errors"]}
    assert reasons["legal_basis"] == "this field is required"
    assert reasons["document_number"] == "at most 120 characters"


def test_an_upload_with_a_wrong_header_says_so_in_chinese(
    client: TestClient, people: People
) -> None:
    """Found by trying the demo: the summary above the problems stayed English on a zh page."""
    login(client, "he-samr", people.password)
    token = _csrf(client.get("/credit/agency").text)
    pages = {
        lang: client.post(
            "/credit/agency/upload",
            data={"csrf_token": token},
            files={"file": ("r.csv", b"foo,bar,baz\n1,2,3\n", "text/csv")},
            headers={"Accept-Language": lang},
        )
        for lang in ("zh-CN", "en")
    }
    assert {p.status_code for p in pages.values()} == {422}
    zh = pages["zh-CN"].text
    assert "表头行与规定的列不符" in zh
    assert "the header row does not match the columns" not in zh
    assert "the header row does not match the columns" in pages["en"].text
