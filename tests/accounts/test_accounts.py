"""Login, sessions, CSRF and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.accounts import service
from jingjinji.accounts.models import ApiToken, User
from jingjinji.accounts.schemas import UserIn
from jingjinji.errors import PermissionDenied
from jingjinji.security import Role
from tests.conftest import People, csrf_from, login


def test_passwords_are_hashed_with_argon2(session: Session, people: People) -> None:
    user = session.scalars(select(User).where(User.username == "bj-env")).one()
    assert user.password_hash.startswith("$argon2")
    assert people.password not in user.password_hash


def test_login_logout_flow(client: TestClient, people: People) -> None:
    login(client, "bj-env", people.password)
    cookie = client.cookies.get("jjj_session")
    assert cookie
    page = client.get("/account")
    assert page.status_code == 200 and "bj-env" in page.text
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_session_cookie_flags(client: TestClient, people: People) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={"username": "office", "password": people.password, "csrf_token": token},
        follow_redirects=False,
    )
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header


def test_wrong_password_is_refused(client: TestClient, people: People) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"username": "bj-env", "password": "nope-nope-nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "jjj_session" not in response.cookies


def test_login_without_csrf_token_is_refused(client: TestClient, people: People) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "bj-env", "password": people.password})
    assert response.status_code == 403


def test_cookie_session_api_write_needs_csrf_header(client: TestClient, people: People) -> None:
    login(client, "bj-env", people.password)
    assert client.post("/api/v1/tokens", json={"name": "x"}).status_code == 403
    page = client.get("/account")
    ok = client.post(
        "/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf_from(page.text)}
    )
    assert ok.status_code == 201


def test_open_redirect_after_login_is_refused(client: TestClient, people: People) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={
            "username": "bj-env",
            "password": people.password,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_token_shown_once_stored_hashed_and_revocable(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    headers = people.headers(session_factory, "bj-analyst")
    created = client.post("/api/v1/tokens", json={"name": "etl", "days_valid": 30}, headers=headers)
    assert created.status_code == 201
    secret = created.json()["token"]
    with session_factory() as session:
        stored = session.scalars(select(ApiToken).where(ApiToken.name == "etl")).one()
        assert secret not in (stored.token_hash, stored.prefix)
    listing = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {secret}"})
    assert listing.status_code == 200
    assert listing.json()["items"] and all("token" not in t for t in listing.json()["items"])
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me["username"] == "bj-analyst"
    revoked = client.delete(f"/api/v1/tokens/{created.json()['id']}", headers=headers)
    assert revoked.json()["revoked_at"] is not None
    after = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert after.status_code == 401
    assert after.headers["content-type"].startswith("application/problem+json")


def test_expired_token_is_refused(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    secret = people.token(session_factory, "bj-env")
    with session_factory() as session:
        for token in session.scalars(select(ApiToken)):
            token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.commit()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )


def test_unknown_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer jjj_nope"})
    assert response.status_code == 401


def test_jurisdiction_admin_cannot_create_users_elsewhere(session: Session, people: People) -> None:
    data = UserIn(
        username="x-steward",
        display_name="x",
        password="long-enough-pw",
        role=Role.STEWARD,
        organisation_id=people.organisations["bj_env"],
    )
    with pytest.raises(PermissionDenied):
        service.create_user(session, actor=people["he-admin"], data=data)
    user = service.create_user(session, actor=people["bj-admin"], data=data)
    assert user.jurisdiction_code == "110000"


def test_account_page_creates_and_revokes_token(client: TestClient, people: People) -> None:
    login(client, "tj-env", people.password)
    page = client.get("/account")
    created = client.post(
        "/account/tokens",
        data={"name": "sensor-gw", "days_valid": "10", "csrf_token": csrf_from(page.text)},
    )
    assert 'data-testid="new-token"' in created.text and "jjj_" in created.text


@pytest.mark.parametrize("target", ["/\\evil.example/", "/\\/evil.example", "/\t/evil.example"])
def test_backslash_and_control_character_redirects_are_refused(
    client: TestClient, people: People, target: str
) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login",
        data={
            "username": "bj-env",
            "password": people.password,
            "csrf_token": token,
            "next": target,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_revoking_another_users_token_is_denied_and_audited(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    from jingjinji.audit import service as audit

    owner = people.headers(session_factory, "bj-analyst")
    created = client.post("/api/v1/tokens", json={"name": "etl"}, headers=owner)
    token_id = created.json()["id"]
    refused = client.delete(
        f"/api/v1/tokens/{token_id}", headers=people.headers(session_factory, "tj-env")
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    with session_factory() as session:
        denied = audit.list_entries(session, action="token.revoke", outcome="denied")
        assert [(e.actor_username, e.object_id) for e in denied] == [("tj-env", str(token_id))]
        assert session.get(ApiToken, token_id).revoked_at is None  # type: ignore[union-attr]
    assert client.delete("/api/v1/tokens/2147483647", headers=owner).status_code == 404


def test_logout_is_audited(client: TestClient, people: People, session_factory: Any) -> None:
    from jingjinji.audit import service as audit

    login(client, "bj-env", people.password)
    page = client.get("/account")
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    with session_factory() as session:
        entries = audit.list_entries(session, action="session.logout")
        assert [e.actor_username for e in entries] == ["bj-env"]


def test_user_listing_pages_and_keeps_to_the_province(
    client: TestClient, people: People, session_factory: sessionmaker[Session]
) -> None:
    def usernames(who: str) -> list[str]:
        headers = people.headers(session_factory, who)
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 2}
        while True:
            page = client.get("/api/v1/users", params=params, headers=headers)
            assert page.status_code == 200, page.text
            seen += [u["username"] for u in page.json()["items"]]
            if page.json()["next_cursor"] is None:
                return seen
            params["cursor"] = page.json()["next_cursor"]

    assert set(usernames("bj-admin")) == {"bj-admin", "bj-env", "bj-stats", "bj-analyst", "bj-samr"}
    assert len(usernames("office")) == len(people.actors)
    refused = client.get(
        "/api/v1/users", params={"limit": "-5"}, headers=people.headers(session_factory, "office")
    )
    assert refused.status_code == 422


def test_cookies_are_secure_when_configured(
    settings: Any, session_factory: sessionmaker[Session], people: People
) -> None:
    import dataclasses

    from jingjinji.app import create_app

    app = create_app(
        dataclasses.replace(settings, secure_cookies=True), session_factory=session_factory
    )
    with TestClient(app, base_url="https://testserver") as client:
        page = client.get("/login")
        assert "secure" in page.headers["set-cookie"].lower()  # the CSRF cookie
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = client.post(
            "/login",
            data={"username": "office", "password": people.password, "csrf_token": token},
            follow_redirects=False,
        )
    assert response.status_code == 303
    header = response.headers["set-cookie"].lower()
    assert "jjj_session=" in header
    assert "secure" in header and "httponly" in header and "samesite=lax" in header


@pytest.mark.parametrize("submitted", ["é.abc", "abc.é", "中文", "\x7f.\x7f"])
def test_non_ascii_csrf_token_is_403_not_500(
    client: TestClient, people: People, submitted: str
) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "bj-env", "password": people.password, "csrf_token": submitted},
        follow_redirects=False,
    )
    assert response.status_code == 403
    login(client, "bj-env", people.password)
    api = client.post(
        "/api/v1/tokens", json={"name": "x"}, headers=[(b"X-CSRF-Token", submitted.encode())]
    )
    assert api.status_code == 403
    assert api.headers["content-type"].startswith("application/problem+json")
