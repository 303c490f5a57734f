"""DCSA 2.2 event subscriptions through the API (shapes, ownership, refusals) and which events
make deliveries (filters and the owner's visibility), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.ports import service
from jingjinji.ports.models import Delivery, Subscription
from jingjinji.ports.schemas.subscriptions import SubscriptionBody
from jingjinji.ports.service import sealing
from jingjinji.security import Actor
from tests.ports.conftest import Ports, equipment_event, subscription_settings

BASE = "/api/v1/ports/dcsa/v2/event-subscriptions"
SECRET = base64.b64encode(b"k" * 32).decode()
BOX = "CSQU3054383"


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The sealing key lives in this test's var directory; rx.example stands for a public
    receiver (allowed by name, never resolved here)."""
    yield from subscription_settings(monkeypatch, tmp_path, allowed_hosts="rx.example")


def _body(**extra: Any) -> dict[str, Any]:
    return {"callbackUrl": "https://rx.example/dcsa/callback", "secret": SECRET, **extra}


def test_create_read_update_delete(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    created = client.post(
        BASE, json=_body(eventType=["EQUIPMENT"], equipmentEventTypeCode=["DISC", "LOAD"]),
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.headers["API-Version"] == "2.2.0"
    sub = created.json()
    assert "secret" not in sub
    assert sub["callbackUrl"] == "https://rx.example/dcsa/callback"
    assert sub["eventType"] == ["EQUIPMENT"]
    assert sub["equipmentEventTypeCode"] == ["DISC", "LOAD"]
    sid = sub["subscriptionID"]
    assert uuid.UUID(sid)

    got = client.get(f"{BASE}/{sid}", headers=headers)
    assert got.status_code == 200
    assert got.json() == sub
    listed = client.get(BASE, headers=headers)
    assert listed.status_code == 200
    assert [s["subscriptionID"] for s in listed.json()] == [sid]
    assert "Current-Page" in listed.headers

    changed = client.put(
        f"{BASE}/{sid}",
        json={"subscriptionID": sid, "callbackUrl": "https://rx.example/other",
              "equipmentReference": BOX, "bookingReference": "BKG-7"},
        headers=headers,
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "subscriptionID": sid,
        "callbackUrl": "https://rx.example/other",
        "equipmentReference": BOX,
        "carrierBookingReference": "BKG-7",  # 2.2's deprecated name read as the new one
    }
    assert (
        client.put(f"{BASE}/{sid}/secret", json={"secret": SECRET}, headers=headers).status_code
        == 204
    )
    deleted = client.delete(f"{BASE}/{sid}", headers=headers)
    assert deleted.status_code == 204
    assert client.get(f"{BASE}/{sid}", headers=headers).status_code == 404


def test_the_list_pages_with_links_in_headers(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    made = [
        client.post(BASE, json=_body(), headers=headers).json()["subscriptionID"] for _ in "abc"
    ]
    first = client.get(BASE, params={"limit": 2}, headers=headers)
    assert [s["subscriptionID"] for s in first.json()] == made[:2]
    second = client.get(first.headers["Next-Page"], headers=headers)
    assert [s["subscriptionID"] for s in second.json()] == made[2:]
    assert "Next-Page" not in second.headers
    newest = client.get(BASE, params={"sort": "createdDateTime:DESC"}, headers=headers)
    assert [s["subscriptionID"] for s in newest.json()] == made[::-1]


def test_the_secret_is_sealed_at_rest(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    sid = client.post(BASE, json=_body(), headers=headers).json()["subscriptionID"]
    with session_factory() as session:
        row = session.scalar(
            select(Subscription).where(Subscription.subscription_id == uuid.UUID(sid))
        )
        assert row is not None
        assert SECRET not in row.sealed_secret
        assert sealing.sealer().open(row.sealed_secret) == SECRET


def test_another_organisation_is_refused_and_audited(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    owner = ports.headers(session_factory, "tj_port")
    other = ports.headers(session_factory, "he_cfd")
    sid = client.post(BASE, json=_body(), headers=owner).json()["subscriptionID"]
    assert client.get(BASE, headers=other).json() == []
    for method, path, body in (
        ("GET", f"{BASE}/{sid}", None),
        ("PUT", f"{BASE}/{sid}", {"callbackUrl": "https://rx.example/steal"}),
        ("PUT", f"{BASE}/{sid}/secret", {"secret": SECRET}),
        ("DELETE", f"{BASE}/{sid}", None),
    ):
        answer = client.request(method, path, json=body, headers=other)
        assert answer.status_code == 403, (method, path, answer.text)
    with session_factory() as session:
        refused = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.object_id == sid, AuditEntry.outcome == "denied"
            )
        ).all()
    assert sorted(refused) == [
        "ports.subscription.delete", "ports.subscription.read", "ports.subscription.secret",
        "ports.subscription.update",
    ]  # fmt: skip
    # Untouched by the refused attempts.
    assert client.get(f"{BASE}/{sid}", headers=owner).json()["callbackUrl"].endswith("/callback")


def test_a_province_administrator_has_no_organisation_to_subscribe_for(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    answer = client.post(BASE, json=_body(), headers=ports.headers(session_factory, "tj-admin"))
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_body(secret="not base64!"), "secret"),
        (_body(secret=base64.b64encode(b"short").decode()), "secret"),  # 5 bytes < 32
        (_body(callbackUrl="http://10.0.0.8/cb"), "callbackUrl"),  # a private address
        (_body(callbackUrl="http://localhost:8080/cb"), "callbackUrl"),
        (_body(callbackUrl="ftp://rx.example/cb"), "callbackUrl"),
        (_body(equipmentEventTypeCode=["LOAD", "SAIL"]), "equipmentEventTypeCode"),
        (_body(eventType="EQUIPMENT"), "eventType"),  # a list in 2.2, not a string
        (_body(vesselIMONumber="93214"), "vesselIMONumber"),
        (_body(evenType=["EQUIPMENT"]), "evenType"),  # a misspelt filter never widens
        ({"secret": SECRET}, "callbackUrl"),
    ],
)
def test_bad_subscriptions_are_refused_naming_the_field(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports,
    body: dict[str, Any], field: str,
) -> None:  # fmt: skip
    answer = client.post(BASE, json=body, headers=ports.headers(session_factory, "tj_port"))
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["statusCode"] == "400"
    assert any(field in e["loc"] for e in problem["errors"]), problem
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Subscription)) == 0


def test_put_refuses_a_secret_and_another_id(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    headers = ports.headers(session_factory, "tj_port")
    sid = client.post(BASE, json=_body(), headers=headers).json()["subscriptionID"]
    with_secret = client.put(f"{BASE}/{sid}", json=_body(), headers=headers)
    assert with_secret.status_code == 400
    other_id = {"callbackUrl": "https://rx.example/x", "subscriptionID": str(uuid.uuid4())}
    assert client.put(f"{BASE}/{sid}", json=other_id, headers=headers).status_code == 400


# ------------------------------------------------------------------------- which events deliver


def _subscribe(session: Session, actor: Actor, **filters: Any) -> Subscription:
    body = SubscriptionBody.model_validate({"callbackUrl": "https://rx.example/cb", **filters})
    return service.create_subscription(session, actor=actor, body=body, secret=SECRET)


def _record(session: Session, actor: Actor, *events: dict[str, Any]) -> None:
    parsed, payloads = service.parse_events(list(events))
    service.record_events(session, actor=actor, events=parsed, payloads=payloads)


def _deliveries(session: Session, sub: Subscription) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.subscription_pk == sub.id)
        )
        or 0
    )


def test_filters_decide_which_events_are_delivered(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    tj = ports.actors["tj_port"]
    with session_factory() as session:
        discharges = _subscribe(session, tj, equipmentEventTypeCode=["DISC"])
        loads = _subscribe(session, tj, equipmentEventTypeCode=["LOAD"], equipmentReference=BOX)
        everything = _subscribe(session, tj)
        transport = _subscribe(session, tj, eventType=["TRANSPORT"])
        _record(
            session, tj,
            equipment_event(str(uuid.uuid4()), BOX, "CNTXG", code="DISC"),
            equipment_event(str(uuid.uuid4()), BOX, "CNTXG", code="LOAD"),
            equipment_event(str(uuid.uuid4()), "APZU4812090", "CNTXG", code="LOAD"),
        )  # fmt: skip
        session.commit()
        assert _deliveries(session, discharges) == 1
        assert _deliveries(session, loads) == 1
        assert _deliveries(session, everything) == 3
        assert _deliveries(session, transport) == 0


def test_a_subscription_receives_only_what_its_organisation_reads(
    session_factory: sessionmaker[Session], ports: Ports, people: Any
) -> None:
    tj, hha = ports.actors["tj_port"], ports.actors["he_hha"]
    with session_factory() as session:
        huanghua = _subscribe(session, hha)
        office = _subscribe(session, people["office"])
        # Tianjin's event of a box Huanghua has never handled: not Huanghua's to read.
        _record(session, tj, equipment_event(str(uuid.uuid4()), BOX, "CNTXG", code="LOAD"))
        session.commit()
        assert _deliveries(session, huanghua) == 0
        assert _deliveries(session, office) == 1
        # Once the box is at Huanghua, Tianjin's next events of it are (the transhipment rule).
        _record(session, hha, equipment_event(str(uuid.uuid4()), BOX, "CNHHA", code="DISC",
                                              created="2026-09-02T10:00:00+08:00"))  # fmt: skip
        _record(session, tj, equipment_event(str(uuid.uuid4()), BOX, "CNTXG", code="GTIN",
                                             created="2026-09-03T10:00:00+08:00"))  # fmt: skip
        session.commit()
        assert _deliveries(session, huanghua) == 2
        assert _deliveries(session, office) == 3


def test_a_duplicate_intake_makes_no_second_delivery(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    tj = ports.actors["tj_port"]
    event = equipment_event(str(uuid.uuid4()), BOX, "CNTXG")
    with session_factory() as session:
        sub = _subscribe(session, tj)
        _record(session, tj, event)
        _record(session, tj, event)  # the same eventID and JSON: a duplicate, not stored again
        session.commit()
        assert _deliveries(session, sub) == 1
