"""Grants scoped to rows, on both backends: a reader holding one reads only the rows of its
scope, several grants read the union of their scopes, an unscoped grant still means every row;
the grant list shows the scope; a bad scope is refused; revoking ends the reading; each step is
on the audit chain."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.catalog import service
from jingjinji.catalog.schemas import AccessRequestIn, DecisionIn
from jingjinji.errors import InvalidInput, PermissionDenied
from jingjinji.timezone import china_today
from tests.catalog.support import SETTINGS, dataset_in
from tests.conftest import People, login

ROWS = [
    {"district": "110101", "n": 1, "secret": "s1"},
    {"district": "110101", "n": 2, "secret": "s2"},
    {"district": "110105", "n": 3, "secret": "s3"},
    {"district": "110108", "n": 4, "secret": "s4"},
]


def _build(session_factory: sessionmaker[Session], people: People) -> None:
    owner = people["bj-env"]
    with session_factory() as session:
        service.create_dataset(
            session,
            actor=owner,
            data=dataset_in(
                "BJ-ROWS",
                people.organisations["bj_env"],
                sharing_class="conditional",
                specs=(
                    ("district", "string", "conditional"),
                    ("n", "integer", "conditional"),
                    ("secret", "string", "not_shared"),
                ),
            ),
        )
        service.write_records(session, actor=owner, dataset_code="BJ-ROWS", rows=ROWS)
        session.commit()


def _grant(
    session_factory: sessionmaker[Session], people: People, scope: dict[str, list[str]]
) -> int:
    with session_factory() as session:
        grant = service.grant_scoped(
            session,
            actor=people["bj-env"],
            dataset_code="BJ-ROWS",
            organisation_id=people.organisations["tj_env"],
            row_scope=scope,
            reason="linked enforcement case 12",
        )
        session.commit()
        return grant.id


def _ns(session_factory: sessionmaker[Session], people: People, **filters: str) -> list[int]:
    with session_factory() as session:
        page = service.read_records(
            session, actor=people["tj-env"], dataset_code="BJ-ROWS", filters=filters, limit=2
        )
        found = list(page.items)
        while page.next_cursor:
            page = service.read_records(
                session,
                actor=people["tj-env"],
                dataset_code="BJ-ROWS",
                filters=filters,
                cursor=page.next_cursor,
                limit=2,
            )
            found += page.items
        session.commit()
    assert all(set(row) == {"district", "n"} for row in found)  # never the not_shared field
    return sorted(int(row["n"]) for row in found)


def test_a_scoped_grant_reads_its_rows_only_and_scopes_unite(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _build(session_factory, people)
    with session_factory() as session, pytest.raises(PermissionDenied):
        service.read_records(session, actor=people["tj-env"], dataset_code="BJ-ROWS")

    first = _grant(session_factory, people, {"district": ["110101"]})
    assert _ns(session_factory, people) == [1, 2]
    assert _ns(session_factory, people, n="3") == []  # a filter cannot leave the scope
    assert _ns(session_factory, people, n="2") == [2]

    # A second scoped grant: the union of both (integer values compare as text).
    _grant(session_factory, people, {"n": ["4"]})
    assert _ns(session_factory, people) == [1, 2, 4]

    # The owner reads every row; another organisation of Tianjin reads none.
    with session_factory() as session:
        owner = service.read_records(session, actor=people["bj-env"], dataset_code="BJ-ROWS")
        assert len(owner.items) == 4
        with pytest.raises(PermissionDenied):
            service.read_records(session, actor=people["tj-samr"], dataset_code="BJ-ROWS")

    # The grant list (API) shows the scope to the grantee.
    headers = people.headers(session_factory, "tj-env")
    listed = client.get(
        "/api/v1/access-grants", params={"dataset_code": "BJ-ROWS"}, headers=headers
    )
    assert listed.status_code == 200, listed.text
    scopes = {g["id"]: g["row_scope"] for g in listed.json()["items"]}
    assert scopes[first] == {"district": ["110101"]}
    assert {g["fields"] == ["district", "n"] for g in listed.json()["items"]} == {True}
    records = client.get("/api/v1/datasets/BJ-ROWS/records", headers=headers)
    assert sorted(r["n"] for r in records.json()["items"]) == [1, 2, 4]

    # Revoking the first leaves the second's rows; an unscoped grant means every row.
    with session_factory() as session:
        service.revoke_grant(session, actor=people["bj-env"], grant_id=first, reason="case closed")
        session.commit()
    assert _ns(session_factory, people) == [4]
    with session_factory() as session:
        request = service.create_access_request(
            session, actor=people["tj-env"], data=_request(), settings=SETTINGS
        )
        session.commit()
        request_id = request.id
    _approve(session_factory, people, request_id)
    assert _ns(session_factory, people) == [1, 2, 3, 4]

    with session_factory() as session:
        actions = [
            (e.action, e.outcome)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.action.like("catalog.grant.%"))
            )
        ]
    assert actions.count(("catalog.grant.scoped", "ok")) == 2
    assert ("catalog.grant.revoke", "ok") in actions


def _request() -> AccessRequestIn:
    return AccessRequestIn.model_validate(
        {
            "dataset_code": "BJ-ROWS",
            "purpose": "all districts for the annual report",
            "fields": ["district", "n"],
            "period_start": china_today().isoformat(),
            "period_end": (china_today() + dt.timedelta(days=365)).isoformat(),
        }
    )


def _approve(session_factory: sessionmaker[Session], people: People, request_id: int) -> None:
    with session_factory() as session:
        service.decide_access_request(
            session,
            actor=people["bj-env"],
            request_id=request_id,
            data=DecisionIn(decision="approve", reason="fine"),
        )
        session.commit()


def test_a_bad_scope_or_an_outsider_is_refused_and_audited(
    session_factory: sessionmaker[Session], people: People
) -> None:
    _build(session_factory, people)
    bad: list[dict[str, list[str]]] = [{"nope": ["1"]}, {"district": []}, {}]
    for scope in bad:
        with pytest.raises(InvalidInput):
            _grant(session_factory, people, scope)
    with session_factory() as session, pytest.raises(PermissionDenied):
        service.grant_scoped(
            session,
            actor=people["tj-env"],
            dataset_code="BJ-ROWS",
            organisation_id=people.organisations["tj_env"],
            row_scope={"district": ["110101"]},
            reason="I want it",
        )
    with session_factory() as session:
        refused = session.scalars(
            select(AuditEntry.actor_username).where(
                AuditEntry.action == "catalog.grant.scoped", AuditEntry.outcome == "denied"
            )
        ).all()
    assert refused == ["tj-env"]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_grants_page_shows_the_rows_a_grant_covers(
    client: TestClient, session_factory: sessionmaker[Session], people: People, lang: str
) -> None:
    _build(session_factory, people)
    grant_id = _grant(session_factory, people, {"district": ["110105", "110101"]})
    login(client, "bj-env", people.password)
    html = client.get("/access-requests", headers={"Accept-Language": lang}).text
    row = html.split(f'data-grant-id="{grant_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="grant-scope"' in row
    assert "district = 110101, 110105" in row
    # A scoped grant holds until revoked: no 9999-12-31 on the page.
    assert "9999" not in row
    assert ("until revoked" if lang == "en" else "撤销前持续有效") in row


def test_the_grantee_sees_its_scoped_grant_on_the_dataset_page(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    _build(session_factory, people)
    _grant(session_factory, people, {"district": ["110108"]})
    login(client, "tj-env", people.password)
    html = client.get("/catalog/BJ-ROWS", headers={"Accept-Language": "zh-CN"}).text
    notice = html.split('data-testid="access-granted"', 1)[1].split("</p>", 1)[0]
    assert "撤销前持续有效" in notice and "9999" not in notice
    assert "district = 110108" in notice
