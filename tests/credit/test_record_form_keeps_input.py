"""Found in a review: a refused record form came back with the text inputs filled, but the
severity select, the ticked measures and "publish at once" lost what the user chose. Every field
of the form now shows what was sent (both databases)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.models import CreditRecord
from tests.conftest import People, csrf_from, login
from tests.credit.form_support import form_values
from tests.credit.records_support import HE_CO, ID_NUMBER

FORM = "credit-record-form"


def _sent() -> dict[str, list[str]]:
    """A value for every field of the form (the decision date in the future: refused)."""
    return {
        "kind": ["black_list"],
        "uscc": [HE_CO],
        "subject_name": ["保留示例化工有限公司（虚构）"],
        "legal_representative": ["赵六"],
        "id_type": ["resident_id_card"],
        "id_number": [ID_NUMBER],
        "document_number": ["冀黑-保留-1"],
        "title": ["严重失信 <b>示例</b>"],
        "legal_basis": ["示例依据"],
        "content": ["示例内容"],
        "severity": ["serious"],
        "fine_10k_cny": ["3.5"],
        "decision_date": ["2099-01-02"],
        "measures": ["B01_PROCUREMENT_BAN", "B03_STRICT_INSPECTION"],
        "publish": ["on"],
    }


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_refused_form_keeps_every_field_as_sent(
    client: TestClient, people: People, session_factory: sessionmaker[Session], lang: str
) -> None:
    login(client, "he-samr", people.password)
    headers = {"accept-language": lang}
    token = csrf_from(client.get("/credit/agency", headers=headers).text)
    sent = _sent()
    refused = client.post(
        "/credit/agency/records", data={"csrf_token": token, **sent}, headers=headers
    )
    assert refused.status_code == 422, refused.text
    assert 'data-field="decision_date"' in refused.text
    shown = form_values(refused.text, FORM)
    shown.pop("csrf_token")
    assert shown == sent
    assert "<b>示例</b>" not in refused.text  # the title is escaped where it is shown again
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(CreditRecord)) == 0


def test_a_refused_form_keeps_an_ordinary_severity_and_no_measures(
    client: TestClient, people: People
) -> None:
    login(client, "he-samr", people.password)
    token = csrf_from(client.get("/credit/agency").text)
    sent = {
        **_sent(),
        "kind": ["penalty"],
        "severity": ["ordinary"],
        "measures": [],
        "publish": [],
    }
    refused = client.post("/credit/agency/records", data={"csrf_token": token, **sent})
    assert refused.status_code == 422, refused.text
    shown = form_values(refused.text, FORM)
    assert shown["severity"] == ["ordinary"] and shown["kind"] == ["penalty"]
    assert "measures" not in shown and "publish" not in shown


def test_the_empty_form_selects_and_ticks_nothing(client: TestClient, people: People) -> None:
    login(client, "he-samr", people.password)
    shown = form_values(client.get("/credit/agency").text, FORM)
    assert shown["severity"] == [""] and shown["id_type"] == [""]
    assert "measures" not in shown and "publish" not in shown
