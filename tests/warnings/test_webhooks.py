"""Webhook signatures (tampering, staleness, rotation) and delivery: a real local HTTP server,
retries with the worker's backoff, the dead-letter list and a manual retry."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit.models import AuditEntry
from jingjinji.config import get_settings
from jingjinji.errors import Conflict, NotAuthenticated, PermissionDenied
from jingjinji.jobs import service as jobs
from jingjinji.jobs.models import Job
from jingjinji.warnings import service, webhooks
from jingjinji.warnings.models import WebhookDelivery, WebhookSubscription
from tests.conftest import People

BODY = b'{"type":"warning.issued","warning":{"id":1}}'
NOW = 1_700_000_000


@pytest.fixture(autouse=True)
def allow_test_receivers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """These receivers run on loopback or behind a mock transport: the administrator's
    allow-list (the settings the jobs worker reads) lets them through the SSRF checks."""
    monkeypatch.setenv("JJJ_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("JJJ_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1,rx.example")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


# ------------------------------------------------------------------------------------ signatures


def test_valid_signature_verifies() -> None:
    header = webhooks.sign("s3cret-s3cret-s3cret", BODY, timestamp=NOW)
    assert header.startswith(f"t={NOW},v1=")
    assert webhooks.verify_signature("s3cret-s3cret-s3cret", header, BODY, now=NOW + 10)


def test_tampered_body_is_refused() -> None:
    header = webhooks.sign("k" * 20, BODY, timestamp=NOW)
    assert not webhooks.verify_signature("k" * 20, header, BODY.replace(b"1", b"2"), now=NOW)


def test_tampered_timestamp_is_refused() -> None:
    header = webhooks.sign("k" * 20, BODY, timestamp=NOW)
    forged = header.replace(f"t={NOW}", f"t={NOW + 5}")
    assert not webhooks.verify_signature("k" * 20, forged, BODY, now=NOW + 5)


@pytest.mark.parametrize(
    ("age", "ok"), [(299, True), (300, True), (301, False), (-301, False), (10_000, False)]
)
def test_stale_or_future_timestamp(age: int, ok: bool) -> None:
    header = webhooks.sign("k" * 20, BODY, timestamp=NOW)
    assert webhooks.verify_signature("k" * 20, header, BODY, now=NOW + age) is ok
    assert (
        webhooks.verify_signature("k" * 20, header, BODY, now=NOW + age, tolerance=20_000) is True
    )


def test_wrong_secret_and_garbage_headers() -> None:
    header = webhooks.sign("right-secret-123456", BODY, timestamp=NOW)
    assert not webhooks.verify_signature("wrong-secret-123456", header, BODY, now=NOW)
    for bad in (None, "", "v1=abc", f"t={NOW}", "t=notanumber,v1=00", "garbage"):
        assert not webhooks.verify_signature("right-secret-123456", bad, BODY, now=NOW)


@pytest.mark.parametrize(
    "header",
    [
        f"t={NOW},v1=\u00e9\u00e9",  # non-ASCII text: compare_digest on str raises TypeError
        f"t={NOW},v1=\udcff",
        "t=" + "9" * 400 + ",v1=00",  # too large for a float
        f"t=-{'9' * 400},v1=00",
    ],
)
def test_forged_headers_are_refused_not_raised(header: str) -> None:
    assert webhooks.verify_signature("k" * 20, header, BODY, now=float(NOW)) is False
    assert webhooks.verify_signature("k" * 20, header, BODY) is False


def test_rotated_secret_both_signatures_verify() -> None:
    header = webhooks.sign(["new-secret-abcdefgh", "old-secret-abcdefgh"], BODY, timestamp=NOW)
    assert header.count("v1=") == 2
    # a receiver still on the old secret, one already on the new one, one holding both
    assert webhooks.verify_signature("old-secret-abcdefgh", header, BODY, now=NOW)
    assert webhooks.verify_signature("new-secret-abcdefgh", header, BODY, now=NOW)
    assert webhooks.verify_signature(
        ["new-secret-abcdefgh", "old-secret-abcdefgh"], header, BODY, now=NOW
    )
    assert not webhooks.verify_signature("other-secret-abcdefg", header, BODY, now=NOW)


# ------------------------------------------------------------------------------------ delivery


class Receiver:
    """A real HTTP server on 127.0.0.1 that records requests and answers with a scripted code."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.codes: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                receiver.requests.append(({k: v for k, v in self.headers.items()}, body))
                code = receiver.codes.pop(0) if receiver.codes else 204
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _propose(session: Session, people: People) -> int:
    w = service.propose(
        session,
        actor=people["office"],
        cities=["110000"],
        level="orange",
        start=dt.date(2016, 12, 16),
        end=dt.date(2016, 12, 18),
        max_aqi=350,
        criteria_code="bth-2017",
        basis="manual",
    )
    session.commit()
    return w.id


def _make_due(session_factory: sessionmaker[Session]) -> None:
    """Skip the backoff wait (what the clock would do)."""
    with session_factory() as s:
        s.execute(
            update(Job)
            .where(Job.status == "queued")
            .values(run_after=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        s.commit()


def test_delivery_to_a_real_local_server_is_signed(
    session_factory: sessionmaker[Session], warn: People, receiver: Receiver
) -> None:
    with session_factory() as s:
        sub = webhooks.create_subscription(
            s, actor=warn["office"], url=receiver.url, event_types=["warning.proposed"]
        )
        secret, sub_id = sub.secret, sub.id
        s.commit()
        warning_id = _propose(s, warn)
    assert jobs.run_pending(session_factory) >= 1
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert webhooks.verify_signature(secret, headers[webhooks.SIGNATURE_HEADER], body)
    payload = json.loads(body)
    assert payload["type"] == "warning.proposed" and payload["warning"]["id"] == warning_id
    assert payload["sent_for"] == sub_id
    assert headers[webhooks.EVENT_HEADER] == "warning.proposed"
    with session_factory() as s:
        (delivery,) = s.scalars(select(WebhookDelivery)).all()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "delivered",
            1,
            204,
        )


def test_not_subscribed_events_are_not_sent(
    session_factory: sessionmaker[Session], warn: People, receiver: Receiver
) -> None:
    with session_factory() as s:
        webhooks.create_subscription(
            s, actor=warn["office"], url=receiver.url, event_types=["warning.issued"]
        )
        s.commit()
        _propose(s, warn)
        assert s.scalars(select(WebhookDelivery)).all() == []


def test_retries_with_backoff_then_dead_letter_then_manual_retry(
    session_factory: sessionmaker[Session],
    warn: People,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webhooks, "MAX_ATTEMPTS", 3)
    receiver.codes = [500, 503, 500]
    with session_factory() as s:
        webhooks.create_subscription(s, actor=warn["office"], url=receiver.url, event_types=["*"])
        s.commit()
        _propose(s, warn)
    before = dt.datetime.now(dt.UTC)
    jobs.run_pending(session_factory)
    with session_factory() as s:
        job = s.scalars(select(Job).where(Job.kind == webhooks.DELIVERY_JOB)).one()
        assert job.status == "queued" and job.attempts == 1
        wait = (job.run_after - before).total_seconds()
        assert jobs.backoff(1) - 1 <= wait <= jobs.backoff(1) + 5  # exponential backoff: 10 s
        delivery = s.scalars(select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            "pending",
            1,
            "HTTP 500",
        )
    assert jobs.run_pending(session_factory) == 0  # not due yet
    for _ in range(2):
        _make_due(session_factory)
        jobs.run_pending(session_factory)
    assert len(receiver.requests) == 3
    with session_factory() as s:
        delivery = s.scalars(select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts) == ("dead", 3)
        dead = webhooks.dead_letters(s, actor=warn["office"])
        assert [d.id for d in dead] == [delivery.id]
        # only administrators see or retry dead letters
        with pytest.raises(PermissionDenied):
            webhooks.dead_letters(s, actor=warn["bj-env"])
        with pytest.raises(PermissionDenied):
            webhooks.retry(s, actor=warn["bj-admin"], delivery_id=delivery.id)
        webhooks.retry(s, actor=warn["office"], delivery_id=delivery.id)
        s.commit()
        with pytest.raises(Conflict):
            webhooks.retry(s, actor=warn["office"], delivery_id=delivery.id)
    jobs.run_pending(session_factory)
    with session_factory() as s:
        delivery = s.scalars(select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts) == ("delivered", 4)
        assert webhooks.dead_letters(s, actor=warn["office"]) == []
        actions = set(s.scalars(select(AuditEntry.action)).all())
        assert {"webhook.create", "webhook.retry", "webhook.dead_letters"} <= actions


def test_rotation_signs_with_both_secrets_until_overlap_ends(
    session_factory: sessionmaker[Session],
    warn: People,
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with session_factory() as s:
        sub = webhooks.create_subscription(
            s,
            actor=warn["office"],
            url="https://rx.example/h",
            event_types=["*"],
            secret="old-secret-0123456789",
        )
        webhooks.rotate_secret(
            s, actor=warn["office"], subscription_id=sub.id, new_secret="new-secret-0123456789"
        )
        s.commit()
        _propose(s, warn)
        delivery = s.scalars(select(WebhookDelivery)).one()
        webhooks.attempt(s, delivery_id=delivery.id, client=client)
        header = seen[0].headers[webhooks.SIGNATURE_HEADER]
        assert header.count("v1=") == 2
        for key in ("old-secret-0123456789", "new-secret-0123456789"):
            assert webhooks.verify_signature(key, header, seen[0].content)
        # after the overlap only the new secret signs
        later = dt.datetime.now(dt.UTC) + webhooks.ROTATION_OVERLAP + dt.timedelta(minutes=1)
        current = s.get(WebhookSubscription, sub.id)
        assert current is not None
        assert webhooks.signing_secrets(current, now=later) == ["new-secret-0123456789"]


def test_connection_refused_is_a_failed_attempt(
    session_factory: sessionmaker[Session],
    warn: People,
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with session_factory() as s:
        webhooks.create_subscription(
            s, actor=warn["office"], url="http://127.0.0.1:9/x", event_types=["*"]
        )
        s.commit()
        _propose(s, warn)
        delivery = s.scalars(select(WebhookDelivery)).one()
        with pytest.raises(webhooks.DeliveryFailed):
            webhooks.attempt(
                s,
                delivery_id=delivery.id,
                client=httpx.Client(transport=httpx.MockTransport(refuse)),
            )
        s.refresh(delivery)
        assert delivery.status == "pending" and "ConnectError" in (delivery.last_error or "")


def test_only_office_manages_subscriptions(session: Session, warn: People) -> None:
    for who in ("bj-env", "bj-admin", "bj-analyst"):
        with pytest.raises(PermissionDenied):
            webhooks.create_subscription(
                session, actor=warn[who], url="https://x.example/h", event_types=["*"]
            )
    denied = session.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied")).all()
    assert len(denied) == 3


@pytest.mark.parametrize(
    "url", ["ftp://x.example/h", "not a url", "/relative", "h\x02ttp://x", "http://\x00/"]
)
def test_bad_urls_are_refused(session: Session, warn: People, url: str) -> None:
    from jingjinji.errors import InvalidInput

    with pytest.raises(InvalidInput):
        webhooks.create_subscription(session, actor=warn["office"], url=url, event_types=["*"])


def test_only_office_lists_subscriptions(
    client: TestClient, session_factory: sessionmaker[Session], warn: People
) -> None:
    """The listing names every receiver's URL: office administrators only, like creating one.
    Anonymous is a 401; an analyst or a steward a 403, audited as denied."""
    url = "/api/v1/warnings/webhooks"
    with session_factory() as s:
        webhooks.create_subscription(
            s, actor=warn["office"], url="https://receiver.example/h", event_types=["*"]
        )
        s.commit()
    anonymous = client.get(url)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    for who in ("bj-analyst", "bj-env"):
        refused = client.get(url, headers=warn.headers(session_factory, who))
        assert refused.status_code == 403, (who, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    with session_factory() as s:
        denied = s.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied")).all()
        # The anonymous 401 is on the record too, by the API's one refusal log (issue 10).
        assert [(d.actor_username, d.action, d.object_type) for d in denied] == [
            ("anonymous", "api.unauthenticated", "request"),
            ("bj-analyst", "webhook.list", "webhook_subscription"),
            ("bj-env", "webhook.list", "webhook_subscription"),
        ]
        with pytest.raises(NotAuthenticated):
            webhooks.list_subscriptions(s, actor=None)
        with pytest.raises(PermissionDenied):
            webhooks.list_subscriptions(s, actor=warn["bj-env"])
    allowed = client.get(url, headers=warn.headers(session_factory, "office"))
    assert allowed.status_code == 200, allowed.text
    assert [sub["url"] for sub in allowed.json()] == ["https://receiver.example/h"]
    assert "secret" not in allowed.json()[0]
