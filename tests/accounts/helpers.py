"""Shared steps of the authentication tests: a login attempt through the real form."""

from __future__ import annotations

import json
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry


def form_token(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def try_login(client: TestClient, username: str, password: str) -> httpx2.Response:
    token = form_token(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )


def entries(
    session_factory: sessionmaker[Session], action: str, outcome: str | None = None
) -> list[tuple[AuditEntry, dict[str, Any]]]:
    with session_factory() as session:
        stmt = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        if outcome is not None:
            stmt = stmt.where(AuditEntry.outcome == outcome)
        rows = list(session.scalars(stmt))
        return [(row, json.loads(row.detail_json)) for row in rows]
