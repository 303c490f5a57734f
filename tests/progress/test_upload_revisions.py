"""Issue 15, defect 8: an upload reports every problem at once, rows the user may not write
included (by the file's line), and a stored value can be corrected by uploading it again with
the reason: a revision whose history (earlier value, who, when, why) the API and the indicator
page show."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import service as audit
from tests.conftest import People, login

API = "/api/v1/progress"
HEADER = "indicator_code,jurisdiction_code,period,value,unit,source,note\n"


def _upload(client: TestClient, headers: dict[str, str], text: str) -> object:
    return client.post(
        f"{API}/upload", headers=headers, files={"file": ("values.csv", text.encode())}
    )


def test_every_problem_is_reported_permission_problems_included(
    client: TestClient, session_factory: sessionmaker[Session], indicators: People
) -> None:
    headers = indicators.headers(session_factory, "bj-env")
    text = (
        HEADER
        + "green_share,110000,2019,38.5,%,bulletin,\n"  # line 2: fine
        + "green_share,120000,2019,40,%,src,\n"  # 3: Tianjin, not Beijing's
        + "\n"  # 4: blank
        + 'green_share,110000,2020,abc,%,src,"two\nlines"\n'  # 5-6: not a number
        + "nope,110000,2021,1,,src,\n"  # 7: unknown indicator
        + "green_share,130000,2020,abc,%,src,\n"  # 8: Hebei, and not a number
    )
    r = client.post(f"{API}/upload", headers=headers, files={"file": ("values.csv", text.encode())})
    assert r.status_code == 403, r.text
    errors = {(e["row"], e["column"]): e["msg"] for e in r.json()["errors"]}
    assert set(errors) == {
        (3, "jurisdiction_code"),
        (5, "value"),
        (7, "indicator_code"),
        (8, "jurisdiction_code"),
        (8, "value"),
    }
    assert "may not enter values for jurisdiction 120000" in errors[(3, "jurisdiction_code")]
    assert "may not enter values for jurisdiction 130000" in errors[(8, "jurisdiction_code")]
    assert client.get(f"{API}/values").json()["items"] == []  # nothing stored
    with session_factory() as session:
        denied = audit.list_entries(session, action="progress.values.submit", outcome="denied")
    assert [e.actor_username for e in denied] == ["bj-env"]
    assert '"forbidden_jurisdictions":["120000","130000"]' in denied[0].detail_json


def test_the_upload_page_lists_every_problem_of_a_refused_file(
    client: TestClient, indicators: People
) -> None:
    login(client, "bj-env", indicators.password)
    page = client.get("/progress/upload")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    text = HEADER + "green_share,120000,2019,40,%,src,\ngreen_share,110000,2020,x,%,src,\n"
    r = client.post(
        "/progress/upload",
        data={"csrf_token": token},
        files={"file": ("values.csv", text.encode())},
    )
    assert r.status_code == 403
    assert 'data-row="2" data-column="jurisdiction_code"' in r.text
    assert 'data-row="3" data-column="value"' in r.text


def test_a_corrected_upload_is_a_revision_with_history(
    client: TestClient, session_factory: sessionmaker[Session], indicators: People
) -> None:
    binhai = indicators.headers(session_factory, "tj-binhai")
    office = indicators.headers(session_factory, "office")
    r = _upload(client, binhai, HEADER + "green_share,120116,2020,39.2,%,bulletin,\n")
    assert r.status_code == 201  # type: ignore[attr-defined]
    # the same key again without a reason: a duplicate, refused with what to do
    again = _upload(client, binhai, HEADER + "green_share,120116,2020,39.4,%,bulletin,\n")
    assert again.status_code == 422  # type: ignore[attr-defined]
    (problem,) = again.json()["errors"]  # type: ignore[attr-defined]
    assert problem["row"] == 2 and "stored already" in problem["msg"] and "note" in problem["msg"]
    # with the reason in note: corrected
    fixed = _upload(
        client,
        binhai,
        HEADER + "green_share,120116,2020,39.4,%,revised bulletin,typo in the bulletin\n",
    )
    assert fixed.status_code == 201, fixed.text  # type: ignore[attr-defined]
    assert fixed.json() == {"stored": 0, "revised": 1, "rows": 1, "warnings": []}  # type: ignore[attr-defined]
    (stored,) = client.get(f"{API}/values").json()["items"]
    assert (stored["value"], stored["revision"], stored["source"]) == (39.4, 1, "revised bulletin")
    assert stored["revised_at"] is not None
    # a second correction through the API, then one that changes nothing
    body = {
        "indicator_code": "green_share",
        "jurisdiction_code": "120116",
        "period": "2020",
        "value": 39.5,
        "source": "revised bulletin",
        "note": "final figures",
    }
    r2 = client.post(f"{API}/values", headers=binhai, json=body)
    assert r2.status_code == 201, r2.text
    assert r2.json()["revised"] == 1 and r2.json()["stored"] == 0
    same = client.post(f"{API}/values", headers=binhai, json=body)
    assert same.status_code == 422 and "nothing to correct" in same.text
    detail = client.get(f"{API}/values/{stored['id']}", headers=office).json()
    assert detail["value"] == 39.5 and detail["revision"] == 2
    history = [
        (h["previous_value"], h["value"], h["reason"], h["revised_by"], h["previous_submitted_by"])
        for h in detail["history"]
    ]
    assert history == [
        (39.2, 39.4, "typo in the bulletin", "tj-binhai", "tj-binhai"),
        (39.4, 39.5, "final figures", "tj-binhai", "tj-binhai"),
    ]
    assert detail["history"][0]["previous_source"] == "bulletin"
    assert detail["history"][0]["channel"] == "upload-csv"
    assert client.get(f"{API}/values/999999").status_code == 404
    with session_factory() as session:
        revised = audit.list_entries(session, action="progress.values.revise")
    assert len(revised) == 2 and '"reason":"typo in the bulletin"' in revised[0].detail_json
    # the indicator page shows the history: earlier values, who corrected them, when and why
    login(client, "office", indicators.password)
    page = client.get("/progress/indicators/green_share").text
    assert page.count('data-testid="value-revision"') == 2
    assert "typo in the bulletin" in page and "final figures" in page
    assert 'data-testid="revised"' in page
