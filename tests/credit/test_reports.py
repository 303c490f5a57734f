"""Signed credit reports: issued in JSON and PDF, in Chinese and English, stored, verifiable;
refused without a key; a tampered payload, a tampered PDF attachment, an unknown key and a bad
signature are told apart."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.audit import keys as audit_keys
from jingjinji.audit.models import AuditEntry
from jingjinji.credit.models import CreditReport
from jingjinji.credit.schemas.reports import SignedReport
from jingjinji.credit.service import reports
from jingjinji.timezone import china_today
from tests.credit.public_support import ID_NUMBER, REPRESENTATIVE, PublicData, configure_key

API = "/api/v1/credit"


def _issue(client: TestClient, uscc: str, **params: str) -> bytes:
    response = client.get(f"{API}/subjects/{uscc}/report", params=params)
    assert response.status_code == 200, response.text
    return response.content


def test_json_report_is_signed_stored_and_valid(
    client: TestClient, session: Session, public_data: PublicData, report_key: str
) -> None:
    body = _issue(client, public_data.uscc, format="json", lang="en")
    doc = json.loads(body)
    payload, signature = doc["payload"], doc["signature"]
    assert payload["format"] == reports.FORMAT
    assert payload["language"] == "en"
    assert payload["as_of"] == china_today().isoformat()
    assert payload["subject"]["uscc"] == public_data.uscc
    assert {r["id"] for r in payload["records"]} == {
        public_data.current_penalty,
        public_data.black_entry,
    }
    assert payload["list_status"]["status"] == "black"
    assert payload["risk_class"] is None  # anonymous: no class
    assert signature["key_id"] == report_key
    digest = hashlib.sha256(reports.canonical(payload)).hexdigest()
    assert signature["payload_sha256"] == digest
    stored = session.scalars(select(CreditReport)).one()
    assert stored.verification_code == payload["verification_code"]
    assert stored.payload_sha256 == digest and stored.key_id == report_key
    assert ID_NUMBER not in body.decode() and REPRESENTATIVE not in body.decode()
    result = reports.verify_document(body, session=session)
    assert result.valid and result.reason is None and result.checked_against_database
    issued = client.get(f"{API}/reports/{payload['verification_code'].lower()}").json()
    assert issued["payload_sha256"] == digest and issued["uscc"] == public_data.uscc
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "credit.report.issue"))
    assert [e.object_id for e in audit] == [payload["verification_code"]]


def test_report_at_an_earlier_date_and_bad_parameters(
    client: TestClient, public_data: PublicData, report_key: str
) -> None:
    yesterday = (china_today() - dt.timedelta(days=1)).isoformat()
    doc = json.loads(_issue(client, public_data.uscc, as_of=yesterday))
    assert doc["payload"]["as_of"] == yesterday and doc["payload"]["records"] == []
    assert doc["payload"]["language"] == "zh_CN"
    for params, loc in (
        ({"as_of": "2999-01-01"}, ["query", "as_of"]),
        ({"lang": "fr"}, ["query", "lang"]),
        ({"format": "docx"}, ["query", "format"]),
        ({"as_of": "0"}, ["query", "as_of"]),
    ):
        response = client.get(f"{API}/subjects/{public_data.uscc}/report", params=params)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["loc"] == loc
    assert client.get(f"{API}/subjects/91110000600037341L/report").status_code == 404
    assert client.get(f"{API}/reports/not-a-code").status_code == 422
    assert client.get(f"{API}/reports/AAAA-AAAA-AAAA-AAAA").status_code == 404


def test_pdf_in_both_languages_carries_the_signed_json(
    client: TestClient, session: Session, public_data: PublicData, report_key: str
) -> None:
    for lang in ("zh_CN", "en"):
        pdf = _issue(client, public_data.uscc, format="pdf", lang=lang)
        assert pdf.startswith(b"%PDF")
        doc = reports.read_document(pdf)
        assert doc["payload"]["language"] == lang
        assert reports.verify_document(pdf, session=session).valid


def test_document_html_is_in_the_report_language(
    session: Session, public_data: PublicData, report_key: str
) -> None:
    zh = reports.issue_report(session, actor=None, uscc=public_data.uscc, lang="zh-CN")
    en = reports.issue_report(session, actor=None, uscc=public_data.uscc, lang="en")
    zh_html, en_html = reports.render_html(zh), reports.render_html(en)
    assert "信用报告" in zh_html and "验证码" in zh_html
    assert "Credit report" in en_html and "Verification code" in en_html
    for report, html in ((zh, zh_html), (en, en_html)):
        assert report.payload.verification_code in html
        assert reports.fingerprint(report.signature.value) in html


def test_tampered_payload_byte_is_detected(
    client: TestClient, session: Session, public_data: PublicData, report_key: str
) -> None:
    body = _issue(client, public_data.uscc)
    doc = json.loads(body)
    name = doc["payload"]["subject"]["name"]
    tampered = body.replace(name.encode(), (name[:-1] + "X").encode())
    assert tampered != body
    result = reports.verify_document(tampered, session=session)
    assert not result.valid and result.reason_code == "tampered_payload"
    # Recomputing the hash does not help: the signature no longer matches.
    doc["payload"]["subject"]["name"] = "X"
    doc["signature"]["payload_sha256"] = hashlib.sha256(
        reports.canonical(doc["payload"])
    ).hexdigest()
    rehashed = reports.verify_document(json.dumps(doc).encode(), session=session)
    assert rehashed.reason_code == "bad_signature"


def test_tampered_pdf_attachment_is_detected(
    session: Session, public_data: PublicData, report_key: str
) -> None:
    report = reports.issue_report(session, actor=None, uscc=public_data.uscc, lang="en")
    session.commit()
    forged = SignedReport(
        payload=report.payload.model_copy(update={"records": []}), signature=report.signature
    )
    result = reports.verify_document(reports.render_pdf(forged), session=session)
    assert not result.valid and result.reason_code == "tampered_payload"
    genuine = reports.render_pdf(report)
    assert reports.verify_document(genuine, session=session).valid
    # A byte changed inside the compressed attachment: no readable report is left.
    attached = reports.document_bytes(report)
    assert attached not in genuine  # the attachment is compressed
    start = genuine.index(b"/EmbeddedFile")
    broken = bytearray(genuine)
    stream = genuine.index(b"stream", start) + 20
    broken[stream] ^= 0xFF
    assert not reports.verify_document(bytes(broken), session=session).valid


def test_unknown_key_and_unknown_code(
    session: Session, public_data: PublicData, report_key: str, tmp_path: Path
) -> None:
    report = reports.issue_report(session, actor=None, uscc=public_data.uscc)
    session.commit()
    body = reports.document_bytes(report)
    configure_key(tmp_path / "other-keys")  # another platform's keys
    result = reports.verify_document(body, session=session)
    assert not result.valid and result.reason_code == "unknown_key"
    assert report_key in (result.reason or "")
    # Signed by a trusted key, but never issued by this database.
    signer = audit_keys.directory_signer(tmp_path / "other-keys")
    assert signer is not None
    payload = report.payload.model_copy(update={"verification_code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    raw = reports.canonical(payload.model_dump(mode="json"))
    doc = {
        "payload": payload.model_dump(mode="json"),
        "signature": {
            "algorithm": "Ed25519",
            "key_id": signer.key_id,
            "payload_sha256": hashlib.sha256(raw).hexdigest(),
            "value": signer.sign(raw),
        },
    }
    foreign = json.dumps(doc).encode()
    assert reports.verify_document(foreign).valid  # the signature alone is good
    unknown = reports.verify_document(foreign, session=session)
    assert not unknown.valid and unknown.reason_code == "unknown_code"


def test_no_key_configured_refuses_clearly(
    client: TestClient, session: Session, public_data: PublicData
) -> None:
    response = client.get(f"{API}/subjects/{public_data.uscc}/report", params={"format": "pdf"})
    assert response.status_code == 503
    problem = response.json()
    assert "JJJ_AUDIT_KEY_DIR" in problem["detail"]
    assert "jjj audit keys generate" in problem["detail"]
    assert session.scalar(select(func.count()).select_from(CreditReport)) == 0
    refused = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "credit.report.issue", AuditEntry.outcome == "refused"
        )
    ).all()
    assert len(refused) == 1
    page = client.get(f"/credit/subjects/{public_data.uscc}/report", params={"format": "pdf"})
    assert page.status_code == 503 and "text/html" in page.headers["content-type"]


def test_verify_page_shows_what_was_issued(
    client: TestClient, public_data: PublicData, report_key: str
) -> None:
    doc = json.loads(_issue(client, public_data.uscc, lang="en"))
    code = doc["payload"]["verification_code"]
    page = client.get("/credit/verify", params={"code": code})
    assert page.status_code == 200
    assert doc["signature"]["payload_sha256"] in page.text
    assert client.get("/credit/verify", params={"code": "AAAA-AAAA-AAAA-AAAA"}).status_code == 404
    assert client.get("/credit/verify", params={"code": "nope"}).status_code == 422
    assert client.get("/credit/verify").status_code == 200
