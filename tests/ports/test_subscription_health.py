"""What the callbacks job records for the management pages, against real local receivers:
each callback writes its subscription's health (last attempt, success, failures in a row,
status, error); a paused subscription's callbacks wait, nothing lost, and go once it is resumed;
the platform's demo receiver accepts only a callback signed with the named subscription's
secret. SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import get_settings
from jingjinji.db import utcnow
from jingjinji.jobs.models import Job
from jingjinji.ports import service
from jingjinji.ports.models import Delivery, DeliveryStatus, Subscription
from jingjinji.ports.service import callbacks
from tests.ports.conftest import Ports, equipment_event, subscription_settings
from tests.ports.test_subscriptions_delivery import (
    BOX,
    Receiver,
    closed_port_url,
    record,
    secret,
    subscribe,
)


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The receivers run on loopback: the administrator's allow-list lets them through."""
    yield from subscription_settings(
        monkeypatch, tmp_path, allowed_hosts="127.0.0.1", JJJ_PORTS_DEMO_RECEIVER="1"
    )


@pytest.fixture
def live() -> Iterator[Receiver]:
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def _sub(session: Session, sid: uuid.UUID) -> Subscription:
    return session.scalars(select(Subscription).where(Subscription.subscription_id == sid)).one()


def test_each_callback_writes_the_subscriptions_health(
    session_factory: sessionmaker[Session], ports: Ports, live: Receiver
) -> None:
    tj = ports.actors["tj_port"]
    with session_factory() as session:
        good = subscribe(session, tj, live.url, secret(1)).subscription_id
        bad = subscribe(session, tj, closed_port_url(), secret(2)).subscription_id
        record(session, tj, equipment_event(str(uuid.uuid4()), BOX, "CNTXG"))
        session.commit()
    now = utcnow()
    with session_factory() as session:
        assert callbacks.run(session, now=now) == 2
        session.commit()
    with session_factory() as session:
        ok, failed = _sub(session, good), _sub(session, bad)
        assert (ok.last_attempt_at, ok.last_success_at, ok.last_status) == (now, now, 204)
        assert ok.consecutive_failures == 0 and ok.last_error is None
        assert failed.last_attempt_at == now and failed.last_success_at is None
        assert failed.consecutive_failures == 1 and failed.last_status is None
        assert failed.last_error is not None and failed.last_error.startswith("ConnectError")
        attempted = session.scalars(select(Delivery.last_attempt_at)).all()
        assert attempted == [now, now]
        health = service.subscription_admin.health_of(session, actor=tj, subscription_id=bad)
        assert (health.state, health.pending, health.retrying) == ("failing", 1, 1)


def test_a_paused_subscription_keeps_its_callbacks_until_resumed(
    session_factory: sessionmaker[Session], ports: Ports, live: Receiver
) -> None:
    tj = ports.actors["tj_port"]
    admin = service.subscription_admin
    with session_factory() as session:
        sid = subscribe(session, tj, live.url, secret(3)).subscription_id
        admin.set_paused(session, actor=tj, subscription_id=sid, paused=True)
        record(session, tj, equipment_event(str(uuid.uuid4()), BOX, "CNTXG"))
        session.commit()
    with session_factory() as session:
        assert callbacks.run(session) == 0  # nothing sent while paused
        session.commit()
        assert session.scalar(select(Delivery.status)) == DeliveryStatus.PENDING.value
        assert admin.health_of(session, actor=tj, subscription_id=sid).state == "paused"
    assert live.received == []
    callback_jobs = select(Job.id).where(Job.kind == callbacks.CALLBACK_JOB)
    with session_factory() as session:
        # The runs queued so far are taken (as the worker would have): the resume queues its own.
        session.execute(delete(Job).where(Job.kind == callbacks.CALLBACK_JOB))
        session.commit()
        admin.set_paused(session, actor=tj, subscription_id=sid, paused=False)
        session.commit()
        assert len(session.scalars(callback_jobs).all()) == 1
    with session_factory() as session:
        assert callbacks.run(session) == 1
        session.commit()
        assert session.scalar(select(Delivery.status)) == DeliveryStatus.DELIVERED.value
    assert len(live.received) == 1


def test_the_demo_receiver_accepts_only_a_correctly_signed_callback(
    client: TestClient, session_factory: sessionmaker[Session], ports: Ports
) -> None:
    key = secret(4)
    with session_factory() as session:
        sid = subscribe(session, ports.actors["tj_port"], "http://127.0.0.1:9/cb", key)
        sid_text = str(sid.subscription_id)
        session.commit()
    body = b'[{"eventID":"x"}]'
    good = "sha256=" + hmac.new(base64.b64decode(key), body, hashlib.sha256).hexdigest()
    url = "/api/v1/ports/demo-receiver"
    headers = {"Content-Type": "application/json", "Subscription-ID": sid_text}
    wrong_key = "sha256=" + hmac.new(b"k" * 32, body, hashlib.sha256).hexdigest()
    assert client.post(url, content=body, headers=headers).status_code == 401
    assert (
        client.post(
            url, content=body, headers={**headers, "Notification-Signature": wrong_key}
        ).status_code
        == 401
    )
    unknown = {**headers, "Subscription-ID": str(uuid.uuid4()), "Notification-Signature": good}
    assert client.post(url, content=body, headers=unknown).status_code == 401
    signed = {**headers, "Notification-Signature": good}
    assert client.post(url, content=body, headers=signed).status_code == 204
    with session_factory() as session:
        receipts = service.subscription_admin.receipts_of(
            session, subscription_id=uuid.UUID(sid_text)
        )
        assert [(r.event_count, r.body_sha256) for r in receipts] == [
            (1, hashlib.sha256(body).hexdigest())
        ]


def test_the_demo_receiver_is_a_404_unless_switched_on(
    client: TestClient,
    session_factory: sessionmaker[Session],
    ports: Ports,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outside ``jjj demo`` (JJJ_PORTS_DEMO_RECEIVER unset) a correctly signed callback to the
    demo receiver is a 404 and leaves no receipt."""
    monkeypatch.delenv("JJJ_PORTS_DEMO_RECEIVER")
    get_settings.cache_clear()
    key = secret(5)
    with session_factory() as session:
        sid = subscribe(session, ports.actors["tj_port"], "http://127.0.0.1:9/cb", key)
        sid_text = str(sid.subscription_id)
        session.commit()
    body = b'[{"eventID":"x"}]'
    good = "sha256=" + hmac.new(base64.b64decode(key), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "Subscription-ID": sid_text,
        "Notification-Signature": good,
    }
    answer = client.post("/api/v1/ports/demo-receiver", content=body, headers=headers)
    assert answer.status_code == 404
    assert "JJJ_PORTS_DEMO_RECEIVER" in answer.json()["detail"]
    with session_factory() as session:
        assert (
            service.subscription_admin.receipts_of(session, subscription_id=uuid.UUID(sid_text))
            == []
        )
