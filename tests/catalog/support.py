"""Shared builders for the catalog tests (data is made through the services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.catalog import service
from jingjinji.catalog.schemas import AccessRequestIn, DatasetIn, DecisionIn
from jingjinji.config import Settings
from jingjinji.security import Actor
from jingjinji.timezone import china_today
from tests.conftest import People

PROBLEM = "application/problem+json"
# Default deadline rule (10 working days, no holidays) without reading the environment.
SETTINGS = Settings(database_url="sqlite://", secret_key="k", var_dir=Path("."))


def dataset_in(
    code: str,
    owner_id: int,
    *,
    sharing_class: str = "unconditional",
    open_to_public: bool = False,
    specs: tuple[tuple[str, str, str], ...] = (("name", "string", "unconditional"),),
    domain: str = "environment",
) -> DatasetIn:
    return DatasetIn.model_validate(
        {
            "code": code,
            "title_zh": f"数据集 {code}",
            "title_en": f"Dataset {code}",
            "owner_organisation_id": owner_id,
            "domain": domain,
            "update_cycle": "daily",
            "sharing_class": sharing_class,
            "open_to_public": open_to_public,
            "fields": [{"name": n, "type": t, "sharing_class": c} for n, t, c in specs],
        }
    )


def dataset_json(code: str, owner_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": code,
        "title_zh": "测试数据集",
        "title_en": "Test dataset",
        "owner_organisation_id": owner_id,
        "domain": "environment",
        "update_cycle": "daily",
        "sharing_class": "unconditional",
        "open_to_public": False,
        "fields": [{"name": "name", "type": "string", "sharing_class": "unconditional"}],
    }
    body.update(overrides)
    return body


def build_catalog(session_factory: sessionmaker[Session], people: People) -> None:
    """Beijing environment bureau's datasets, with records:

    - BJ-OPEN: unconditional, open to the public; fields a (unconditional, integer),
      b (conditional, string), c (not_shared, number)
    - BJ-COND: conditional; x (conditional, string), y (conditional, integer), z (not_shared)
    - BJ-SECRET: not_shared; s (not_shared)
    - BJ-INTERNAL: unconditional, not public; u (unconditional)
    """
    owner = people["bj-env"]
    org = people.organisations["bj_env"]
    with session_factory() as session:
        service.create_dataset(
            session,
            actor=owner,
            data=dataset_in(
                "BJ-OPEN",
                org,
                open_to_public=True,
                specs=(
                    ("a", "integer", "unconditional"),
                    ("b", "string", "conditional"),
                    ("c", "number", "not_shared"),
                ),
            ),
        )
        service.create_dataset(
            session,
            actor=owner,
            data=dataset_in(
                "BJ-COND",
                org,
                sharing_class="conditional",
                specs=(
                    ("x", "string", "conditional"),
                    ("y", "integer", "conditional"),
                    ("z", "string", "not_shared"),
                ),
            ),
        )
        service.create_dataset(
            session,
            actor=owner,
            data=dataset_in(
                "BJ-SECRET", org, sharing_class="not_shared", specs=(("s", "string", "not_shared"),)
            ),
        )
        service.create_dataset(
            session,
            actor=owner,
            data=dataset_in("BJ-INTERNAL", org, specs=(("u", "string", "unconditional"),)),
        )
        service.write_records(
            session,
            actor=owner,
            dataset_code="BJ-OPEN",
            rows=[
                {"a": 1, "b": "one", "c": 1.5},
                {"a": 2, "b": "two", "c": 2.5},
                {"a": 3, "b": "three", "c": None},
            ],
        )
        service.write_records(
            session,
            actor=owner,
            dataset_code="BJ-COND",
            rows=[{"x": "x1", "y": 10, "z": "z1"}, {"x": "x2", "y": 20, "z": "z2"}],
        )
        service.write_records(
            session, actor=owner, dataset_code="BJ-SECRET", rows=[{"s": "secret"}]
        )
        service.write_records(
            session, actor=owner, dataset_code="BJ-INTERNAL", rows=[{"u": "internal"}]
        )
        session.commit()


def request_in(
    code: str,
    fields_: list[str],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    purpose: str = "Joint enforcement",
) -> AccessRequestIn:
    today = china_today()
    return AccessRequestIn(
        dataset_code=code,
        purpose=purpose,
        fields=fields_,
        period_start=start or today - dt.timedelta(days=1),
        period_end=end or today + dt.timedelta(days=365),
    )


def apply_and_approve(
    session_factory: sessionmaker[Session],
    requester: Actor,
    decider: Actor,
    code: str,
    requested: list[str],
    granted: list[str] | None = None,
) -> tuple[int, int]:
    """Returns (request id, grant id)."""
    with session_factory() as session:
        req = service.create_access_request(
            session, actor=requester, data=request_in(code, requested), settings=SETTINGS
        )
        service.decide_access_request(
            session,
            actor=decider,
            request_id=req.id,
            data=DecisionIn(decision="approve", fields=granted),
        )
        grant = service.grant_of_request(session, request_id=req.id)
        assert grant is not None
        session.commit()
        return req.id, grant.id


def audit_entries(session_factory: sessionmaker[Session], **where: Any) -> list[AuditEntry]:
    with session_factory() as session:
        stmt = select(AuditEntry).order_by(AuditEntry.seq)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, key) == value)
        return list(session.scalars(stmt))


@dataclass(frozen=True)
class Caller:
    """Calls the API as one of the people (``None``: anonymously), checks the answer's status
    (a refusal is problem+json) and finds the refusal it left on the audit record."""

    client: TestClient
    people: People
    session_factory: sessionmaker[Session]

    def __call__(
        self, method: str, url: str, username: str | None, status: int, **kwargs: Any
    ) -> Response:
        headers = self.people.headers(self.session_factory, username) if username else {}
        response = self.client.request(method, url, headers=headers, **kwargs)
        assert response.status_code == status, response.text
        if status >= 400:
            assert response.headers["content-type"].startswith(PROBLEM)
        return response

    def refused(self, action: str) -> AuditEntry:
        """The one refused entry of ``action``."""
        [entry] = audit_entries(self.session_factory, action=action, outcome="refused")
        return entry
