"""The demo's two callback subscribers after the ``ports.callbacks`` job runs, against the
platform served on a real loopback port: the live one's callbacks reach the platform's demo
receiver, which verifies each signature, and it is healthy; the dead one (a closed loopback
port) fails and waits for retries, and did not hold the live one back (both were sent in the
same first run). Without the loopback allowance the demo leaves them out."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import get_settings
from jingjinji.db import utcnow
from jingjinji.demo import DemoContext
from jingjinji.ports import demo, service
from jingjinji.ports.models import Delivery, DeliveryStatus, Subscription
from jingjinji.ports.service import callbacks
from tests.browser_support import LiveServer
from tests.conftest import People, login


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """As ``jjj demo`` sets it: loopback callback addresses allowed for this process."""
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("JJJ_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("JJJ_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("JJJ_PORTS_DEMO_RECEIVER", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _states(session: Session, subscribed: dict[str, str]) -> dict[str, Subscription]:
    return {
        kind: session.scalars(
            select(Subscription).where(Subscription.subscription_id == uuid.UUID(sid))
        ).one()
        for kind, sid in subscribed.items()
    }


def _pending(session: Session, row: Subscription) -> int:
    return len(
        session.scalars(
            select(Delivery.id).where(
                Delivery.subscription_pk == row.id,
                Delivery.status == DeliveryStatus.PENDING.value,
            )
        ).all()
    )


def test_live_subscriber_is_healthy_and_dead_one_fails_with_retries(
    demo_env: None,
    live_server: LiveServer,
    session_factory: sessionmaker[Session],
    people: People,
    client: TestClient,
) -> None:
    ctx = DemoContext(
        values={"organisations": people.organisations, "ports_receiver_base": live_server.url}
    )
    with session_factory() as session:
        demo.load(session, ctx)
        session.commit()
    subscribed = ctx.values["ports_demo"]["subscribers"]
    assert set(subscribed) == {"live", "dead"}
    with session_factory() as session:
        rows = _states(session, subscribed)
        live_waiting = _pending(session, rows["live"])
        dead_waiting = _pending(session, rows["dead"])
    assert live_waiting > 0 and dead_waiting > 0  # the green channel's events made callbacks

    now = utcnow()
    with session_factory() as session:
        sent = callbacks.run(session, now=now)
        session.commit()
    assert sent == 2  # both subscribers' callbacks went in the same run
    with session_factory() as session:
        rows = _states(session, subscribed)
        live, dead = rows["live"], rows["dead"]
        # The dead receiver did not hold the live one back: delivered in that first run.
        assert live.last_success_at == now and live.consecutive_failures == 0
        assert dead.last_success_at is None and dead.consecutive_failures == 1
        assert dead.last_error is not None and "ConnectError" in dead.last_error
        assert _pending(session, dead) == dead_waiting  # all waiting for their retry
    # Later runs (an hour apart, past any backoff) drain the live one; the dead one keeps failing.
    for hour in range(1, 4):
        with session_factory() as session:
            callbacks.run(session, now=now + dt.timedelta(hours=hour))
            session.commit()
    with session_factory() as session:
        rows = _states(session, subscribed)
        assert _pending(session, rows["live"]) == 0
        assert rows["dead"].consecutive_failures >= 2
        receipts = service.subscription_admin.receipts_of(
            session, subscription_id=uuid.UUID(subscribed["live"])
        )
        # Every delivered event reached the receiver, which verified each callback's signature.
        assert sum(r.event_count for r in receipts) == live_waiting
        assert not service.subscription_admin.receipts_of(
            session, subscription_id=uuid.UUID(subscribed["dead"])
        )
    login(client, "office", people.password)
    page = client.get("/ports/subscriptions?lang=en")
    assert f'data-testid="subscription-{subscribed["live"]}" data-state="healthy"' in page.text
    assert f'data-testid="subscription-{subscribed["dead"]}" data-state="failing"' in page.text
    detail = client.get(f"/ports/subscriptions/{subscribed['dead']}?lang=en")
    assert 'data-testid="retrying">' + str(dead_waiting) + "<" in detail.text


def test_without_the_loopback_allowance_the_demo_has_no_subscribers(
    session_factory: sessionmaker[Session], people: People
) -> None:
    ctx = DemoContext(values={"organisations": people.organisations})
    with session_factory() as session:
        demo.load(session, ctx)
        session.commit()
        assert ctx.values["ports_demo"]["subscribers"] == {}
        assert session.scalar(select(Subscription.id)) is None
