"""The subscription management pages: an organisation's list with delivery health, the office's
view of all with the owner, create and reset showing the secret once, refusals shown in the
page in the reader's language (and audited), another terminal refused (403/404, audited),
pause and resume, deletion only once confirmed; SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.ports.models import Subscription
from tests.conftest import csrf_from, login
from tests.ports.conftest import Ports, subscription_settings
from tests.statements import count_request

HX = {"HX-Request": "true", "HX-Target": "subscription-result"}
URL = "https://rx.example/dcsa/callback"
SECRET_IN_PAGE = re.compile(r'<code data-testid="secret">([A-Za-z0-9+/=]+)</code>')


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The sealing key in this test's var directory; rx.example stands for a public receiver."""
    yield from subscription_settings(monkeypatch, tmp_path, allowed_hosts="rx.example")


def _create(client: TestClient, **fields: str | list[str]) -> tuple[str, str]:
    """Create through the page's form (htmx); the new subscription's id and the shown secret."""
    page = client.get("/ports/subscriptions")
    data: dict[str, str | list[str]] = {"csrf_token": csrf_from(page.text), "callback_url": URL}
    data.update(fields)
    answer = client.post("/ports/subscriptions", data=data, headers=HX)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    found = SECRET_IN_PAGE.search(answer.text)
    assert found, answer.text
    sid = re.search(r'href="/ports/subscriptions/([0-9a-f-]{36})"', answer.text)
    assert sid
    return sid.group(1), found.group(1)


def _entries(session_factory: sessionmaker[Session], sid: str) -> list[tuple[str, str]]:
    with session_factory() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.outcome)
            .where(AuditEntry.object_id == sid)
            .order_by(AuditEntry.seq)
        ).all()
    return [(a, o) for a, o in rows]


def test_create_shows_the_secret_once_and_the_list_shows_health(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", ports.people.password)
    empty = client.get("/ports/subscriptions")
    assert empty.status_code == 200
    assert "事件订阅" in empty.text and 'data-testid="no-subscriptions"' in empty.text
    sid, secret = _create(client, event_type=["EQUIPMENT"], equipment_event_type_code="gtot, disc")
    assert len(secret) == 44  # 32 bytes, Base64
    listed = client.get("/ports/subscriptions")
    assert f'data-testid="subscription-{sid}" data-state="waiting"' in listed.text
    assert "<code>EQUIPMENT</code>" in listed.text and "<code>GTOT, DISC</code>" in listed.text
    assert "尚未发送" in listed.text  # "Nothing sent yet", in Chinese
    detail = client.get(f"/ports/subscriptions/{sid}?lang=en")
    assert detail.status_code == 200
    assert "Equipment event codes (<code>equipmentEventTypeCode</code>)" in detail.text
    assert 'data-testid="reset-secret"' in detail.text
    for page in (listed, detail):
        assert secret not in page.text  # never shown again
    # A reset shows a new secret once; the old one is gone.
    reset = client.post(
        f"/ports/subscriptions/{sid}/secret",
        data={"csrf_token": csrf_from(detail.text)},
        headers={"HX-Request": "true", "HX-Target": "secret-result"},
    )
    assert reset.status_code == 200
    assert 'id="secret-result"' in reset.text
    found = SECRET_IN_PAGE.search(reset.text)
    assert found and found.group(1) != secret
    assert found.group(1) not in client.get(f"/ports/subscriptions/{sid}").text
    assert _entries(session_factory, sid) == [
        ("ports.subscription.create", "ok"),
        ("ports.subscription.secret", "ok"),
    ]


def test_refusals_are_shown_in_the_page_in_the_readers_language(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", ports.people.password)
    page = client.get("/ports/subscriptions")
    token = csrf_from(page.text)
    loopback = client.post(
        "/ports/subscriptions",
        data={"csrf_token": token, "callback_url": "http://127.0.0.1:8000/x"},
        headers=HX,
    )
    assert loopback.status_code == 422
    assert 'id="subscription-result" data-testid="refusal"' in loopback.text
    assert "回调地址被拒绝" in loopback.text
    unknown_code = client.post(
        "/ports/subscriptions",
        data={"csrf_token": token, "callback_url": URL, "equipment_event_type_code": "XXXX"},
        headers={**HX, "accept-language": "en"},
    )
    assert unknown_code.status_code == 422
    assert 'data-testid="refusal"' in unknown_code.text
    assert "the subscription&#39;s filters are not accepted" in unknown_code.text
    assert "equipmentEventTypeCode" in unknown_code.text
    with session_factory() as session:
        refused = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.action == "ports.subscription.create",
                AuditEntry.outcome == "refused",
            )
        ).all()
        assert len(refused) == 2
        assert session.scalar(select(Subscription.id)) is None


def test_another_terminal_can_neither_see_nor_change_it(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", ports.people.password)
    sid, _ = _create(client)
    client.cookies.clear()
    login(client, "he-port", ports.people.password)
    listed = client.get("/ports/subscriptions")
    assert sid not in listed.text
    token = csrf_from(listed.text)
    assert client.get(f"/ports/subscriptions/{sid}").status_code == 403
    for step, data in (
        ("secret", {}),
        ("pause", {"paused": "true"}),
        ("delete", {"confirm": "yes"}),
    ):
        answer = client.post(
            f"/ports/subscriptions/{sid}/{step}",
            data={"csrf_token": token, **data},
            headers={"HX-Request": "true", "HX-Target": "manage-result"},
        )
        assert answer.status_code == 403, step
        assert 'data-testid="refusal"' in answer.text and "该事件订阅属于其他机构" in answer.text
    unknown = uuid.uuid4()
    assert client.get(f"/ports/subscriptions/{unknown}").status_code == 404
    assert [e for e in _entries(session_factory, sid) if e[1] != "ok"] == [
        ("ports.subscription.read", "denied"),
        ("ports.subscription.secret", "denied"),
        ("ports.subscription.pause", "denied"),
        ("ports.subscription.delete", "denied"),
    ]
    with session_factory() as session:
        row = session.scalar(select(Subscription))
        assert row is not None and not row.paused  # untouched


def test_the_office_sees_every_subscription_with_its_owner_but_changes_none(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", ports.people.password)
    sid, _ = _create(client)
    client.cookies.clear()
    login(client, "office", ports.people.password)
    listed = client.get("/ports/subscriptions")
    assert f'data-testid="subscription-{sid}"' in listed.text
    assert "天津港集装箱码头（演示）" in listed.text  # the owner
    detail = client.get(f"/ports/subscriptions/{sid}")
    assert detail.status_code == 200
    assert 'data-testid="subscription-actions"' not in detail.text
    paused = client.post(
        f"/ports/subscriptions/{sid}/pause",
        data={"csrf_token": csrf_from(detail.text), "paused": "true"},
        headers={"HX-Request": "true", "HX-Target": "manage-result"},
    )
    assert paused.status_code == 403


def test_pause_resume_and_delete_only_when_confirmed(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    login(client, "tj-port", ports.people.password)
    sid, _ = _create(client)
    detail = client.get(f"/ports/subscriptions/{sid}")
    token = csrf_from(detail.text)
    hx = {"HX-Request": "true", "HX-Target": "manage-result"}
    paused = client.post(
        f"/ports/subscriptions/{sid}/pause", data={"csrf_token": token, "paused": "true"},
        headers=hx,
    )  # fmt: skip
    assert paused.status_code == 200 and paused.headers["HX-Redirect"].endswith(sid)
    page = client.get(f"/ports/subscriptions/{sid}")
    assert 'data-state="paused"' in page.text and 'data-testid="resume"' in page.text
    client.post(
        f"/ports/subscriptions/{sid}/pause", data={"csrf_token": token, "paused": "false"},
        headers=hx,
    )  # fmt: skip
    assert 'data-testid="pause"' in client.get(f"/ports/subscriptions/{sid}").text
    unconfirmed = client.post(
        f"/ports/subscriptions/{sid}/delete", data={"csrf_token": token}, headers=hx
    )
    assert unconfirmed.status_code == 422
    assert 'id="manage-result" data-testid="refusal"' in unconfirmed.text
    assert "勾选" in unconfirmed.text  # "tick the box", in Chinese
    deleted = client.post(
        f"/ports/subscriptions/{sid}/delete", data={"csrf_token": token, "confirm": "yes"},
        headers=hx,
    )  # fmt: skip
    assert deleted.status_code == 200 and deleted.headers["HX-Redirect"] == "/ports/subscriptions"
    assert client.get(f"/ports/subscriptions/{sid}").status_code == 404
    assert _entries(session_factory, sid) == [
        ("ports.subscription.create", "ok"),
        ("ports.subscription.pause", "ok"),
        ("ports.subscription.resume", "ok"),
        ("ports.subscription.delete", "refused"),
        ("ports.subscription.delete", "ok"),
    ]


def test_the_list_reads_a_bounded_number_of_statements(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    """The health comes from the subscription rows and one grouped count of deliveries: the
    list's statements do not grow with its subscriptions (no query per row)."""
    login(client, "tj-port", ports.people.password)
    _create(client)
    small = count_request(client, "/ports/subscriptions").count
    for _ in range(5):
        _create(client)
    large = count_request(client, "/ports/subscriptions")
    assert large.response.text.count('data-testid="subscription-') == 6
    assert large.count <= small, (small, large.count)
