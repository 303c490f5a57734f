"""Found in a review: a record whose ID type was stored as free text before the closed list
(``kernels/identity.py``) was refused when revised with a bare "unknown ID type". The rule
(docs/credit.md): a revision that keeps the legacy value is refused on ``id_type`` naming the
stored value as legacy, the listed types and, when the value names one beyond doubt, that one;
the record page shows the stored value and preselects that type for the writer to confirm; a
new record's unknown type is refused as before (both databases).

Legacy values cannot be written through the services any more, so the tests write one into a
record's details as the records of before the list hold them."""

from __future__ import annotations

import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit.kernels.identity import ID_TYPES, listed_type_for
from jingjinji.credit.models import CreditRecord
from jingjinji.credit.service import records
from tests.conftest import People, login
from tests.credit.form_support import form_values
from tests.credit.records_support import HE_CO, ID_NUMBER, record_in

API = "/api/v1/credit/records"
PAGE = "/credit/agency/records/{}"


@pytest.mark.parametrize(
    ("legacy", "listed"),
    [
        ("身份证", "resident_id_card"),
        (" 居民身份证 ", "resident_id_card"),
        ("Resident  Identity Card", "resident_id_card"),
        ("Passport", "passport"),
        ("护照", "passport"),
        ("台胞证", "taiwan_permit"),
        ("港澳通行证", "hk_macao_permit"),
        ("驾驶证", None),
        ("证件", None),
        ("", None),
    ],
)
def test_a_legacy_name_maps_only_when_it_names_one_type(legacy: str, listed: str | None) -> None:
    assert listed_type_for(legacy) == listed
    assert listed is None or listed in ID_TYPES


def _legacy_record(factory: sessionmaker[Session], people: People, id_type: str) -> int:
    with factory() as s:
        record = records.create_record(
            s, actor=people["he-samr"], data=record_in(uscc=HE_CO, publish=True)
        )
        s.flush()
        # as stored before the closed list
        record.details = {**record.details, "id_type": id_type}
        s.commit()
        return record.id


@pytest.mark.parametrize(
    ("legacy", "hint"),
    [("身份证", "(resident_id_card matches it)"), ("驾驶证", "choose one of resident_id_card")],
)
def test_the_api_names_a_kept_legacy_type_on_id_type(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    legacy: str,
    hint: str,
) -> None:
    _legacy_record(session_factory, people, legacy)
    headers = people.headers(session_factory, "he-samr")
    body = record_in(uscc=HE_CO, content="罚款人民币1万元").model_dump(mode="json")
    body["details"]["id_type"] = legacy
    refused = client.post(API, json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [e["loc"] for e in errors] == [["body", "details", "id_type"]]
    assert f"the stored ID type {legacy!r} is free text from before the list" in errors[0]["msg"]
    assert hint in errors[0]["msg"]
    # choosing a listed type revises it
    body["details"]["id_type"] = "resident_id_card"
    assert client.post(API, json=body, headers=headers).status_code == 201
    with session_factory() as s:
        stored = s.scalars(select(CreditRecord)).one()
        assert stored.details["id_type"] == "resident_id_card" and stored.revision == 2


def test_a_new_records_unknown_type_is_refused_as_before(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    _legacy_record(session_factory, people, "身份证")
    body = record_in(uscc=HE_CO, document_number="另一文书").model_dump(mode="json")
    body["details"]["id_type"] = "身份证"
    refused = client.post(API, json=body, headers=people.headers(session_factory, "he-samr"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["msg"].startswith("unknown ID type '身份证'")


def test_the_page_preselects_the_type_a_legacy_value_names(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    record_id = _legacy_record(session_factory, people, "身份证")
    login(client, "he-samr", people.password)
    page = client.get(PAGE.format(record_id), headers={"accept-language": "zh-CN"}).text
    assert 'data-testid="legacy-id-type"' in page and "不在证件类型清单内" in page
    note = page.split('data-testid="legacy-id-type-note">', 1)[1].split("</span>", 1)[0]
    assert "身份证" in note and "核对" in note
    sent = form_values(page, "record-revise-form")
    assert sent["id_type"] == ["resident_id_card"] and sent["id_number"] == [ID_NUMBER]
    stored = client.post(f"{PAGE.format(record_id)}/revise", data=sent, follow_redirects=False)
    assert stored.status_code == 303
    with session_factory() as s:
        record = s.get(CreditRecord, record_id)
        assert record is not None
        assert record.details["id_type"] == "resident_id_card" and record.revision == 2


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh-CN", ("驾驶证", "自由文本", "请从")), ("en", ("'驾驶证'", "free text", "choose one of"))],
)
def test_the_page_asks_for_a_type_when_the_legacy_value_names_none(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    lang: str,
    words: tuple[str, ...],
) -> None:
    record_id = _legacy_record(session_factory, people, "驾驶证")
    login(client, "he-samr", people.password)
    headers = {"accept-language": lang}
    page = client.get(PAGE.format(record_id), headers=headers).text
    sent = form_values(page, "record-revise-form")
    assert sent["id_type"] == [""]  # nothing chosen for the writer
    refused = client.post(f"{PAGE.format(record_id)}/revise", data=sent, headers=headers)
    assert refused.status_code == 422
    at_field = html.unescape(
        refused.text.split('data-field="id_type">', 1)[1].split("</span>", 1)[0]
    )
    assert all(w in at_field for w in words), at_field
    with session_factory() as s:
        record = s.get(CreditRecord, record_id)
        assert record is not None and record.revision == 1
        assert record.details["id_type"] == "驾驶证"


def test_a_batch_names_a_kept_legacy_type_at_its_row(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    _legacy_record(session_factory, people, "护照")
    body = record_in(uscc=HE_CO, content="罚款人民币1万元").model_dump(mode="json")
    body["details"]["id_type"] = "护照"
    other = record_in(uscc=HE_CO, document_number="新文书").model_dump(mode="json")
    refused = client.post(
        f"{API}/batch",
        json={"records": [other, body]},
        headers=people.headers(session_factory, "he-samr"),
    )
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [e["loc"] for e in errors] == [["records", 2, "id_type"]], errors
    assert "(passport matches it)" in errors[0]["msg"]
