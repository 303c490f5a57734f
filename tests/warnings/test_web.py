"""API, live events (SSE) and pages in both languages, including the consultation walked
through the browser forms of the office and the three agencies."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.delivery import static_url
from jingjinji.security import SYSTEM_ACTOR
from jingjinji.warnings import service
from tests.conftest import People, login


def _proposed(session_factory: sessionmaker[Session], level: str = "orange") -> int:
    with session_factory() as s:
        w = service.propose(
            s,
            actor=SYSTEM_ACTOR,
            cities=["110000", "120000"],
            level=level,
            start=dt.date(2016, 12, 16),
            end=dt.date(2016, 12, 21),
            max_aqi=430,
            criteria_code="bth-2017",
            basis="forecast",
        )
        s.commit()
        return w.id


def _form_token(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_sse_emits_an_event_after_a_state_change(
    client: TestClient, session_factory: sessionmaker[Session], warn: People
) -> None:
    wid = _proposed(session_factory)
    with session_factory() as s:
        after = service.last_event_id(s)

    def change() -> None:
        time.sleep(0.6)
        with session_factory() as s:
            service.open_consultation(s, actor=warn["office"], warning_id=wid)
            s.commit()

    login(client, "bj-env", warn.password)  # proposals and consultations are not public
    worker = threading.Thread(target=change)
    worker.start()
    started = time.monotonic()
    with client.stream("GET", f"/api/v1/warnings/events?after={after}&lifetime=4") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())
    worker.join()
    assert time.monotonic() - started < 15
    assert "event: ready" in body
    blocks = [b for b in body.split("\n\n") if "event: warning" in b]
    assert len(blocks) == 1, body
    assert '"event_type": "consultation_opened"' in blocks[0]
    assert f'"warning_id": {wid}' in blocks[0]
    # resuming from the last id (as EventSource does) sends nothing old again
    last_id = int(blocks[0].split("id: ", 1)[1].split("\n", 1)[0])
    again = client.get(
        "/api/v1/warnings/events?lifetime=1", headers={"Last-Event-ID": str(last_id)}
    )
    assert "event: warning" not in again.text


def test_public_sees_only_issued_warnings_and_public_steps(
    client: TestClient, session_factory: sessionmaker[Session], warn: People
) -> None:
    wid = _proposed(session_factory)
    with session_factory() as s:
        start = service.last_event_id(s) - 1
    assert client.get(f"/api/v1/warnings/{wid}").status_code == 404
    assert client.get(f"/warnings/{wid}").status_code == 404
    assert client.get("/api/v1/warnings").json()["items"] == []
    assert f"warning-row-{wid}" not in client.get("/warnings").text
    anonymous = client.get(f"/api/v1/warnings/events?after={start}&lifetime=1").text
    assert "event: warning" not in anonymous
    with session_factory() as s:
        service.open_consultation(s, actor=warn["office"], warning_id=wid)
        for agency in ("bj-env", "tj-env", "he-env"):
            service.answer(s, actor=warn[agency], warning_id=wid, agree=True)
        service.issue(s, actor=warn["office"], warning_id=wid)
        s.commit()
    assert client.get(f"/api/v1/warnings/{wid}").json()["status"] == "issued"
    assert f"warning-row-{wid}" in client.get("/warnings").text
    stream = client.get(f"/api/v1/warnings/events?after={start}&lifetime=1").text
    blocks = [b for b in stream.split("\n\n") if "event: warning" in b]
    assert len(blocks) == 1 and '"event_type": "issued"' in blocks[0]
    login(client, "tj-env", warn.password)
    stream = client.get(f"/api/v1/warnings/events?after={start}&lifetime=1").text
    assert stream.count("event: warning") == 6  # proposed, opened, 3 answers, issued


def test_api_walk_through_with_tokens(
    client: TestClient, session_factory: sessionmaker[Session], warn: People
) -> None:
    office = warn.headers(session_factory, "office")
    body = {
        "cities": ["110000"],
        "level": "orange",
        "start_date": "2016-12-16",
        "end_date": "2016-12-18",
        "max_aqi": 350,
        "criteria_code": "bth-2017",
    }
    denied = client.post(
        "/api/v1/warnings", json=body, headers=warn.headers(session_factory, "bj-env")
    )
    assert denied.status_code == 403
    assert denied.headers["content-type"].startswith("application/problem+json")
    created = client.post("/api/v1/warnings", json=body, headers=office)
    assert created.status_code == 201, created.text
    wid = created.json()["id"]
    skip = client.post(f"/api/v1/warnings/{wid}/issue", json={}, headers=office)
    assert skip.status_code == 409
    assert (
        client.post(f"/api/v1/warnings/{wid}/consultation", json={}, headers=office).status_code
        == 200
    )
    for agency in ("bj-env", "tj-env", "he-env"):
        answer = (
            {"answer": "agree"}
            if agency != "he-env"
            else {"answer": "propose", "proposed_level": "red", "reason": "Baoding over 300"}
        )
        r = client.post(
            f"/api/v1/warnings/{wid}/answers",
            json=answer,
            headers=warn.headers(session_factory, agency),
        )
        assert r.status_code == 201, r.text
    bad = client.post(
        f"/api/v1/warnings/{wid}/answers",
        json={"answer": "maybe"},
        headers=warn.headers(session_factory, "bj-env"),
    )
    assert bad.status_code == 422
    issued = client.post(f"/api/v1/warnings/{wid}/issue", json={"level": "red"}, headers=office)
    assert issued.status_code == 200 and issued.json()["level"] == "red"
    assert issued.json()["measures"]["region"]["items"][0]["code"] == "cut-30"
    detail = client.get(f"/api/v1/warnings/{wid}").json()
    assert detail["status"] == "issued" and len(detail["answers"]) == 3
    assert [e["event_type"] for e in detail["events"]][-1] == "issued"
    listing = client.get("/api/v1/warnings?limit=1").json()
    assert listing["items"][0]["id"] == wid
    crit = client.get("/api/v1/warnings/criteria").json()
    assert {c["code"] for c in crit} == {
        "beijing-2013",
        "beijing-2015",
        "beijing-2023",
        "beijing-local",
        "bth-2017",
        "bth-2019",
    }
    assert client.get("/api/v1/warnings/9999").status_code == 404
    bad = client.get("/api/v1/warnings", params={"cursor": "%%%"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "cursor"]
    page = client.get("/api/v1/warnings", params={"limit": 1}, headers=office).json()
    assert page["items"][0]["id"] == wid and page["next_cursor"] is None


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh_CN", ["重污染天气预警", "区域会商", "启动区域会商"]),
        (
            "en",
            ["Heavy-pollution warnings", "Regional consultation", "Open the regional consultation"],
        ),
    ],
)
def test_pages_render_in_both_languages(
    client: TestClient,
    session_factory: sessionmaker[Session],
    warn: People,
    lang: str,
    words: list[str],
) -> None:
    wid = _proposed(session_factory)
    client.cookies.set("jjj_lang", lang)
    index = client.get("/warnings")
    assert index.status_code == 200
    assert words[0] in index.text
    assert f'<script src="{static_url("vendor/echarts.min.js")}" defer></script>' in index.text
    assert 'data-testid="warning-map"' in index.text
    login(client, "office", warn.password)
    assert f'data-testid="warning-row-{wid}"' in client.get("/warnings").text
    detail = client.get(f"/warnings/{wid}")
    assert detail.status_code == 200
    for word in words[1:]:
        assert word in detail.text
    assert 'data-testid="open-consultation"' in detail.text
    admin = client.get("/warnings/admin/webhooks")
    assert admin.status_code == 200 and 'data-testid="dead-letters"' in admin.text


def test_consultation_walked_through_the_browser_forms(
    client: TestClient, session_factory: sessionmaker[Session], warn: People
) -> None:
    wid = _proposed(session_factory)
    login(client, "office", warn.password)
    page = client.get(f"/warnings/{wid}").text
    assert 'data-testid="issue-warning"' not in page
    r = client.post(
        f"/warnings/{wid}/open-consultation",
        follow_redirects=False,
        data={"csrf_token": _form_token(page), "deadline": ""},
    )
    assert r.status_code == 303
    page = client.get(f"/warnings/{wid}").text
    assert 'data-testid="issue-warning"' in page and "disabled" in page
    # without the form's CSRF token nothing happens
    assert client.post(f"/warnings/{wid}/issue", data={"level": "orange"}).status_code == 403
    for agency, answer in (("bj-env", "agree"), ("tj-env", "agree"), ("he-env", "propose")):
        client.cookies.clear()
        login(client, agency, warn.password)
        page = client.get(f"/warnings/{wid}").text
        for testid in ("consultation-answer", "answer-agree", "answer-propose"):
            assert f'data-testid="{testid}"' in page
        assert 'data-testid="open-consultation"' not in page
        data = {"csrf_token": _form_token(page), "answer": answer}
        if answer == "propose":
            data |= {"proposed_level": "red", "reason": "Baoding and Langfang over 300"}
        r = client.post(f"/warnings/{wid}/answer", data=data, follow_redirects=False)
        assert r.status_code == 303, r.text
        after = client.get(f"/warnings/{wid}").text
        assert 'data-testid="consultation-answer"' not in after
        # an agency may not issue
        denied = client.post(
            f"/warnings/{wid}/issue", data={"csrf_token": _form_token(after), "level": "red"}
        )
        assert denied.status_code == 403
    client.cookies.clear()
    login(client, "office", warn.password)
    page = client.get(f"/warnings/{wid}").text
    assert "Baoding and Langfang over 300" in page
    r = client.post(
        f"/warnings/{wid}/issue",
        follow_redirects=False,
        data={"csrf_token": _form_token(page), "level": "red"},
    )
    assert r.status_code == 303
    page = client.get(f"/warnings/{wid}").text
    assert 'data-testid="measures"' in page and 'data-testid="lift-warning"' in page
    with session_factory() as s:
        w = service.get_warning(s, warning_id=wid)
        assert (w.status, w.level) == ("issued", "red")


def test_webhook_admin_is_office_only(
    client: TestClient, session_factory: sessionmaker[Session], warn: People
) -> None:
    login(client, "bj-admin", warn.password)
    assert client.get("/warnings/admin/webhooks").status_code == 403
    client.cookies.clear()
    login(client, "office", warn.password)
    page = client.get("/warnings/admin/webhooks").text
    r = client.post(
        "/warnings/admin/webhooks",
        follow_redirects=False,
        data={
            "csrf_token": _form_token(page),
            "url": "https://receiver.example/hook",
            "event_types": ["warning.issued", "warning.lifted"],
            "description": "city hall",
        },
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert 'data-testid="webhook-secret"' in page and "receiver.example" in page
    api = client.get(
        "/api/v1/warnings/webhooks", headers=warn.headers(session_factory, "office")
    ).json()
    assert api[0]["event_types"] == ["warning.issued", "warning.lifted"]
    assert "secret" not in api[0]
