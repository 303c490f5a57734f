"""DCSA 2.2 event subscriptions: create, read, change, delete, reset the secret, and the
deliveries that recorded events make for them (``queue_deliveries``, called by
``intake.record_events`` in the events' own transaction).

Only the owner (``policy.owns_subscription``) sees or changes a subscription; another's is an
audited 403, an unknown id a 404. A callback URL must be a public http(s) address
(``net.check_target``; administrators allow exceptions with ``JJJ_WEBHOOK_ALLOWED_HOSTS``, the
setting warnings webhooks use), checked again at every delivery. The secret is Base64 of 32-64
bytes (``kernels.signing``), stored sealed and never returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from jingjinji import net
from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, NotFound, PermissionDenied, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.ports import policy
from jingjinji.ports.kernels import matching, signing
from jingjinji.ports.models import (
    Delivery,
    DeliveryStatus,
    DemoReceipt,
    Event,
    EventReference,
    ReferenceKind,
    Subscription,
)
from jingjinji.ports.schemas.subscriptions import SubscriptionBody, SubscriptionOut
from jingjinji.ports.service import callbacks, query
from jingjinji.ports.service.sealing import sealer
from jingjinji.security import Actor, require_actor

OBJECT = "port_subscription"


def allowed_hosts() -> net.AllowList:
    """The administrator's exceptions to the address checks (the webhooks' setting)."""
    return net.AllowList.parse(get_settings().webhook_allowed_hosts)


def _subscriber(session: Session, actor: Actor | None, action: str) -> Actor:
    actor = require_actor(actor)
    if not policy.may_subscribe(actor):
        raise audit.audited_refusal(
            session,
            PermissionDenied(msg("event subscriptions belong to an organisation or the office")),
            actor=actor,
            action=action,
            object_type=OBJECT,
        )
    return actor


def _check_url(session: Session, actor: Actor, url: str, action: str) -> str:
    try:
        net.check_target(url, allowed_hosts(), unresolvable_ok=True)
    except net.UnsafeTarget as exc:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("the callback URL is refused: {reason}", reason=str(exc)),
                errors=[
                    field_error(["body", "callbackUrl"], msg("refused: {reason}", reason=str(exc)))
                ],
            ),
            actor=actor,
            action=action,
            object_type=OBJECT,
            detail={"url": url[:500]},
        ) from exc
    return url


def _sealed(secret: str) -> str:
    try:
        signing.decode_secret(secret)
    except signing.SecretError as exc:
        raise InvalidInput(exc.reason, errors=[field_error(["body", "secret"], str(exc))]) from None
    return sealer().seal(secret)


def out(row: Subscription) -> SubscriptionOut:
    return SubscriptionOut.model_validate(
        {"subscriptionID": row.subscription_id, "callbackUrl": row.callback_url, **row.filters}
    )


def create_subscription(
    session: Session, *, actor: Actor | None, body: SubscriptionBody, secret: str
) -> Subscription:
    actor = _subscriber(session, actor, "ports.subscription.create")
    row = Subscription(
        subscription_id=uuid.uuid4(),
        organisation_id=policy.subscription_owner(actor),
        created_by=actor.username,
        callback_url=_check_url(session, actor, body.callbackUrl, "ports.subscription.create"),
        filters=body.filters(),
        sealed_secret=_sealed(secret),
        secret_reset_needed=False,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="ports.subscription.create",
        object_type=OBJECT,
        object_id=str(row.subscription_id),
        detail={"callbackUrl": row.callback_url, "filters": row.filters},
    )
    return row


def get_subscription(
    session: Session, *, actor: Actor | None, subscription_id: uuid.UUID, action: str = "read"
) -> Subscription:
    """The subscription if ``actor`` owns it; 404 when unknown, an audited 403 when another's."""
    full = f"ports.subscription.{action}"
    actor = _subscriber(session, actor, full)
    row = session.scalar(
        select(Subscription).where(Subscription.subscription_id == subscription_id)
    )
    if row is None:
        raise NotFound(msg("no event subscription {id}", id=str(subscription_id)))
    if not policy.owns_subscription(actor, organisation_id=row.organisation_id):
        raise audit.audited_refusal(
            session,
            PermissionDenied(msg("the event subscription belongs to another organisation")),
            actor=actor,
            action=full,
            object_type=OBJECT,
            object_id=str(subscription_id),
            outcome="denied",
        )
    return row


def list_subscriptions(
    session: Session,
    *,
    actor: Actor | None,
    cursor: str | None = None,
    limit: int = 100,
    descending: bool = False,
) -> Paged[Subscription]:
    """The subscriptions of ``actor``'s organisation (or the office), oldest first."""
    actor = _subscriber(session, actor, "ports.subscription.list")
    owner = policy.subscription_owner(actor)
    stmt = select(Subscription).where(
        Subscription.organisation_id.is_(None)
        if owner is None
        else Subscription.organisation_id == owner
    )
    return paginate(
        session, stmt, Subscription.id, cursor=cursor, limit=check_limit(limit),
        descending=descending,
    )  # fmt: skip


def update_subscription(
    session: Session, *, actor: Actor | None, subscription_id: uuid.UUID, body: SubscriptionBody
) -> Subscription:
    """Replace the callback URL and the filters (DCSA's PUT: the whole subscription)."""
    row = get_subscription(session, actor=actor, subscription_id=subscription_id, action="update")
    actor = require_actor(actor)
    row.callback_url = _check_url(session, actor, body.callbackUrl, "ports.subscription.update")
    row.filters = body.filters()
    row.updated_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="ports.subscription.update",
        object_type=OBJECT,
        object_id=str(subscription_id),
        detail={"callbackUrl": row.callback_url, "filters": row.filters},
    )
    return row


def delete_subscription(
    session: Session, *, actor: Actor | None, subscription_id: uuid.UUID
) -> None:
    """Stop the subscription; its deliveries not yet sent are dropped with it."""
    row = get_subscription(session, actor=actor, subscription_id=subscription_id, action="delete")
    session.execute(delete(Delivery).where(Delivery.subscription_pk == row.id))
    session.execute(delete(DemoReceipt).where(DemoReceipt.subscription_pk == row.id))
    session.delete(row)
    audit.record(
        session,
        actor=require_actor(actor),
        action="ports.subscription.delete",
        object_type=OBJECT,
        object_id=str(subscription_id),
    )


def reset_secret(
    session: Session, *, actor: Actor | None, subscription_id: uuid.UUID, secret: str
) -> Subscription:
    """Replace the secret. Callbacks held back by a 401 become due at once."""
    row = get_subscription(session, actor=actor, subscription_id=subscription_id, action="secret")
    row.sealed_secret = _sealed(secret)
    was_waiting = row.secret_reset_needed
    row.secret_reset_needed = False
    row.updated_at = utcnow()
    if was_waiting:
        callbacks.release_held(session, subscription_pk=row.id)
    audit.record(
        session,
        actor=require_actor(actor),
        action="ports.subscription.secret",
        object_type=OBJECT,
        object_id=str(subscription_id),
        detail={"released_held_callbacks": was_waiting},
    )
    return row


# ---------------------------------------------------------------------------- matching events


def _facts(session: Session, rows: Sequence[Event]) -> dict[int, matching.EventFacts]:
    refs: dict[int, dict[str, set[str]]] = {row.id: {} for row in rows}
    for event_pk, kind, value in session.execute(
        select(EventReference.event_pk, EventReference.kind, EventReference.value).where(
            EventReference.event_pk.in_(list(refs)),
            EventReference.kind.in_(
                [ReferenceKind.BOOKING.value, ReferenceKind.TRANSPORT_DOCUMENT.value]
            ),
        )
    ):
        refs[event_pk].setdefault(kind, set()).add(value)
    out: dict[int, matching.EventFacts] = {}
    for row in rows:
        call = row.payload.get("transportCall")
        voyages = {row.export_voyage_number}
        if isinstance(call, dict):
            voyages |= {call.get("carrierVoyageNumber"), call.get("exportVoyageNumber")}
        out[row.id] = matching.EventFacts(
            event_type=row.event_type,
            shipment_event_type_code=row.shipment_event_type_code,
            transport_event_type_code=row.transport_event_type_code,
            equipment_event_type_code=row.equipment_event_type_code,
            transport_call_id=row.transport_call_id,
            vessel_imo_number=row.vessel_imo_number,
            carrier_service_code=row.carrier_service_code,
            equipment_reference=row.equipment_reference,
            booking_references=frozenset(refs[row.id].get(ReferenceKind.BOOKING.value, ())),
            transport_document_references=frozenset(
                refs[row.id].get(ReferenceKind.TRANSPORT_DOCUMENT.value, ())
            ),
            voyage_numbers=frozenset(v for v in voyages if isinstance(v, str)),
        )
    return out


def queue_deliveries(session: Session, rows: Sequence[Event]) -> int:
    """One delivery per (subscription, new event) that the subscription's filters ask for and
    its owner may read, in the caller's transaction, and the job that sends them. Returns how
    many were made."""
    if not rows:
        return 0
    subscriptions = session.scalars(select(Subscription).order_by(Subscription.id)).all()
    if not subscriptions:
        return 0
    facts = _facts(session, rows)
    scopes: dict[int | None, policy.ReadScope] = {}
    made = 0
    now = utcnow()
    for sub in subscriptions:
        wanted = [row.id for row in rows if matching.matches(sub.filters, facts[row.id])]
        if not wanted:
            continue
        if sub.organisation_id not in scopes:
            scopes[sub.organisation_id] = query.organisation_scope(session, sub.organisation_id)
        # The same SQL rule as GET /v2/events: what the owner may read, nothing more.
        readable = session.scalars(
            select(Event.id).where(Event.id.in_(wanted), query.visible(scopes[sub.organisation_id]))
        ).all()
        session.add_all(
            Delivery(
                subscription_pk=sub.id,
                event_pk=event_pk,
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                # Held (no due time) while the subscriber must reset its secret.
                next_attempt_at=None if sub.secret_reset_needed else now,
            )
            for event_pk in sorted(readable)
        )
        made += len(readable)
    if made:
        session.flush()
        callbacks.schedule(session, at=now)
    return made
