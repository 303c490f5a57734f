"""The inbox: API (cursor paging, unread count, mark read, preferences) and pages (the list,
the header's badge, mark read with CSRF, the preferences form), in both languages."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.notifications import service
from jingjinji.notifications.service import Audience, Kind
from tests.conftest import People, csrf_from, login


def _raise(
    session_factory: sessionmaker[Session], people: People, *usernames: str, summary: str = "x"
) -> list[int]:
    """An incident notice for these people (through the service, as a domain raises one)."""
    with session_factory() as session:
        made = service.notify(
            session,
            kind=Kind.INCIDENT_OPENED,
            audience=Audience(usernames=usernames),
            params={
                "section": "XB-1",
                "section_title_zh": "断面一",
                "section_title_en": "Section one",
                "summary": summary,
                "due_at": "2026-12-02T04:00:00+00:00",
            },
            link="/water/incidents/1",
            actor=people["office"],
        )
        session.commit()
        return [n.id for n in made]


def test_api_lists_pages_counts_and_marks_read_only_ones_own(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    for _ in range(3):
        _raise(session_factory, people, "bj-env")
    [theirs] = _raise(session_factory, people, "tj-env")
    me = {**people.headers(session_factory, "bj-env"), "Accept-Language": "en"}

    assert client.get("/api/v1/notifications/unread-count", headers=me).json() == {"unread": 3}
    first = client.get("/api/v1/notifications?limit=2", headers=me).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = client.get(
        "/api/v1/notifications", params={"limit": 2, "cursor": first["next_cursor"]}, headers=me
    ).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    ids = [n["id"] for n in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and theirs not in ids
    item = first["items"][0]
    assert item["title"] == "Water incident at section Section one (XB-1)"
    assert item["kind"] == "incident_opened" and item["read_at"] is None

    zh = client.get("/api/v1/notifications?limit=1", headers={**me, "Accept-Language": "zh-CN"})
    assert zh.json()["items"][0]["title"] == "断面 断面一 (XB-1) 发生水污染事件"

    read = client.post(f"/api/v1/notifications/{ids[0]}/read", headers=me)
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/api/v1/notifications/unread-count", headers=me).json() == {"unread": 2}
    unread = client.get("/api/v1/notifications?unread=true", headers=me).json()["items"]
    assert [n["id"] for n in unread] == ids[1:]

    # Another person's notification is as unknown as a missing one, and stays unread.
    assert client.post(f"/api/v1/notifications/{theirs}/read", headers=me).status_code == 404
    tj = people.headers(session_factory, "tj-env")
    assert client.get("/api/v1/notifications/unread-count", headers=tj).json() == {"unread": 1}

    assert client.post("/api/v1/notifications/read-all", headers=me).json() == {"marked": 2}
    assert client.get("/api/v1/notifications/unread-count", headers=me).json() == {"unread": 0}
    assert client.get("/api/v1/notifications").status_code == 401


def test_api_preferences_round_trip_and_refuse_kinds_without_an_address(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    me = people.headers(session_factory, "bj-env")
    assert client.get("/api/v1/notifications/preferences", headers=me).json() == {
        "email": None,
        "language": "zh_CN",
        "email_kinds": [],
    }
    body = {"email": "bj-env@example.org", "language": "en", "email_kinds": ["access_requested"]}
    saved = client.put("/api/v1/notifications/preferences", json=body, headers=me)
    assert saved.status_code == 200 and saved.json() == body
    assert client.get("/api/v1/notifications/preferences", headers=me).json() == body
    bad = client.put(
        "/api/v1/notifications/preferences",
        json={"email": None, "email_kinds": ["access_requested"]},
        headers=me,
    )
    assert bad.status_code == 422
    injected = client.put(
        "/api/v1/notifications/preferences",
        json={"email": "a@example.org\r\nBcc: x@example.org", "email_kinds": []},
        headers=me,
    )
    assert injected.status_code == 422
    unknown = client.put(
        "/api/v1/notifications/preferences", json={"email_kinds": ["everything"]}, headers=me
    )
    assert unknown.status_code == 422


def test_inbox_page_badge_and_mark_read_with_csrf(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    [first, second] = [
        _raise(session_factory, people, "bj-env", summary="<script>alert(1)</script>")[0]
        for _ in range(2)
    ]
    login(client, "bj-env", people.password)
    client.cookies.set("jjj_lang", "en")
    home = client.get("/region").text
    assert 'hx-get="/notifications/badge"' in home  # every page fetches the count once
    badge = client.get("/notifications/badge").text
    assert 'data-testid="unread-count"' in badge and ">2</span>" in badge

    page = client.get("/notifications")
    assert page.status_code == 200
    assert "Water incident at section Section one (XB-1)" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    csrf = csrf_from(page.text)

    refused = client.post(f"/notifications/{first}/read", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    follow = client.post(
        f"/notifications/{first}/read",
        data={"csrf_token": csrf, "follow": "true"},
        follow_redirects=False,
    )
    assert follow.status_code == 303 and follow.headers["location"] == "/water/incidents/1"
    assert ">1</span>" in client.get("/notifications/badge").text
    done = client.post("/notifications/read-all", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert "unread-count" not in client.get("/notifications/badge").text
    assert second  # both were marked

    client.cookies.set("jjj_lang", "zh_CN")
    zh = client.get("/notifications").text
    assert "断面 断面一 (XB-1) 发生水污染事件" in zh and "消息" in zh


def test_preferences_page_saves_and_shows_a_refusal(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    login(client, "he-analyst", people.password)
    client.cookies.set("jjj_lang", "en")
    csrf = csrf_from(client.get("/notifications/preferences").text)
    saved = client.post(
        "/notifications/preferences",
        data={
            "csrf_token": csrf,
            "email": "he@example.org",
            "language": "en",
            "email_kinds": ["access_decided", "incident_opened"],
        },
    )
    assert saved.status_code == 200 and "Preferences saved." in saved.text
    assert 'value="access_decided" checked' in saved.text
    assert 'value="access_requested" checked' not in saved.text
    bad = client.post(
        "/notifications/preferences",
        data={"csrf_token": csrf, "email": "not an address", "email_kinds": ["access_decided"]},
    )
    assert bad.status_code == 422 and 'data-testid="preferences-error"' in bad.text
    with session_factory() as session:
        pref = service.get_preferences(session, actor=people["he-analyst"])
        assert pref.email == "he@example.org"
        assert pref.email_kinds == ["access_decided", "incident_opened"]
