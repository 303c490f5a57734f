"""Signed DCSA callbacks to real local HTTP receivers: the signature checked independently of
the platform's code, a dead receiver (closed port) and a slow one (answers after the timeout)
that do not hold back a live one, retries with backoff, a 401 that waits for a secret reset,
and a delivery that runs out of attempts."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.db import utcnow
from jingjinji.jobs import service as jobs
from jingjinji.jobs.models import Job
from jingjinji.ports import service
from jingjinji.ports.models import Delivery, Subscription
from jingjinji.ports.schemas.subscriptions import SubscriptionBody
from jingjinji.ports.service import callbacks
from jingjinji.security import Actor
from tests.ports.conftest import Ports, equipment_event, subscription_settings

BOX = "CSQU3054383"


@pytest.fixture(autouse=True)
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The receivers run on loopback: the administrator's allow-list lets them through."""
    # Short enough that the slow receiver's timeout does not make the test slow.
    monkeypatch.setattr(callbacks, "TIMEOUT", 1.0)
    yield from subscription_settings(monkeypatch, tmp_path, allowed_hosts="127.0.0.1")


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server in a thread; ``answer`` gives the status of each request."""

    answer: Callable[[Receiver], int] = lambda _: 204
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/dcsa/callback"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.received.append(Received(dict(self.headers.items()), body))
                receiver.arrived.set()
                status = receiver.answer(receiver)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the platform gave up waiting (the slow receiver)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.stop()


def closed_port_url() -> str:
    """A loopback port nothing listens on (bound, then closed): connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/dcsa/callback"


def secret(n: int) -> str:
    return base64.b64encode(bytes([n]) * 32).decode()


def subscribe(session: Session, actor: Actor, url: str, key: str) -> Subscription:
    body = SubscriptionBody(callbackUrl=url)
    return service.create_subscription(session, actor=actor, body=body, secret=key)


def record(session: Session, actor: Actor, *events: dict[str, Any]) -> None:
    parsed, payloads = service.parse_events(list(events))
    service.record_events(session, actor=actor, events=parsed, payloads=payloads)


def signed(key_b64: str, got: Received) -> bool:
    """The receiver's check, written from DCSA 2.2's text (not the platform's kernel): HMAC-
    SHA256 over the raw body bytes with the Base64-decoded secret, as ``sha256=<hex>``."""
    digest = hmac.new(base64.b64decode(key_b64), got.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(got.headers["Notification-Signature"], f"sha256={digest}")


def deliveries_of(session: Session, sub: Subscription) -> list[Delivery]:
    return list(session.scalars(select(Delivery).where(Delivery.subscription_pk == sub.id)))


def test_dead_and_slow_receivers_do_not_hold_back_a_live_one(
    session_factory: sessionmaker[Session], ports: Ports, receivers: list[Receiver]
) -> None:
    live = Receiver().start()
    seen_while_blocked: list[bool] = []

    def slow_answer(_: Receiver) -> int:
        # Block until the live receiver has its callback: were callbacks sent one after the
        # other with this one first, it never would (the wait ends unset after 10 s). Then
        # answer only after the platform's timeout.
        seen_while_blocked.append(live.arrived.wait(10))
        time.sleep(callbacks.TIMEOUT + 0.5)
        return 204

    slow = Receiver(answer=slow_answer).start()
    receivers.extend([live, slow])
    tj = ports.actors["tj_port"]
    event_id = str(uuid.uuid4())
    with session_factory() as session:
        # Subscribed in this order so that the slow and the dead receivers come first.
        to_slow = subscribe(session, tj, slow.url, secret(1))
        to_dead = subscribe(session, tj, closed_port_url(), secret(2))
        to_live = subscribe(session, tj, live.url, secret(3))
        sent_event = equipment_event(event_id, BOX, "CNTXG")
        record(session, tj, sent_event)
        session.commit()
        live_id = str(to_live.subscription_id)

    assert jobs.run_pending(session_factory) >= 1
    assert seen_while_blocked == [True]
    assert len(live.received) == 1
    got = live.received[0]
    assert signed(secret(3), got)
    assert not signed(secret(1), got)
    assert got.headers["Subscription-ID"] == live_id
    assert got.headers["Content-Type"] == "application/json"
    # A JSON array of the events exactly as the terminal sent them.
    assert json.loads(got.body) == [sent_event]

    now = utcnow()
    with session_factory() as session:
        [delivered] = deliveries_of(session, to_live)
        assert (delivered.status, delivered.attempts, delivered.last_status) == (
            "delivered", 1, 204,
        )  # fmt: skip
        for sub, error in ((to_slow, "Timeout"), (to_dead, "ConnectError")):
            [waiting] = deliveries_of(session, sub)
            assert waiting.status == "pending"
            assert waiting.attempts == 1
            assert error in (waiting.last_error or "")
            assert waiting.next_attempt_at is not None and waiting.next_attempt_at > now
        # The retry is queued for the earliest of them.
        retry = session.scalar(
            select(Job).where(Job.kind == callbacks.CALLBACK_JOB, Job.status == "queued")
        )
        assert retry is not None and retry.run_after > now


def test_a_401_holds_callbacks_until_the_secret_is_reset(
    session_factory: sessionmaker[Session], ports: Ports, receivers: list[Receiver]
) -> None:
    receiver = Receiver(answer=lambda r: 401 if len(r.received) == 1 else 204).start()
    receivers.append(receiver)
    tj = ports.actors["tj_port"]
    with session_factory() as session:
        sub = subscribe(session, tj, receiver.url, secret(4))
        record(session, tj, equipment_event(str(uuid.uuid4()), BOX, "CNTXG"))
        session.commit()
        sid = sub.subscription_id
    jobs.run_pending(session_factory)
    with session_factory() as session:
        row = session.scalar(select(Subscription).where(Subscription.subscription_id == sid))
        assert row is not None and row.secret_reset_needed
        [held] = deliveries_of(session, row)
        assert (held.status, held.last_status, held.next_attempt_at) == ("pending", 401, None)
        assert callbacks.run(session) == 0  # held: nothing is sent
        session.commit()
    assert len(receiver.received) == 1

    with session_factory() as session:
        service.reset_secret(session, actor=tj, subscription_id=sid, secret=secret(5))
        session.commit()
    jobs.run_pending(session_factory)
    assert len(receiver.received) == 2
    assert signed(secret(5), receiver.received[1])
    with session_factory() as session:
        row = session.scalar(select(Subscription).where(Subscription.subscription_id == sid))
        assert row is not None and not row.secret_reset_needed
        [done] = deliveries_of(session, row)
        assert (done.status, done.attempts) == ("delivered", 2)


def test_a_delivery_is_dead_after_its_attempts(
    session_factory: sessionmaker[Session], ports: Ports
) -> None:
    tj = ports.actors["tj_port"]
    with session_factory() as session:
        sub = subscribe(session, tj, closed_port_url(), secret(6))
        record(session, tj, equipment_event(str(uuid.uuid4()), BOX, "CNTXG"))
        session.commit()
        moment = utcnow()
        waits: list[dt.timedelta] = []
        for _ in range(callbacks.MAX_ATTEMPTS):
            assert callbacks.run(session, now=moment) == 1
            [delivery] = deliveries_of(session, sub)
            if delivery.next_attempt_at is not None:
                waits.append(delivery.next_attempt_at - moment)
                moment = delivery.next_attempt_at
        session.commit()
        [dead] = deliveries_of(session, sub)
        assert (dead.status, dead.attempts) == ("dead", callbacks.MAX_ATTEMPTS)
        assert callbacks.run(session, now=moment + dt.timedelta(days=1)) == 0
    # Backoff: the waits grow (jittered between half and all of a doubling delay, capped).
    seconds = [w.total_seconds() for w in waits]
    assert len(seconds) == callbacks.MAX_ATTEMPTS - 1
    assert callbacks.BASE_DELAY / 2 <= seconds[0] <= callbacks.BASE_DELAY
    assert seconds[-1] > seconds[0] * 8
    assert max(seconds) <= callbacks.CAP_DELAY


def test_a_secret_that_does_not_open_holds_only_its_own_subscription(
    session_factory: sessionmaker[Session], ports: Ports, receivers: list[Receiver]
) -> None:
    live = Receiver().start()
    receivers.append(live)
    tj = ports.actors["tj_port"]
    with session_factory() as session:
        broken = subscribe(session, tj, live.url, secret(7))
        # As if the key file had been replaced: this token opens with no key there is.
        broken.sealed_secret = "gAAAAABnot-a-token-of-this-key"
        working = subscribe(session, tj, live.url, secret(8))
        record(session, tj, equipment_event(str(uuid.uuid4()), BOX, "CNTXG"))
        session.commit()
        assert callbacks.run(session) == 1
        session.commit()
        [held] = deliveries_of(session, broken)
        assert broken.secret_reset_needed
        assert (held.status, held.next_attempt_at) == ("pending", None)
        assert "cannot be opened" in (held.last_error or "")
        [sent] = deliveries_of(session, working)
        assert sent.status == "delivered"
    assert len(live.received) == 1
    assert signed(secret(8), live.received[0])
