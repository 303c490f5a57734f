"""Found in a user trial: a refused incident step (a measure, an answer) named its text field
``text``; it is named by the label of that step's form, in the reader's language (both
databases)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People, csrf_from, login
from tests.water.incident_support import CROSS, MORNING, build_network, record

ZH = {"accept-language": "zh-CN"}
EN = {"accept-language": "en"}


@pytest.fixture
def opened(session_factory: sessionmaker[Session], people: People) -> int:
    build_network(session_factory, people)
    (incident_id,) = record(session_factory, people["bj-env"], CROSS, MORNING, {"nh3n": 1.8})
    return incident_id


def _as(app: FastAPI, username: str, people: People) -> TestClient:
    client = TestClient(app)
    login(client, username, people.password)
    return client


def _problems(html: str) -> str:
    return html.split('data-testid="incident-errors"', 1)[1].split("</ul>", 1)[0]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [(ZH, "已采取的措施：不得为空"), (EN, "Measure taken: must not be blank")],
)
def test_a_blank_measure_is_named_by_its_label(
    app: FastAPI, people: People, opened: int, headers: dict[str, str], expected: str
) -> None:
    client = _as(app, "bj-env", people)
    page = client.get(f"/water/incidents/{opened}", headers=headers)
    assert 'data-testid="measure-form"' in page.text
    answer = client.post(
        f"/water/incidents/{opened}/measure",
        data={"csrf_token": csrf_from(page.text), "text": "   "},
        headers=headers,
    )
    assert answer.status_code == 422
    problems = _problems(answer.text)
    assert expected in problems
    assert "text" not in problems


def test_a_proposal_without_text_is_named_by_the_answer_forms_label(
    app: FastAPI, people: People, opened: int
) -> None:
    office = _as(app, "office", people)
    page = office.get(f"/water/incidents/{opened}", headers=ZH)
    started = office.post(
        f"/water/incidents/{opened}/consultation",
        data={"csrf_token": csrf_from(page.text), "text": "请会商处置方案"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    hebei = _as(app, "he-env", people)
    page = hebei.get(f"/water/incidents/{opened}", headers=ZH)
    assert 'data-testid="answer-form"' in page.text
    answer = hebei.post(
        f"/water/incidents/{opened}/answer",
        data={"csrf_token": csrf_from(page.text), "answer": "propose", "text": ""},
        headers=ZH,
    )
    assert answer.status_code == 422
    problems = _problems(answer.text)
    assert "您的意见：" in problems
    assert "text" not in problems
