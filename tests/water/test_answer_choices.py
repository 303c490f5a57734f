"""Found in a review: the consultation's answer form refused an answer that was neither of its
buttons by naming the choices' keys (``'agree'``, ``'propose'``). The buttons and the refusal
name the choices by their labels, in the reader's language (both databases)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People, csrf_from, login
from tests.water.incident_support import CROSS, MORNING, build_network, record

ZH = {"accept-language": "zh-CN"}
EN = {"accept-language": "en"}
LABELS = {
    "zh-CN": ("您的意见", "同意", "提出建议（请写明内容）"),
    "en": ("Your answer", "Agree", "Propose (say what)"),
}


@pytest.fixture
def consulting(app: FastAPI, session_factory: sessionmaker[Session], people: People) -> int:
    """An incident whose consultation the office opened (Hebei is concerned)."""
    build_network(session_factory, people)
    (incident_id,) = record(session_factory, people["bj-env"], CROSS, MORNING, {"nh3n": 1.8})
    office = TestClient(app)
    login(office, "office", people.password)
    page = office.get(f"/water/incidents/{incident_id}")
    started = office.post(
        f"/water/incidents/{incident_id}/consultation",
        data={"csrf_token": csrf_from(page.text), "text": "请会商处置方案"},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    return incident_id


def _between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_answer_choices_read_as_labels(
    app: FastAPI, people: People, consulting: int, lang: str
) -> None:
    headers = {"accept-language": lang}
    field, agree, propose = LABELS[lang]
    hebei = TestClient(app)
    login(hebei, "he-env", people.password)
    page = hebei.get(f"/water/incidents/{consulting}", headers=headers)
    form = _between(page.text, 'data-testid="answer-form"', "</form>")
    assert f'value="agree" data-testid="answer-agree">{agree}</button>' in form
    assert f'data-testid="answer-propose">{propose}</button>' in form

    for bad in ("", "maybe"):
        refused = hebei.post(
            f"/water/incidents/{consulting}/answer",
            data={"csrf_token": csrf_from(page.text), "answer": bad, "text": "x"},
            headers={**headers, "HX-Request": "true"},
        )
        assert refused.status_code == 422
        problems = _between(refused.text, 'data-testid="incident-errors"', "</ul>")
        assert field in problems and agree in problems and propose in problems, problems
        assert "agree" not in problems and "propose" not in problems, problems
        assert "answer" not in problems.replace("Your answer", ""), problems

    agreed = hebei.post(
        f"/water/incidents/{consulting}/answer",
        data={"csrf_token": csrf_from(page.text), "answer": "agree", "text": ""},
        headers=headers,
        follow_redirects=False,
    )
    assert agreed.status_code == 303, agreed.text
