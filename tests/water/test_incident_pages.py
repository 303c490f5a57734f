"""The incident pages: the waiting notices with deadlines, the incident page with the forms the
user may use, htmx steps answering the body fragment (refusals shown with their status), the
report form, outsiders' 404, and both languages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People, csrf_from, login
from tests.water.incident_support import CROSS, MORNING, build_network, record

HX = {"HX-Request": "true", "HX-Target": "incident-body"}


@pytest.fixture
def opened(session_factory: sessionmaker[Session], people: People) -> int:
    build_network(session_factory, people)
    (incident_id,) = record(session_factory, people["bj-env"], CROSS, MORNING, {"nh3n": 1.8})
    return incident_id


def test_list_shows_the_waiting_notice_and_the_incident(
    client: TestClient, people: People, opened: int
) -> None:
    login(client, "he-env", people.password)
    page = client.get("/water/incidents")
    assert page.status_code == 200
    assert 'data-testid="my-notices"' in page.text and f"incident-row-{opened}" in page.text
    assert "待您确认的通报" in page.text and "确认时限" in page.text  # Chinese by default
    en = client.get("/water/incidents?lang=en")
    assert "Notices waiting for you" in en.text and "Acknowledge by" in en.text
    assert en.text.count("UTC+8") == 1  # the zone is named once


def test_outsiders_get_a_404_page(client: TestClient, people: People, opened: int) -> None:
    login(client, "tj-env", people.password)
    assert client.get(f"/water/incidents/{opened}").status_code == 404
    assert f"incident-row-{opened}" not in client.get("/water/incidents").text


def test_steps_through_htmx_answer_the_body_and_show_refusals(
    client: TestClient, people: People, opened: int
) -> None:
    login(client, "he-env", people.password)
    page = client.get(f"/water/incidents/{opened}")
    assert 'data-testid="acknowledge"' in page.text
    assert 'data-testid="close-incident"' not in page.text  # Hebei does not monitor the section
    token = csrf_from(page.text)
    done = client.post(
        f"/water/incidents/{opened}/acknowledge", data={"csrf_token": token}, headers=HX
    )
    assert done.status_code == 200 and 'id="incident-body"' in done.text
    assert "<html" not in done.text and 'data-testid="acknowledge"' not in done.text
    again = client.post(
        f"/water/incidents/{opened}/acknowledge", data={"csrf_token": token}, headers=HX
    )
    assert again.status_code == 409 and 'data-testid="incident-errors"' in again.text
    refused = client.post(
        f"/water/incidents/{opened}/close",
        data={"csrf_token": token, "closure_report": "x"},
        headers=HX,
    )
    assert refused.status_code == 403 and "incident-errors" in refused.text
    bad = client.post(
        f"/water/incidents/{opened}/sampling",
        data={"csrf_token": token, "sampled_at": "2026-06-10T15:00", "values": "nh3n=abc"},
        headers=HX,
    )
    assert bad.status_code == 422 and "values" in bad.text
    plain = client.post(
        f"/water/incidents/{opened}/sampling",
        data={"csrf_token": token, "sampled_at": "2026-06-10T15:00", "values": "nh3n=2.0, cod=25"},
        follow_redirects=False,
    )
    assert plain.status_code == 303
    shown = client.get(f"/water/incidents/{opened}").text
    # Items by their names in the reader's language (this client reads Chinese).
    assert "氨氮 2.0" in shown and 'data-testid="step-sampling"' in shown


def test_report_form(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    build_network(session_factory, people)
    login(client, "bj-env", people.password)
    form = client.get("/water/incidents/new")
    assert form.status_code == 200 and CROSS in form.text
    token = csrf_from(form.text)
    fields = {
        "csrf_token": token,
        "section_code": CROSS,
        "summary": "Dead fish at the border",
        "severity": "serious",
        "observed_at": "2026-06-11T09:30",
        "location": "Left bank",
        "estimated_amount": "",
    }
    blank = client.post("/water/incidents/new", data={**fields, "summary": " "})
    assert blank.status_code == 422 and "summary" in blank.text
    made = client.post("/water/incidents/new", data=fields, follow_redirects=False)
    assert made.status_code == 303
    page = client.get(made.headers["location"])
    assert "Dead fish at the border" in page.text and "2026-06-11 09:30" in page.text


def test_a_detected_incident_reads_in_the_readers_language(
    client: TestClient, people: People, opened: int
) -> None:
    login(client, "he-env", people.password)
    zh = client.get(f"/water/incidents/{opened}").text
    # NH3-N 1.8 is class V against the class III target: names, classes and places in Chinese,
    # not the English summary the service keeps for the API and the audit trail.
    assert "氨氮 1.8 (V)" in zh and "目标类别 III" in zh
    assert "河北省" in zh and "北京市" in zh and "class 5 against" not in zh
    en = client.get(f"/water/incidents/{opened}?lang=en").text
    assert "Ammonia nitrogen 1.8 (V)" in en and "Hebei" in en
