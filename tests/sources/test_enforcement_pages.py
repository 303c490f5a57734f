"""The enforcement pages: events with the open-case form, the case list with overdue cases
marked, the case page with the forms the reader may use, htmx steps answering the body
fragment (refusals shown with their status), outsiders' 404, and both languages."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.sources.service import exceedances
from tests.conftest import People, csrf_from, login
from tests.sources.conftest import Registry
from tests.sources.enforcement_support import hourly, store

HX = {"HX-Request": "true", "HX-Target": "case-body"}


def _events(session_factory: sessionmaker[Session], registry: Registry) -> list[int]:
    batch_id = store(
        session_factory, registry.loggers["HE-A-G-001"], hourly("a21026", [40, 20, 50])
    )
    with session_factory() as session:
        ids = [e.id for e in exceedances.detect_for_batch(session, batch_id=batch_id)]
        session.commit()
    return ids


def test_from_events_to_a_closed_case_in_pages(
    client: TestClient, session_factory: sessionmaker[Session], people: People, registry: Registry
) -> None:
    ids = _events(session_factory, registry)
    login(client, "he-env", people.password)
    page = client.get("/sources/exceedances")
    assert page.status_code == 200
    assert "超标与异常事件" in page.text and "二氧化硫" in page.text  # Chinese by default
    assert all(f'data-testid="pick-{i}"' in page.text for i in ids)
    en = client.get("/sources/exceedances?lang=en")
    assert "Exceedance events" in en.text and "hourly limit exceeded" in en.text
    token = csrf_from(page.text)

    blank = client.post(
        "/sources/cases",
        data={"csrf_token": token, "title": " ", "exceedance_ids": [str(i) for i in ids]},
        headers={"HX-Request": "true", "HX-Target": "open-case"},
    )
    assert blank.status_code == 422 and 'id="open-case"' in blank.text and "title" in blank.text
    assert "<html" not in blank.text
    made = client.post(
        "/sources/cases",
        data={"csrf_token": token, "title": "SO2 at HE-A", "exceedance_ids": [str(i) for i in ids]},
        follow_redirects=False,
    )
    assert made.status_code == 303
    url = made.headers["location"]
    case = client.get(url)
    assert 'data-testid="involved-110000"' in case.text and "边界相邻" in case.text
    assert 'data-testid="task-form"' in case.text and 'data-testid="involve-form"' not in case.text

    due = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).astimezone(
        dt.timezone(dt.timedelta(hours=8))
    )
    added = client.post(
        f"{url}/tasks",
        data={
            "csrf_token": token,
            "kind": "inspection",
            "organisation_id": str(people.organisations["bj_env"]),
            "due_at": due.strftime("%Y-%m-%dT%H:%M"),
            "description": "On-site check of the desulphuriser",
        },
        headers=HX,
    )
    assert added.status_code == 200 and 'id="case-body"' in added.text
    assert "<html" not in added.text and 'data-testid="task-overdue"' in added.text
    bad = client.post(
        f"{url}/tasks",
        data={"csrf_token": token, "kind": "inspection", "organisation_id": "", "due_at": "x"},
        headers=HX,
    )
    assert bad.status_code == 422 and "case-errors" in bad.text and "organisation_id" in bad.text
    open_task = client.post(
        f"{url}/close", data={"csrf_token": token, "conclusion": "x"}, headers=HX
    )
    assert open_task.status_code == 409 and "case-errors" in open_task.text
    listed = client.get("/sources/cases?overdue=true")
    assert 'data-testid="overdue"' in listed.text and "逾期" in listed.text

    # Beijing completes its task; it may not close the case (403 shown on the page).
    client.get("/logout")
    login(client, "bj-env", people.password)
    case = client.get(url)
    task_id = case.text.split('data-testid="complete-form-', 1)[1].split('"', 1)[0]
    # Involved by the border, Beijing follows the events to the outlet's page.
    outlet = f"/sources/outlets/{registry.outlets['HE-A/DA001']}"
    assert f'href="{outlet}"' in case.text and client.get(outlet).status_code == 200
    token = csrf_from(case.text)
    refused = client.post(f"{url}/close", data={"csrf_token": token, "conclusion": "x"}, headers=HX)
    assert refused.status_code == 403 and "case-errors" in refused.text
    done = client.post(
        f"{url}/tasks/{task_id}/complete",
        data={"csrf_token": token, "result": "Bypass found and sealed"},
        headers=HX,
    )
    assert done.status_code == 200 and "Bypass found and sealed" in done.text

    # Tianjin is not involved: a 404 page, and the case is not in its list.
    client.get("/logout")
    login(client, "tj-env", people.password)
    assert client.get(url).status_code == 404
    assert 'data-testid="no-cases"' in client.get("/sources/cases").text

    client.get("/logout")
    login(client, "office", people.password)
    token = csrf_from(client.get(url).text)
    closed = client.post(
        f"{url}/close", data={"csrf_token": token, "conclusion": "Fined"}, follow_redirects=False
    )
    assert closed.status_code == 303
    en_case = client.get(f"{url}?lang=en").text
    assert 'data-testid="case-conclusion">Fined' in en_case and "case opened" in en_case
    assert 'data-testid="case-actions"' not in en_case
