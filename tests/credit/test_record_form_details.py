"""Found in a review: the agency's record form had no inputs for the legal representative and
the identity document's number, which a record carries in its ``details`` (the API and the
upload take them). The form files them, checked as the API checks them and shown escaped when
refused; the number is personal data, never on a public page (both databases)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.models import CreditRecord
from jingjinji.credit.schemas.records import DETAIL_LIMIT
from tests.conftest import People, csrf_from, login
from tests.credit.records_support import HE_CO
from tests.credit.records_support import OTHER_ID_NUMBER as ID_NUMBER

REPRESENTATIVE = "王五"
NAME = "表单示例化工有限公司（虚构）"


def _form(token: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "kind": "black_list",
        "uscc": HE_CO,
        "subject_name": NAME,
        "document_number": "冀黑-表单-1",
        "title": "严重失信",
        "legal_basis": "示例",
        "decision_date": "2026-11-02",
        "measures": "B01_PROCUREMENT_BAN",
        **extra,
    }


def test_the_form_has_inputs_for_the_representative_and_the_id_number(
    client: TestClient, people: People
) -> None:
    login(client, "he-samr", people.password)
    for lang, labels in (
        ("zh-CN", ("法定代表人", "证件号码")),
        ("en", ("Legal representative", "ID number")),
    ):
        page = client.get("/credit/agency", headers={"accept-language": lang}).text
        form = page.split('data-testid="credit-record-form"', 1)[1].split("</form>", 1)[0]
        assert 'name="legal_representative"' in form and 'name="id_number"' in form
        assert all(label in form for label in labels), (lang, labels)


def test_a_record_filed_through_the_form_keeps_them_and_publishes_neither_number(
    app: FastAPI, client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    login(client, "he-samr", people.password)
    token = csrf_from(client.get("/credit/agency").text)
    made = client.post(
        "/credit/agency/records",
        data=_form(
            token,
            legal_representative=REPRESENTATIVE,
            id_type="resident_id_card",
            id_number=f"  {ID_NUMBER} ",
        ),
    )
    assert made.status_code == 200, made.text
    assert 'data-testid="record-created"' in made.text
    with session_factory() as s:
        stored = s.scalar(select(CreditRecord).where(CreditRecord.document_number == "冀黑-表单-1"))
    assert stored is not None and stored.status == "published"
    assert stored.details == {
        "legal_representative": REPRESENTATIVE,
        "id_type": "resident_id_card",
        "id_number": ID_NUMBER,
    }

    public = TestClient(app)
    pages = [
        public.get(f"/credit/subjects/{HE_CO}").text,
        public.get("/credit", params={"q": NAME}).text,
        public.get(f"/api/v1/credit/public/subjects/{HE_CO}").text,
        public.get("/api/v1/credit/public/subjects", params={"q": NAME}).text,
    ]
    assert "冀黑-表单-1" in pages[0]  # the record is public: its number is not
    for text in pages:
        assert ID_NUMBER not in text


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_refused_form_names_the_field_and_shows_the_values_escaped(
    client: TestClient, people: People, session_factory: sessionmaker[Session], lang: str
) -> None:
    login(client, "he-samr", people.password)
    headers = {"accept-language": lang}
    token = csrf_from(client.get("/credit/agency", headers=headers).text)
    refused = client.post(
        "/credit/agency/records",
        data=_form(
            token,
            legal_representative='<script>alert("x")</script>',
            id_type="passport",
            id_number="1" * (DETAIL_LIMIT + 1),
        ),
        headers=headers,
    )
    assert refused.status_code == 422
    assert 'data-column="id_number"' in refused.text
    label = {"zh-CN": "证件号码", "en": "ID number"}[lang]
    row = refused.text.split('data-column="id_number"', 1)[1].split("</tr>", 1)[0]
    assert label in row, row
    assert '<script>alert("x")</script>' not in refused.text
    assert "&lt;script&gt;alert(" in refused.text  # given back to correct, as text
    with session_factory() as s:
        assert (
            s.scalar(select(CreditRecord).where(CreditRecord.document_number == "冀黑-表单-1"))
            is None
        )
