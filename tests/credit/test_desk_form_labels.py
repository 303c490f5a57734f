"""Found in a user trial: the agency desks' answer forms (objection answer, repair decision,
commitment outcome) named a refused field by its key (``answer``, ``outcome``); they name it by
its label on the form, in the reader's language. An objection answered with only spaces is
refused: 422 naming ``body.answer``, on the page in the form's problems, on the audit record
(both databases)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.credit.models import CreditObjection
from tests.conftest import People, login
from tests.credit.services_support import make_record

ZH = {"accept-language": "zh-CN"}
EN = {"accept-language": "en"}
OBJECTIONS = "/api/v1/credit/objections"


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _objection(client: TestClient, session: Session, people: People) -> int:
    record = make_record(session, people["tj-samr"])
    made = client.post(
        OBJECTIONS,
        json={
            "record_id": record.id,
            "objector_name": "王五",
            "objector_contact": "wangwu@example.invalid",
            "reason": "罚款金额有误",
        },
    )
    assert made.status_code == 201, made.text
    objection_id: int = made.json()["id"]
    return objection_id


def _refused_answers(session: Session) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "credit.objection.answer", AuditEntry.outcome == "refused"
            )
        )
    )


def test_an_answer_of_spaces_is_refused_by_the_api_on_the_record(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], people: People
) -> None:
    objection_id = _objection(client, session, people)
    tj = people.headers(session_factory, "tj-samr")
    refused = client.post(
        f"{OBJECTIONS}/{objection_id}/answer",
        json={"outcome": "upheld", "answer": "   "},
        headers=tj,
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in refused.json()["errors"]] == [["body", "answer"]]
    [entry] = _refused_answers(session)
    assert entry.object_id == str(objection_id) and entry.actor_username == "tj-samr"
    assert json.loads(entry.detail_json)["outcome"] == "upheld"
    assert session.get(CreditObjection, objection_id).status == "pending"  # type: ignore[union-attr]
    answered = client.post(
        f"{OBJECTIONS}/{objection_id}/answer",
        json={"outcome": "upheld", "answer": "经复核，处罚正确。"},
        headers=tj,
    )
    assert answered.status_code == 200, answered.text


@pytest.mark.parametrize(
    ("headers", "expected"),
    [(ZH, "答复：不得为空"), (EN, "Answer: must not be blank")],
)
def test_an_answer_of_spaces_is_named_by_its_label_on_the_desk(
    client: TestClient,
    session: Session,
    people: People,
    headers: dict[str, str],
    expected: str,
) -> None:
    objection_id = _objection(client, session, people)
    login(client, "tj-samr", people.password)
    desk = client.get("/credit/desk/objections", headers=headers)
    answer = client.post(
        f"/credit/desk/objections/{objection_id}/answer",
        data={"csrf_token": _csrf(desk.text), "outcome": "upheld", "answer": "   "},
        headers=headers,
    )
    assert answer.status_code == 422
    assert expected in answer.text
    assert len(_refused_answers(session)) == 1


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        (
            "/credit/desk/objections/{id}/answer",
            {"outcome": "", "answer": ""},
            ("结果：不是允许的取值之一", "答复：不得为空"),
        ),
        (
            "/credit/desk/objections/{id}/answer",
            {"outcome": "corrected", "answer": "ok", "corrected_content": "x" * 10_001},
            ("更正后的内容（可选：以新版本替换而非撤下）：",),
        ),
        ("/credit/desk/repairs/{id}/decide", {"outcome": "maybe"}, ("结果：不是允许的取值之一",)),
        (
            "/credit/desk/commitments/{id}/outcome",
            {"outcome": "maybe", "note": "x"},
            ("结果：不是允许的取值之一",),
        ),
    ],
)
def test_the_desks_name_a_refused_field_by_its_label_in_chinese(
    client: TestClient,
    session: Session,
    people: People,
    path: str,
    data: dict[str, str],
    expected: tuple[str, ...],
) -> None:
    objection_id = _objection(client, session, people)
    login(client, "tj-samr", people.password)
    desk = client.get("/credit/desk/objections", headers=ZH)
    answer = client.post(
        path.format(id=objection_id),
        data={"csrf_token": _csrf(desk.text), **data},
        headers=ZH,
    )
    assert answer.status_code == 422, answer.text
    problems = answer.text.split('role="alert"', 1)[1].split("</ul>", 1)[0]
    for text in expected:
        assert text in problems
    for key in ("outcome", "answer", "correction", "note"):
        assert f"{key}：" not in problems and f"{key}:" not in problems
