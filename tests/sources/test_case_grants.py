"""The neighbour reads an enterprise's data through the catalog's grant, on both backends: a
case involving another jurisdiction grants its environment agency the enterprise's rows of
the owner province's SOURCES-<province>-MONITORING dataset; that agency reads those rows and
no other (catalog API and sources API), other organisations of its province do not, revoking
the grant ends the reading, the grant is listed with its scope, and every step is audited. An
event id the actor may not see is refused exactly like a missing one."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.sources.models import CaseJurisdiction, Enterprise, OutletKind
from jingjinji.sources.schemas.registry import EnterpriseIn, FactorIn, LoggerIn, OutletIn
from jingjinji.sources.service import registry as registry_service
from tests.conftest import People
from tests.sources.conftest import Registry
from tests.sources.enforcement_support import hourly, store
from tests.sources.test_cases_api import Headers, open_events

API = "/api/v1"
MONITORING = f"{API}/datasets/SOURCES-130000-MONITORING/records"


def _second_hebei_enterprise(
    session_factory: sessionmaker[Session], people: People
) -> tuple[int, int]:
    """HE-B (Shijiazhuang): outlet DW001 with logger HE-B-W-001 measuring COD; the ids of the
    enterprise and the logger."""
    office = people["office"]
    with session_factory() as session:
        enterprise = registry_service.save_enterprise(
            session,
            actor=office,
            data=EnterpriseIn(
                uscc=synthetic_uscc("91", "130100", 4),
                name_zh="测试企业HE-B",
                jurisdiction_code="130000",
                city_code="130100",
                synthetic=True,
            ),
        )
        outlet = registry_service.save_outlet(
            session,
            actor=office,
            enterprise_id=enterprise.id,
            data=OutletIn.model_validate(
                {
                    "code": "DW001",
                    "name_zh": "DW001排放口",
                    "kind": OutletKind.WASTEWATER,
                    "longitude": 114.6,
                    "latitude": 38.1,
                }
            ),
        )
        logger = registry_service.save_logger(
            session,
            actor=office,
            outlet_id=outlet.id,
            data=LoggerIn.model_validate(
                {"mn": "HE-B-W-001", "password": "123456", "protocol_version": 2017, "st": "32"}
            ),
        )
        registry_service.save_factor(
            session,
            actor=office,
            outlet_id=outlet.id,
            data=FactorIn(code="w01018", unit="mg/L", hourly_limit=50.0, daily_limit=40.0),
        )
        session.commit()
        return enterprise.id, logger.id


def _uscc(session_factory: sessionmaker[Session], enterprise_id: int) -> str:
    with session_factory() as session:
        enterprise = session.get(Enterprise, enterprise_id)
        assert enterprise is not None
        return enterprise.uscc


def _all_rows(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        answer = client.get(MONITORING, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
        rows += answer.json()["items"]
        if not answer.json()["next_cursor"]:
            return rows
        params["cursor"] = answer.json()["next_cursor"]


def _grants(session_factory: sessionmaker[Session], case_id: int) -> dict[str, int | None]:
    with session_factory() as session:
        return {
            j.jurisdiction_code: j.grant_id
            for j in session.scalars(
                select(CaseJurisdiction).where(CaseJurisdiction.case_id == case_id)
            )
        }


def _audit(session_factory: sessionmaker[Session], action: str) -> list[tuple[str, str, Any]]:
    with session_factory() as session:
        return [
            (e.actor_username, e.outcome, json.loads(e.detail_json))
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
            )
        ]


def _open_border_case(
    client: TestClient, session_factory: sessionmaker[Session], h: Headers, registry: Registry
) -> int:
    ids = open_events(session_factory, registry.loggers["HE-A-G-001"], "a21026", [40, 20, 50])
    made = client.post(
        f"{API}/sources/cases",
        json={"exceedance_ids": ids, "title": "SO2 at HE-A"},
        headers=h("he-env"),
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_the_neighbours_agency_reads_the_enterprise_through_the_case_grant(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    h = Headers(session_factory, people)
    he_b_id, he_b_logger = _second_hebei_enterprise(session_factory, people)
    store(session_factory, he_b_logger, hourly("w01018", [10, 11]))
    store(session_factory, registry.loggers["HE-A-W-001"], hourly("w01018", [20, 21, 22]))
    he_a = _uscc(session_factory, registry.enterprises["HE-A"])

    case_id = _open_border_case(client, session_factory, h, registry)
    grants = _grants(session_factory, case_id)
    assert grants["130000"] is None and grants["110000"] is not None
    grant_id = grants["110000"]

    # Beijing's environment agency reads HE-A's hourly rows and only those (3 SO2 + 3 COD).
    rows = _all_rows(client, h("bj-env"))
    assert len(rows) == 6 and {r["enterprise_uscc"] for r in rows} == {he_a}
    so2 = [r for r in rows if r["factor"] == "a21026"]
    assert [r["value"] for r in so2] == [40, 20, 50] and so2[0]["hourly_limit"] == 35.0
    assert so2[0]["hour"] == "2026-06-10T08:00:00+08:00"
    # A filter does not widen the scope: HE-B's rows stay out.
    he_b = _uscc(session_factory, he_b_id)
    other = client.get(MONITORING, params={"enterprise_uscc": he_b}, headers=h("bj-env"))
    assert other.status_code == 200 and other.json()["items"] == []
    # The owner province reads every enterprise's rows.
    assert len(_all_rows(client, h("he-env"))) == 8
    # Another organisation of Beijing, and Tianjin (not involved), read nothing.
    for who in ("bj-analyst", "bj-stats", "tj-env"):
        assert client.get(MONITORING, headers=h(who)).status_code == 403, who

    # The sources API decides by the same grant: bj-env reads HE-A's values, not HE-B's;
    # Beijing's analyst (involved province, no grant) does not.
    he_a_values = {"outlet": registry.outlets["HE-A/DW001"], "cn": 2061}
    answer = client.get(f"{API}/sources/values", params=he_a_values, headers=h("bj-env"))
    assert answer.status_code == 200 and len(answer.json()["items"]) == 3
    he_b_values = {"enterprise": he_b_id, "cn": 2061}
    assert (
        client.get(f"{API}/sources/values", params=he_b_values, headers=h("bj-env")).status_code
        == 403
    )
    assert (
        client.get(f"{API}/sources/values", params=he_a_values, headers=h("bj-analyst")).status_code
        == 403
    )
    # The analyst still reads the case (involvement), just not the enterprise's data.
    assert client.get(f"{API}/sources/cases/{case_id}", headers=h("bj-analyst")).status_code == 200

    # The grant is in the catalog's list with its scope, for the grantee and the owner.
    for who in ("bj-env", "he-env"):
        listed = client.get(
            f"{API}/access-grants",
            params={"dataset_code": "SOURCES-130000-MONITORING"},
            headers=h(who),
        ).json()["items"]
        assert [(g["id"], g["row_scope"], g["current"]) for g in listed] == [
            (grant_id, {"enterprise_uscc": [he_a]}, True)
        ], who
        assert listed[0]["organisation_id"] == people.organisations["bj_env"]

    # Revoking the grant in the catalog ends the reading (the case stays readable).
    revoked = client.post(
        f"{API}/access-grants/{grant_id}/revoke",
        json={"reason": "inspection finished"},
        headers=h("he-env"),
    )
    assert revoked.status_code == 200 and revoked.json()["revoked"], revoked.text
    assert client.get(MONITORING, headers=h("bj-env")).status_code == 403
    answer = client.get(f"{API}/sources/values", params=he_a_values, headers=h("bj-env"))
    assert answer.status_code == 403
    assert client.get(f"{API}/sources/cases/{case_id}", headers=h("bj-env")).status_code == 200

    # On the audit chain: the grant (by who opened the case), the involvement naming it, the
    # cross-jurisdiction reads, the refusals and the revocation.
    scoped = _audit(session_factory, "catalog.grant.scoped")
    assert [(who, outcome) for who, outcome, _ in scoped] == [("he-env", "ok")]
    assert scoped[0][2]["row_scope"] == {"enterprise_uscc": [he_a]}
    assert f"case {case_id}" in scoped[0][2]["reason"]
    involved = _audit(session_factory, "sources.case.involved")
    assert {d["reason"]: d["grant_id"] for _, _, d in involved} == {
        "border": grant_id,
        "lead": None,
    }
    reads = _audit(session_factory, "catalog.records.read")
    assert ("bj-env", "ok") in [(who, outcome) for who, outcome, _ in reads]
    assert [(who, o) for who, o, _ in _audit(session_factory, "catalog.grant.revoke")] == [
        ("he-env", "ok")
    ]
    denied = _audit(session_factory, "sources.values.read")
    assert ("bj-analyst", "denied") in [(who, o) for who, o, _ in denied]


def test_a_jurisdiction_the_office_adds_is_granted_and_keeps_reading_after_closing(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    h = Headers(session_factory, people)
    case_id = _open_border_case(client, session_factory, h, registry)
    assert client.get(MONITORING, headers=h("tj-env")).status_code == 403
    added = client.post(
        f"{API}/sources/cases/{case_id}/jurisdictions",
        json={"jurisdiction_code": "120000"},
        headers=h("office"),
    )
    assert added.status_code == 201, added.text
    assert _grants(session_factory, case_id)["120000"] is not None
    he_a = _uscc(session_factory, registry.enterprises["HE-A"])
    assert {r["enterprise_uscc"] for r in _all_rows(client, h("tj-env"))} == {he_a}
    assert [who for who, _, _ in _audit(session_factory, "catalog.grant.scoped")] == [
        "he-env",
        "office",
    ]

    # Closing the case does not end the grant: the record stays readable until revoked.
    closed = client.post(
        f"{API}/sources/cases/{case_id}/close",
        json={"conclusion": "Fined"},
        headers=h("he-env"),
    )
    assert closed.status_code == 200, closed.text
    assert len(_all_rows(client, h("tj-env"))) == 3


def test_an_event_the_actor_may_not_see_is_refused_like_a_missing_one(
    client: TestClient,
    session_factory: sessionmaker[Session],
    people: People,
    registry: Registry,
) -> None:
    h = Headers(session_factory, people)
    ids = open_events(session_factory, registry.loggers["HE-A-G-001"], "a21026", [40])
    missing = 999_999
    answers = [
        client.post(
            f"{API}/sources/cases",
            json={"exceedance_ids": [event], "title": "probe"},
            headers=h("bj-env"),
        )
        for event in (ids[0], missing)
    ]
    assert [a.status_code for a in answers] == [422, 422]
    shapes = [
        json.dumps(a.json()).replace(f"event {event}", "event N").replace(f"[{event}]", "[N]")
        for a, event in zip(answers, (ids[0], missing), strict=True)
    ]
    assert shapes[0] == shapes[1], shapes
    refused = _audit(session_factory, "sources.case.open")
    assert [(who, outcome) for who, outcome, _ in refused] == [("bj-env", "refused")] * 2
