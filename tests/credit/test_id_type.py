"""The identity document's type (``details.id_type``): a closed list, paired with the number,
a resident identity card's number checked (GB 11643, ISO 7064 MOD 11-2), on the record form
with translated labels, and never public (both databases)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.credit import labels as credit_labels
from jingjinji.credit.kernels.identity import ID_TYPES, check_id_card, synthetic_id_card
from jingjinji.credit.models import CreditRecord
from tests.conftest import People, csrf_from, login
from tests.credit.records_support import HE_CO, ID_NUMBER, id_card_number, record_in

API = "/api/v1/credit/records"
# synthetic first 17 digits (address code 99: no province has it)
FIRST17 = ["99000019900101123", "99000020000229001", "99010519751231998", "99000019660606066"]


def _wrong_check(number: str) -> str:
    return number[:-1] + next(c for c in "0123456789X" if c != number[-1])


# ---------------------------------------------------------------------- the check digit


@pytest.mark.parametrize("first17", FIRST17)
def test_numbers_with_their_check_character_pass(first17: str) -> None:
    assert check_id_card(id_card_number(first17)).valid


def test_an_x_check_character_passes_and_every_wrong_one_fails() -> None:
    # a number whose check character is X, found among synthetic ones
    with_x = next(
        n for n in (id_card_number(f"9900001990010{i:04d}") for i in range(100)) if n[-1] == "X"
    )
    assert check_id_card(with_x).valid
    for number in [with_x, *map(id_card_number, FIRST17)]:
        for wrong in "0123456789X".replace(number[-1], ""):
            check = check_id_card(number[:-1] + wrong)
            assert (check.reason_code, check.position, check.expected) == (
                "check",
                18,
                number[-1],
            )


def test_structure_problems() -> None:
    number = id_card_number(FIRST17[0])
    assert check_id_card(number[:-1]).reason_code == "length"
    assert check_id_card(number + "1").reason_code == "length"
    assert check_id_card(" " + number[1:]).reason_code == "character"
    assert (check_id_card(number[:5] + "A" + number[6:]).position) == 6
    assert check_id_card(number[:-1] + "Y").reason_code == "character"
    with_x = next(
        n for n in (id_card_number(f"9900001990010{i:04d}") for i in range(100)) if n[-1] == "X"
    )
    lower = check_id_card(with_x[:-1] + "x")
    assert (lower.reason_code, lower.expected) == ("lower_case", "X")


def test_synthetic_numbers_pass_and_every_type_has_a_label() -> None:
    assert check_id_card(synthetic_id_card("19800101", 7)).valid
    assert synthetic_id_card("19800101", 7) == id_card_number("99000019800101007")
    assert tuple(credit_labels.ID_TYPES) == ID_TYPES


# ---------------------------------------------------------------------- the API


def _body(**details: str) -> dict[str, Any]:
    body = record_in().model_dump(mode="json", exclude_none=True)
    body["details"] = {"legal_representative": "张三", **details}
    return body


@pytest.mark.parametrize(
    ("details", "loc", "words"),
    [
        ({"id_type": "身份证", "id_number": ID_NUMBER}, "id_type", "unknown ID type"),
        ({"id_type": "driving_licence", "id_number": "X1"}, "id_type", "unknown ID type"),
        ({"id_type": " passport", "id_number": "X1"}, "id_type", "unknown ID type"),
        ({"id_number": ID_NUMBER}, "id_type", "needs its ID type"),
        ({"id_type": "passport"}, "id_number", "needs its ID number"),
        ({"id_type": "passport", "id_number": "  "}, "id_number", "needs its ID number"),
        ({"id_type": "resident_id_card", "id_number": ID_NUMBER[:-1]}, "id_number", "18 chara"),
        (
            {"id_type": "resident_id_card", "id_number": _wrong_check(ID_NUMBER)},
            "id_number",
            f"expected '{ID_NUMBER[-1]}'",
        ),
    ],
)
def test_the_api_refuses_a_bad_identity_document_naming_the_field(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    details: dict[str, str],
    loc: str,
    words: str,
) -> None:
    headers = people.headers(session_factory, "bj-samr")
    refused = client.post(API, json=_body(**details), headers=headers)
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [e["loc"] for e in errors] == [["body", "details", loc]], errors
    assert words in errors[0]["msg"]
    with session_factory() as s:
        assert s.scalar(select(CreditRecord)) is None


@pytest.mark.parametrize(
    "details",
    [
        {"id_type": "resident_id_card", "id_number": ID_NUMBER},
        {"id_type": "passport", "id_number": "E12345678"},
        {"id_type": "hk_macao_permit", "id_number": "H1234567800"},
        {"id_type": "other", "id_number": "示例-1"},
        {},  # neither: the document is optional
    ],
)
def test_the_api_stores_a_good_identity_document(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    details: dict[str, str],
) -> None:
    headers = people.headers(session_factory, "bj-samr")
    made = client.post(API, json=_body(**details), headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["details"] == {"legal_representative": "张三", **details}


def test_id_type_is_as_private_as_id_number(
    app: FastAPI, client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    own = people.headers(session_factory, "bj-samr")
    body = _body(id_type="passport", id_number="E98765432")
    record_id = client.post(API, json={**body, "publish": True}, headers=own).json()["id"]
    seen = client.get(f"{API}/{record_id}", headers=own).json()["details"]
    assert seen["id_type"] == "passport" and seen["id_number"] == "E98765432"
    public = TestClient(app)
    other = people.headers(session_factory, "tj-samr")
    for answer in (
        public.get(f"{API}/{record_id}").json(),
        client.get(f"{API}/{record_id}", headers=other).json(),
    ):
        assert answer["details"] == {"legal_representative": "张三"}
    uscc = body["uscc"]
    for text in (
        public.get(f"/credit/subjects/{uscc}").text,
        public.get(f"/api/v1/credit/public/subjects/{uscc}").text,
    ):
        assert "passport" not in text and "E98765432" not in text and "护照" not in text


# ---------------------------------------------------------------------- the form


def _form(token: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "kind": "black_list",
        "uscc": HE_CO,
        "subject_name": "证件示例化工有限公司（虚构）",
        "document_number": "冀黑-证件-1",
        "title": "严重失信",
        "legal_basis": "示例",
        "decision_date": "2026-11-02",
        "measures": "B01_PROCUREMENT_BAN",
        "legal_representative": "赵六",
        **extra,
    }


def _record_form(page: str) -> str:
    return page.split('data-testid="credit-record-form"', 1)[1].split("</form>", 1)[0]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh-CN", ("证件类型", "居民身份证", "护照", "港澳居民来往内地通行证")),
        ("en", ("ID type", "Resident identity card", "Passport", "Taiwan residents")),
    ],
)
def test_the_form_offers_the_types_by_their_labels(
    client: TestClient, people: People, lang: str, words: tuple[str, ...]
) -> None:
    login(client, "he-samr", people.password)
    form = _record_form(client.get("/credit/agency", headers={"accept-language": lang}).text)
    select_ = form.split('<select name="id_type"', 1)[1].split("</select>", 1)[0]
    assert [v.split('"', 1)[0] for v in select_.split('value="')[1:]] == ["", *ID_TYPES]
    assert all(w in form for w in words), (lang, words)
    # next to the number
    assert form.index('name="id_type"') < form.index('name="id_number"')


def test_the_form_stores_the_type(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    login(client, "he-samr", people.password)
    token = csrf_from(client.get("/credit/agency").text)
    made = client.post(
        "/credit/agency/records",
        data=_form(token, id_type="taiwan_permit", id_number="01234567"),
    )
    assert made.status_code == 200 and 'data-testid="record-created"' in made.text
    with session_factory() as s:
        stored = s.scalar(select(CreditRecord).where(CreditRecord.document_number == "冀黑-证件-1"))
    assert stored is not None
    assert stored.details["id_type"] == "taiwan_permit"
    assert stored.details["id_number"] == "01234567"
    # the desk's list shows the type to the agency, by its label
    page = client.get("/credit/agency", headers={"accept-language": "zh-CN"}).text
    lists = page.split('data-testid="credit-lists"', 1)[1]
    assert "台湾居民来往大陆通行证" in lists


@pytest.mark.parametrize(
    ("lang", "fields", "column", "reason"),
    [
        (
            "zh-CN",
            {"id_type": "resident_id_card", "id_number": _wrong_check(ID_NUMBER)},
            "id_number",
            "校验码",
        ),
        ("en", {"id_type": "resident_id_card", "id_number": ID_NUMBER + "0"}, "id_number", "18"),
        ("zh-CN", {"id_number": ID_NUMBER}, "id_type", "须选择证件类型"),
        ("en", {"id_type": "passport"}, "id_number", "needs its ID number"),
    ],
)
def test_a_refused_form_keeps_the_values_and_shows_the_problem_at_the_field(
    client: TestClient,
    people: People,
    session_factory: sessionmaker[Session],
    lang: str,
    fields: dict[str, str],
    column: str,
    reason: str,
) -> None:
    login(client, "he-samr", people.password)
    headers = {"accept-language": lang}
    token = csrf_from(client.get("/credit/agency", headers=headers).text)
    refused = client.post("/credit/agency/records", data=_form(token, **fields), headers=headers)
    assert refused.status_code == 422, refused.text
    form = _record_form(refused.text)
    at_field = form.split(f'data-field="{column}">', 1)[1].split("</span>", 1)[0]
    assert reason in at_field, at_field
    select_ = form.split('<select name="id_type"', 1)[1].split("</select>", 1)[0]
    if "id_type" in fields:
        assert f'value="{fields["id_type"]}" selected' in select_
    else:
        assert " selected" not in select_
    assert f'value="{fields.get("id_number", "")}"' in form.split('name="id_number"', 1)[1]
    with session_factory() as s:
        assert s.scalar(select(CreditRecord)) is None
