"""Webhook notifications of warning events: signing, verification, subscriptions, delivery.

Each delivery is a POST of a JSON body with the header::

    X-JJJ-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

During a secret rotation the header carries one ``v1`` per active secret (new first), so a
receiver may switch to the new secret at any time within the overlap. Receivers check with
:func:`verify_signature`, which also refuses timestamps older (or newer) than ``tolerance``
seconds to stop replays.

Deliveries run on the jobs worker (job kind ``warnings.webhook_delivery``); a failed attempt is
retried with the worker's exponential backoff (``jobs.service.backoff``); after
``max_attempts`` the delivery is ``dead`` and listed for administrators, who may retry it.

Receivers are outside the platform (server-side request forgery): a URL whose host is, or
resolves to, a loopback, private, link-local, multicast, reserved or unspecified address is
refused at registration (422 on ``url``) and again at every delivery, where the request is
pinned to the address that was checked (:mod:`jingjinji.net`) and redirects are not followed.
Administrators allow exceptions with ``JJJ_WEBHOOK_ALLOWED_HOSTS``. Refusals are audited.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji import net
from jingjinji.audit import service as audit
from jingjinji.config import Settings, get_settings
from jingjinji.db import is_db_id, utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.jobs import service as jobs
from jingjinji.security import SYSTEM_ACTOR, Actor, ensure_role
from jingjinji.warnings import policy
from jingjinji.warnings.models import WebhookDelivery, WebhookSubscription
from jingjinji.warnings.webhook_signing import DEFAULT_TOLERANCE as DEFAULT_TOLERANCE
from jingjinji.warnings.webhook_signing import parse_signature as parse_signature
from jingjinji.warnings.webhook_signing import sign as sign
from jingjinji.warnings.webhook_signing import verify_signature as verify_signature

SIGNATURE_HEADER = "X-JJJ-Signature"
EVENT_HEADER = "X-JJJ-Event"
DELIVERY_HEADER = "X-JJJ-Delivery"
DELIVERY_JOB = "warnings.webhook_delivery"
MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 10.0
ROTATION_OVERLAP = dt.timedelta(hours=24)
EVENT_TYPES: tuple[str, ...] = (
    "warning.proposed",
    "warning.consultation_opened",
    "warning.answered",
    "warning.issued",
    "warning.upgraded",
    "warning.downgraded",
    "warning.lifted",
    "warning.withdrawn",
)

_registered_event_types: list[str] = []


def register_event_types(event_types: Sequence[str]) -> None:
    """Let a later domain (water incidents) send its events through these subscriptions,
    signed and delivered the same way; subscribers choose them by name like the warnings'."""
    _registered_event_types.extend(e for e in event_types if e not in _registered_event_types)


def known_event_types() -> tuple[str, ...]:
    """Every event type a subscription may name: the warnings' and those registered."""
    return (*EVENT_TYPES, *_registered_event_types)


# Tests (and embedders) may route deliveries through another transport.
transport: httpx.BaseTransport | None = None


# ------------------------------------------------------------------------------------ subscriptions


def allow_list_of(settings: Settings) -> net.AllowList:
    """The administrator's exceptions to the address checks (``JJJ_WEBHOOK_ALLOWED_HOSTS``)."""
    return net.AllowList.parse(settings.webhook_allowed_hosts)


def allowed_hosts() -> net.AllowList:
    """The exceptions of this process's settings (the jobs worker has no request)."""
    return allow_list_of(get_settings())


def _check_url(
    session: Session, actor: Actor, url: str, allow: net.AllowList, resolver: net.Resolver
) -> str:
    """``url`` when it may receive deliveries; else an audited 422 on ``url`` saying why. A
    host that does not resolve yet is accepted: every delivery checks it again."""
    try:
        net.check_target(url, allow, resolver=resolver, unresolvable_ok=True)
    except net.UnsafeTarget as exc:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("the webhook URL is refused: {exc}", exc=exc),
                errors=[field_error(["body", "url"], msg("refused: {exc}", exc=exc))],
            ),
            actor=actor,
            action="webhook.create",
            object_type="webhook_subscription",
            detail={"url": url[:500]},
        ) from exc
    return url


def _check_events(event_types: Sequence[str]) -> list[str]:
    known = known_event_types()
    unknown = [e for e in event_types if e not in known and e != "*"]
    if unknown or not event_types:
        raise InvalidInput(
            msg("unknown event types {unknown}", unknown=repr(unknown))
            if unknown
            else msg("name at least one event type"),
            errors=[
                field_error(
                    ["body", "event_types"], msg("choose from {known} or *", known=list(known))
                )
            ],
        )
    return sorted(set(event_types))


def _admin(
    session: Session, actor: Actor | None, action: str, object_id: str | None = None
) -> Actor:
    return ensure_role(
        session,
        actor,
        policy.OFFICE_ROLE,
        action=action,
        object_type="webhook_subscription",
        object_id=object_id,
    )


def create_subscription(
    session: Session,
    *,
    actor: Actor | None,
    url: str,
    event_types: Sequence[str],
    secret: str | None = None,
    description: str = "",
    allow: net.AllowList | None = None,
    resolver: net.Resolver = net.system_resolver,
) -> WebhookSubscription:
    """Subscribe ``url`` (office administrators). The secret is generated unless given.
    ``allow``: the exceptions to the address checks (default: the settings')."""
    actor = _admin(session, actor, "webhook.create")
    checked = _check_url(session, actor, url, allowed_hosts() if allow is None else allow, resolver)
    row = WebhookSubscription(
        url=checked,
        event_types=_check_events(event_types),
        secret=secret or secrets.token_urlsafe(32),
        active=True,
        description=description,
        created_by=actor.username,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="webhook.create",
        object_type="webhook_subscription",
        object_id=row.id,
        detail={"url": row.url, "event_types": row.event_types},
    )
    return row


def get_subscription(session: Session, *, subscription_id: int) -> WebhookSubscription:
    row = session.get(WebhookSubscription, subscription_id) if is_db_id(subscription_id) else None
    if row is None:
        raise NotFound(msg("no webhook subscription {id}", id=subscription_id))
    return row


def list_subscriptions(session: Session, *, actor: Actor | None) -> list[WebhookSubscription]:
    """Every subscription (office administrators: the list names receivers' URLs)."""
    _admin(session, actor, "webhook.list")
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def rotate_secret(
    session: Session,
    *,
    actor: Actor | None,
    subscription_id: int,
    new_secret: str | None = None,
    overlap: dt.timedelta = ROTATION_OVERLAP,
) -> WebhookSubscription:
    """Replace the secret; until ``now + overlap`` deliveries are signed with both."""
    actor = _admin(session, actor, "webhook.rotate", str(subscription_id))
    row = get_subscription(session, subscription_id=subscription_id)
    row.previous_secret = row.secret
    row.previous_secret_until = utcnow() + overlap
    row.secret = new_secret or secrets.token_urlsafe(32)
    audit.record(
        session,
        actor=actor,
        action="webhook.rotate",
        object_type="webhook_subscription",
        object_id=row.id,
        detail={"overlap_until": row.previous_secret_until.isoformat()},
    )
    return row


def set_active(
    session: Session, *, actor: Actor | None, subscription_id: int, active: bool
) -> WebhookSubscription:
    actor = _admin(session, actor, "webhook.update", str(subscription_id))
    row = get_subscription(session, subscription_id=subscription_id)
    row.active = active
    audit.record(
        session,
        actor=actor,
        action="webhook.update",
        object_type="webhook_subscription",
        object_id=row.id,
        detail={"active": active},
    )
    return row


def signing_secrets(row: WebhookSubscription, *, now: dt.datetime | None = None) -> list[str]:
    now = now or utcnow()
    keys = [row.secret]
    if row.previous_secret and row.previous_secret_until and now < row.previous_secret_until:
        keys.append(row.previous_secret)
    return keys


# ------------------------------------------------------------------------------------ delivery


def dispatch(session: Session, *, event_type: str, payload: dict[str, Any]) -> list[int]:
    """Queue one delivery per active subscription to ``event_type``."""
    ids: list[int] = []
    subs = session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
    ).all()
    for sub in subs:
        if event_type not in sub.event_types and "*" not in sub.event_types:
            continue
        body = json.dumps(
            {"type": event_type, "sent_for": sub.id, **payload},
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        delivery = WebhookDelivery(
            subscription_id=sub.id,
            event_type=event_type,
            body=body,
            status="pending",
            attempts=0,
            max_attempts=MAX_ATTEMPTS,
        )
        session.add(delivery)
        session.flush()
        jobs.enqueue(
            session,
            kind=DELIVERY_JOB,
            payload={"delivery_id": delivery.id},
            max_attempts=MAX_ATTEMPTS,
        )
        ids.append(delivery.id)
    return ids


class DeliveryFailed(RuntimeError):
    pass


def attempt(
    session: Session,
    *,
    delivery_id: int,
    client: httpx.Client | None = None,
    now: dt.datetime | None = None,
    allow: net.AllowList | None = None,
    resolver: net.Resolver = net.system_resolver,
) -> WebhookDelivery:
    """Try one delivery now and record the outcome (committed). Raises
    :class:`DeliveryFailed` when it failed and may be retried.

    The receiver's host is resolved and checked first (``allow``: the exceptions, default the
    settings'); a refused address makes the delivery ``dead`` at once (audited) and nothing is
    sent. The request goes to the checked address, never to a second DNS answer."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound(msg("no webhook delivery {id}", id=delivery_id))
    if delivery.status != "pending":
        return delivery
    sub = session.get(WebhookSubscription, delivery.subscription_id)
    now = now or utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    body = delivery.body.encode("utf-8")
    error: str | None = None
    status_code: int | None = None
    if sub is None or not sub.active:
        error = "subscription inactive or removed"
    else:
        try:
            target = net.check_target(
                sub.url, allowed_hosts() if allow is None else allow, resolver=resolver
            )
        except net.UnsafeTarget as exc:
            return _refuse_delivery(session, delivery, sub, str(exc))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(
                signing_secrets(sub, now=now), body, timestamp=int(now.timestamp())
            ),
            EVENT_HEADER: delivery.event_type,
            DELIVERY_HEADER: str(delivery.id),
        }
        own = client is None
        # No proxies from the environment: the request must go to the checked address.
        http = client or httpx.Client(transport=transport, timeout=TIMEOUT_SECONDS, trust_env=False)
        try:
            response = net.post_pinned(http, target, content=body, headers=headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            if own:
                http.close()
    delivery.last_status_code = status_code
    if error is None:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.last_error = None
    else:
        delivery.last_error = error
        if delivery.attempts >= delivery.max_attempts:
            delivery.status = "dead"
    session.commit()
    if error is not None and delivery.status == "pending":
        raise DeliveryFailed(f"delivery {delivery.id} attempt {delivery.attempts}: {error}")
    return delivery


def _refuse_delivery(
    session: Session, delivery: WebhookDelivery, sub: WebhookSubscription, reason: str
) -> WebhookDelivery:
    """Nothing is sent to a refused address: the delivery is dead at once (an administrator
    may retry it after fixing the URL or the allow-list), and the refusal is audited."""
    delivery.status = "dead"
    delivery.last_status_code = None
    delivery.last_error = f"refused: {reason}"
    audit.record(
        session,
        actor=SYSTEM_ACTOR,
        action="webhook.deliver",
        object_type="webhook_delivery",
        object_id=delivery.id,
        outcome="refused",
        detail={"reason": reason, "subscription_id": sub.id, "url": sub.url},
    )
    session.commit()
    return delivery


@jobs.handler(DELIVERY_JOB)
def _delivery_job(session: Session, payload: dict[str, Any]) -> None:
    attempt(session, delivery_id=int(payload["delivery_id"]))


def list_deliveries(
    session: Session, *, status: str | None = None, limit: int = 200
) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    return list(session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(limit)))


def dead_letters(
    session: Session, *, actor: Actor | None, limit: int = 200
) -> list[WebhookDelivery]:
    ensure_role(
        session,
        actor,
        policy.OFFICE_ROLE,
        action="webhook.dead_letters",
        object_type="webhook_delivery",
    )
    return list_deliveries(session, status="dead", limit=limit)


def retry(session: Session, *, actor: Actor | None, delivery_id: int) -> WebhookDelivery:
    """Send a dead delivery again (a fresh round of attempts)."""
    actor = ensure_role(
        session,
        actor,
        policy.OFFICE_ROLE,
        action="webhook.retry",
        object_type="webhook_delivery",
        object_id=str(delivery_id),
    )
    delivery = session.get(WebhookDelivery, delivery_id) if is_db_id(delivery_id) else None
    if delivery is None:
        raise NotFound(msg("no webhook delivery {id}", id=delivery_id))
    if delivery.status != "dead":
        raise Conflict(
            msg(
                "delivery {delivery_id} is {delivery_status}; only dead ones are retried",
                delivery_id=delivery_id,
                delivery_status=delivery.status,
            )
        )
    delivery.status = "pending"
    delivery.max_attempts = delivery.attempts + MAX_ATTEMPTS
    jobs.enqueue(
        session, kind=DELIVERY_JOB, payload={"delivery_id": delivery.id}, max_attempts=MAX_ATTEMPTS
    )
    audit.record(
        session,
        actor=actor,
        action="webhook.retry",
        object_type="webhook_delivery",
        object_id=delivery.id,
        detail={"attempts_so_far": delivery.attempts},
    )
    return delivery
