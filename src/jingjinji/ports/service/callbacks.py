"""Sending DCSA 2.2 callbacks: the ``ports.callbacks`` job.

A run takes the due deliveries (locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers
never send the same one), groups them by subscription (at most ``BATCH`` events per callback)
and sends every subscription's callback at the same time, each from its own thread with its own
``TIMEOUT`` seconds: a dead or slow receiver costs its own thread that long and never delays the
others' requests. The body is a JSON array of the events exactly as they were accepted, sent as
the bytes that were signed: ``Notification-Signature: sha256=<HMAC-SHA256 of the body with the
Base64-decoded secret>``, ``Subscription-ID`` and ``API-Version`` headers.

Every callback writes the subscription's health (last attempt, last success, consecutive
failures, last status and error) for the management page; a paused subscription's deliveries
wait, as held ones do, until it is resumed.

Outcomes: any 2xx delivers (DCSA's receiver answers 204). A 401 means the receiver no longer
knows the secret: the subscription is marked, and its callbacks wait, until the subscriber
resets the secret (``PUT .../secret``). Anything else (another status, a refused connection, a
timeout) is retried after ``kernels.signing.backoff_delays`` (doubling from ``BASE_DELAY`` to
``CAP_DELAY``, jittered by subscription) until ``MAX_ATTEMPTS``, then the delivery is dead. A
callback URL whose address is refused at delivery time is dead at once, nothing sent.

Effects: like every HTTP side effect of a job, a callback is sent at least once (a worker that
dies after sending and before its commit sends again): receivers de-duplicate by ``eventID``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from jingjinji import net
from jingjinji.config import get_settings
from jingjinji.db import utcnow
from jingjinji.jobs import service as jobs
from jingjinji.ports.kernels import signing
from jingjinji.ports.models import Delivery, DeliveryStatus, Event, Subscription
from jingjinji.ports.service.sealing import sealer

CALLBACK_JOB = "ports.callbacks"
API_VERSION = "2.2.0"
SIGNATURE_HEADER = "Notification-Signature"
SUBSCRIPTION_HEADER = "Subscription-ID"
#: Seconds one callback may take (connect, send, answer) before it counts as failed.
TIMEOUT = 5.0
MAX_ATTEMPTS = 8
BASE_DELAY = 10.0
CAP_DELAY = 3600.0
#: Events per callback; a subscription with more due waits for the next run (queued at once).
BATCH = 100
#: Deliveries one run takes.
RUN_LIMIT = 5000
#: Threads sending at once.
MAX_PARALLEL = 32

# Tests (and embedders) may route callbacks through another transport.
transport: httpx.BaseTransport | None = None


def schedule(session: Session, *, at: dt.datetime) -> None:
    """Queue a run at ``at`` in the caller's transaction. Runs at the same moment share one job
    (its dedupe key names the moment); an extra run finds nothing due and is cheap."""
    jobs.enqueue(
        session,
        kind=CALLBACK_JOB,
        run_after=at,
        max_attempts=3,
        dedupe_key=f"{CALLBACK_JOB}:{at.isoformat(timespec='seconds')}",
    )


def release_paused(session: Session) -> None:
    """A subscription was resumed: a run now sends what waited (due times were kept)."""
    schedule(session, at=utcnow())


def release_held(session: Session, *, subscription_pk: int) -> None:
    """Make the callbacks a 401 held back due now (the secret was reset)."""
    now = utcnow()
    session.execute(
        update(Delivery)
        .where(
            Delivery.subscription_pk == subscription_pk,
            Delivery.status == DeliveryStatus.PENDING.value,
            Delivery.next_attempt_at.is_(None),
        )
        .values(next_attempt_at=now)
    )
    schedule(session, at=now)


@dataclass
class Outcome:
    """What one callback got: the HTTP status (None: no answer) and the error, if any."""

    status: int | None
    error: str | None
    refused: bool = False


@dataclass
class Callback:
    subscription: Subscription
    deliveries: list[Delivery]
    body: bytes
    headers: dict[str, str]


def _due(session: Session, now: dt.datetime) -> list[Delivery]:
    stmt = (
        select(Delivery)
        .join(Subscription, Subscription.id == Delivery.subscription_pk)
        .where(
            Delivery.status == DeliveryStatus.PENDING.value,
            Delivery.next_attempt_at <= now,
            Subscription.secret_reset_needed.is_(False),
            Subscription.paused.is_(False),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(RUN_LIMIT)
        .with_for_update(of=Delivery, skip_locked=True)
    )
    return list(session.scalars(stmt))


def _callbacks(session: Session, due: Sequence[Delivery]) -> tuple[list[Callback], bool]:
    """The callbacks of ``due`` (one per subscription) and whether some were left for later."""
    by_sub: dict[int, list[Delivery]] = defaultdict(list)
    for delivery in due:
        by_sub[delivery.subscription_pk].append(delivery)
    subs = {
        s.id: s for s in session.scalars(select(Subscription).where(Subscription.id.in_(by_sub)))
    }
    taken = {pk: sorted(ds, key=lambda d: d.event_pk)[:BATCH] for pk, ds in by_sub.items()}
    rows = session.execute(
        select(Event.id, Event.payload).where(
            Event.id.in_([d.event_pk for ds in taken.values() for d in ds])
        )
    )
    payloads: dict[int, Any] = {event_pk: payload for event_pk, payload in rows}
    out: list[Callback] = []
    for pk, deliveries in taken.items():
        sub = subs[pk]
        events = [payloads[d.event_pk] for d in deliveries]
        # Compact UTF-8 JSON: these exact bytes are signed and sent, never serialised again.
        body = json.dumps(events, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            key = signing.decode_secret(sealer().open(sub.sealed_secret))
        except (RuntimeError, signing.SecretError) as exc:
            # The key file was replaced or lost: hold this subscription's callbacks until its
            # secret is reset (as after a 401) instead of failing every subscription's run.
            _hold(sub, deliveries, f"the secret cannot be opened: {exc}")
            continue
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signing.signature(body, key),
            SUBSCRIPTION_HEADER: str(sub.subscription_id),
            "API-Version": API_VERSION,
        }
        out.append(Callback(sub, deliveries, body, headers))
    return out, any(len(ds) > BATCH for ds in by_sub.values())


def _hold(sub: Subscription, deliveries: Sequence[Delivery], error: str) -> None:
    sub.secret_reset_needed = True
    for delivery in deliveries:
        delivery.last_error = error[:500]
        delivery.next_attempt_at = None


def _send(client: httpx.Client, callback: Callback, allow: net.AllowList) -> Outcome:
    """POST one callback (runs in its own thread; ``TIMEOUT`` bounds it)."""
    try:
        target = net.check_target(callback.subscription.callback_url, allow)
    except net.UnsafeTarget as exc:
        return Outcome(None, f"refused: {exc}", refused=True)
    try:
        response = net.post_pinned(client, target, content=callback.body, headers=callback.headers)
    except httpx.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return Outcome(response.status_code, None)
    return Outcome(response.status_code, f"HTTP {response.status_code}")


def send_all(callbacks: Sequence[Callback], allow: net.AllowList) -> list[Outcome]:
    """Send every callback at once (a thread each, up to ``MAX_PARALLEL``). One client serves
    them all (it is thread-safe): a client per callback would build a TLS context each, which
    costs more CPU than a callback does. No proxies from the environment: each request must go
    to the address that was checked."""
    if not callbacks:
        return []
    limits = httpx.Limits(max_connections=MAX_PARALLEL, max_keepalive_connections=0)
    with (
        httpx.Client(
            transport=transport, timeout=TIMEOUT, trust_env=False, limits=limits
        ) as client,
        ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(callbacks))) as pool,
    ):
        return list(pool.map(lambda c: _send(client, c, allow), callbacks))


def _record(callback: Callback, outcome: Outcome, now: dt.datetime) -> dt.datetime | None:
    """Write the outcome on the deliveries; returns when the next attempt is due (if any)."""
    sub = callback.subscription
    next_at: dt.datetime | None = None
    if outcome.status == 401:
        sub.secret_reset_needed = True
    # The subscription's health, as its management page shows it.
    sub.last_attempt_at = now
    sub.last_status = outcome.status
    if outcome.error is None:
        sub.last_success_at = now
        sub.consecutive_failures = 0
    else:
        sub.consecutive_failures += 1
        sub.last_error = outcome.error[:500]
    for delivery in callback.deliveries:
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status = outcome.status
        delivery.last_error = outcome.error
        if outcome.error is None:
            delivery.status = DeliveryStatus.DELIVERED.value
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif outcome.refused or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.DEAD.value
            delivery.next_attempt_at = None
        elif outcome.status == 401:
            delivery.last_error = "HTTP 401: the subscription's secret needs a reset"
            delivery.next_attempt_at = None  # held until the secret is reset
        else:
            wait = signing.backoff_delays(
                delivery.attempts, BASE_DELAY, CAP_DELAY, jitter_seed=sub.id
            )[-1]
            delivery.next_attempt_at = now + dt.timedelta(seconds=wait)
            next_at = min(next_at or delivery.next_attempt_at, delivery.next_attempt_at)
    return next_at


def run(session: Session, *, now: dt.datetime | None = None) -> int:
    """Send the due callbacks and record what happened (in ``session``; the job commits).
    Returns how many callbacks were sent."""
    now = now or utcnow()
    callbacks, more = _callbacks(session, _due(session, now))
    outcomes = send_all(callbacks, net.AllowList.parse(get_settings().webhook_allowed_hosts))
    for callback, outcome in zip(callbacks, outcomes, strict=True):
        _record(callback, outcome, now)
    session.flush()
    # The next run: at the earliest pending delivery, and a second on at the soonest (a run due
    # this very second may be this one, whose dedupe key it shares). That also takes any
    # delivery this run did not see: committed by an intake after this run read the due ones
    # (its own job shared this run's key), or locked by a concurrent run.
    soonest = now + dt.timedelta(seconds=1)
    later = session.scalar(
        select(func.min(Delivery.next_attempt_at))
        .join(Subscription, Subscription.id == Delivery.subscription_pk)
        .where(
            Delivery.status == DeliveryStatus.PENDING.value,
            Delivery.next_attempt_at.is_not(None),
            # Held ones wait for a secret reset, paused ones for a resume: each queues its run.
            Subscription.secret_reset_needed.is_(False),
            Subscription.paused.is_(False),
        )
    )
    if more or later is not None:
        schedule(session, at=soonest if more or later is None else max(later, soonest))
    return len(callbacks)


@jobs.handler(CALLBACK_JOB)
def _callbacks_job(session: Session, payload: dict[str, Any]) -> None:
    run(session)
