"""Editing a subscription on its page: the callback URL and the filters change through the
API's own service (``update_subscription``: the same checks as PUT), audited; a refusal is
shown inside the form in the reader's language; another organisation's subscription is an
audited 403 and stays as it was; SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.ports.models import Subscription
from tests.conftest import csrf_from, login
from tests.ports.conftest import Ports
from tests.ports.test_subscription_pages import _create, _entries, settings_env

__all__ = ["settings_env"]  # the page tests' settings (sealing key, rx.example allowed)

EDIT_HX = {"HX-Request": "true", "HX-Target": "edit-result"}
NEW_URL = "https://rx.example/dcsa/v2"


def _filters(session_factory: sessionmaker[Session], sid: str) -> tuple[str, dict[str, object]]:
    with session_factory() as session:
        row = session.scalars(select(Subscription)).one()
        assert str(row.subscription_id) == sid
        return row.callback_url, row.filters


def test_the_owner_changes_the_callback_and_the_filters(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", ports.people.password)
    sid, _ = _create(client, event_type=["EQUIPMENT"], equipment_event_type_code="LOAD")
    page = client.get(f"/ports/subscriptions/{sid}")
    assert 'data-testid="edit-subscription-form"' in page.text
    # The form shows what is stored: the ticked type, the codes.
    assert 'value="EQUIPMENT" checked' in page.text and 'value="LOAD"' in page.text
    answer = client.post(
        f"/ports/subscriptions/{sid}/edit",
        data={
            "csrf_token": csrf_from(page.text),
            "callback_url": NEW_URL,
            "event_type": ["TRANSPORT", "EQUIPMENT"],
            "transport_event_type_code": "arri",
            "transport_document_type_code": ["SWB"],
            "carrier_voyage_number": "2407E",
            "vessel_imo_number": "9321483",
        },
        headers=EDIT_HX,
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["HX-Redirect"] == f"/ports/subscriptions/{sid}"
    assert _filters(session_factory, sid) == (
        NEW_URL,
        {
            "eventType": ["TRANSPORT", "EQUIPMENT"],
            "transportEventTypeCode": ["ARRI"],
            "transportDocumentTypeCode": ["SWB"],
            "vesselIMONumber": "9321483",
            "carrierVoyageNumber": "2407E",
        },
    )
    shown = client.get(f"/ports/subscriptions/{sid}?lang=en")
    assert f"<code>{NEW_URL}</code>" in shown.text and "<code>2407E</code>" in shown.text
    assert _entries(session_factory, sid) == [
        ("ports.subscription.create", "ok"),
        ("ports.subscription.update", "ok"),
    ]


def test_a_refusal_is_shown_inside_the_form_in_chinese(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", ports.people.password)
    sid, _ = _create(client, equipment_event_type_code="LOAD")
    page = client.get(f"/ports/subscriptions/{sid}")
    token = csrf_from(page.text)
    loopback = client.post(
        f"/ports/subscriptions/{sid}/edit",
        data={"csrf_token": token, "callback_url": "http://127.0.0.1:8000/x"},
        headers=EDIT_HX,
    )
    assert loopback.status_code == 422
    assert 'id="edit-result" data-testid="refusal"' in loopback.text
    assert "回调地址被拒绝" in loopback.text
    unknown_code = client.post(
        f"/ports/subscriptions/{sid}/edit",
        data={"csrf_token": token, "callback_url": NEW_URL, "transport_event_type_code": "XXXX"},
        headers=EDIT_HX,
    )
    assert unknown_code.status_code == 422
    assert 'id="edit-result" data-testid="refusal"' in unknown_code.text
    assert "transportEventTypeCode" in unknown_code.text
    assert "订阅的过滤条件不被接受" in unknown_code.text
    # Nothing changed; both refusals are on the record.
    assert _filters(session_factory, sid) == (
        "https://rx.example/dcsa/callback",
        {"equipmentEventTypeCode": ["LOAD"]},
    )
    assert _update_outcomes(session_factory) == ["refused", "refused"]


def _update_outcomes(session_factory: sessionmaker[Session]) -> list[str]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(AuditEntry.outcome)
                .where(AuditEntry.action == "ports.subscription.update")
                .order_by(AuditEntry.seq)
            )
        )


def test_another_organisation_cannot_edit_it(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", ports.people.password)
    sid, _ = _create(client)
    client.cookies.clear()
    login(client, "he-port", ports.people.password)
    token = csrf_from(client.get("/ports/subscriptions").text)
    answer = client.post(
        f"/ports/subscriptions/{sid}/edit",
        data={"csrf_token": token, "callback_url": "https://rx.example/stolen"},
        headers=EDIT_HX,
    )
    assert answer.status_code == 403
    assert 'data-testid="refusal"' in answer.text and "该事件订阅属于其他机构" in answer.text
    assert _filters(session_factory, sid) == ("https://rx.example/dcsa/callback", {})
    assert ("ports.subscription.update", "denied") in _entries(session_factory, sid)
    assert _update_outcomes(session_factory) == ["denied"]
    client.cookies.clear()
    login(client, "office", ports.people.password)
    detail = client.get(f"/ports/subscriptions/{sid}")
    assert 'data-testid="edit-subscription-form"' not in detail.text  # the office only reads
