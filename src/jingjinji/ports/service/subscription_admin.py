"""Managing event subscriptions from the pages: their delivery health, pause and resume, a
secret the platform makes (shown once), and the demo receiver that verifies signed callbacks.

Reading: the owner organisation reads its subscriptions; the coordination office reads every
organisation's, with the owner named (``policy.may_see_subscription``). Changing stays the
owner's alone (``policy.owns_subscription``, as the DCSA API): another's is an audited 403, an
unknown id a 404. A form's values that DCSA refuses (an unknown event type code, a bad IMO
number) are an audited 422 too, so that every refusal of a change is on the record.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from jingjinji import problems
from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, NotFound, PermissionDenied, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.ports import policy
from jingjinji.ports.kernels import signing
from jingjinji.ports.models import Delivery, DeliveryStatus, DemoReceipt, Event, Subscription
from jingjinji.ports.schemas.subscriptions import SubscriptionBody
from jingjinji.ports.service import callbacks
from jingjinji.ports.service import subscriptions as core
from jingjinji.ports.service.sealing import sealer
from jingjinji.regions import service as regions
from jingjinji.security import Actor, require_actor

OBJECT = core.OBJECT
#: Deliveries the detail page shows, newest attempt first.
RECENT_DELIVERIES = 50


@dataclass(frozen=True)
class Health:
    """A subscription with what its deliveries say: ``pending`` deliveries not sent yet,
    ``retrying`` those of them that failed at least once, ``dead`` the ones given up on."""

    row: Subscription
    owner_name_zh: str | None
    owner_name_en: str | None
    pending: int
    retrying: int
    delivered: int
    dead: int
    may_manage: bool

    @property
    def state(self) -> str:
        """One word for the page: paused, held (the secret needs a reset), failing, healthy
        (the last callback was delivered) or waiting (nothing sent yet)."""
        if self.row.paused:
            return "paused"
        if self.row.secret_reset_needed:
            return "held"
        if self.row.consecutive_failures > 0:
            return "failing"
        if self.row.last_success_at is not None:
            return "healthy"
        return "waiting"


def _reader(session: Session, actor: Actor | None) -> Actor:
    actor = require_actor(actor)
    if not policy.may_subscribe(actor):
        raise audit.audited_refusal(
            session,
            PermissionDenied(msg("event subscriptions belong to an organisation or the office")),
            actor=actor,
            action="ports.subscription.list",
            object_type=OBJECT,
        )
    return actor


def _counts(session: Session, pks: Sequence[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {
        pk: {"pending": 0, "retrying": 0, "delivered": 0, "dead": 0} for pk in pks
    }
    if not pks:
        return out
    tried = func.sum(case((Delivery.attempts > 0, 1), else_=0))
    stmt = (
        select(Delivery.subscription_pk, Delivery.status, func.count(), tried)
        .where(Delivery.subscription_pk.in_(list(pks)))
        .group_by(Delivery.subscription_pk, Delivery.status)
    )
    for pk, status, count, retried in session.execute(stmt):
        out[pk][status] = count
        if status == DeliveryStatus.PENDING.value:
            out[pk]["retrying"] = int(retried or 0)
    return out


def _health(session: Session, actor: Actor, rows: Sequence[Subscription]) -> list[Health]:
    counts = _counts(session, [r.id for r in rows])
    owners = regions.organisations_by_id(
        session, ids={r.organisation_id for r in rows if r.organisation_id is not None}
    )
    out = []
    for row in rows:
        owner = owners.get(row.organisation_id) if row.organisation_id is not None else None
        c = counts[row.id]
        out.append(
            Health(
                row=row,
                owner_name_zh=owner.name_zh if owner else None,
                owner_name_en=owner.name_en if owner else None,
                pending=c["pending"],
                retrying=c["retrying"],
                delivered=c["delivered"],
                dead=c["dead"],
                may_manage=policy.owns_subscription(actor, organisation_id=row.organisation_id),
            )
        )
    return out


def list_health(
    session: Session, *, actor: Actor | None, cursor: str | None = None, limit: int = 50
) -> Paged[Health]:
    """The subscriptions ``actor`` reads with their health, newest first: its organisation's
    (or the office's own), and for the coordination office every organisation's."""
    actor = _reader(session, actor)
    stmt = select(Subscription)
    if not actor.is_office_admin:
        stmt = stmt.where(Subscription.organisation_id == actor.organisation_id)
    page = paginate(
        session, stmt, Subscription.id, cursor=cursor, limit=check_limit(limit), descending=True
    )
    return Paged(items=_health(session, actor, page.items), next_cursor=page.next_cursor)


def _visible(session: Session, actor: Actor | None, subscription_id: uuid.UUID) -> Subscription:
    actor = _reader(session, actor)
    row = session.scalar(
        select(Subscription).where(Subscription.subscription_id == subscription_id)
    )
    if row is None:
        raise NotFound(msg("no event subscription {id}", id=str(subscription_id)))
    if not policy.may_see_subscription(actor, organisation_id=row.organisation_id):
        raise audit.audited_refusal(
            session,
            PermissionDenied(msg("the event subscription belongs to another organisation")),
            actor=actor,
            action="ports.subscription.read",
            object_type=OBJECT,
            object_id=str(subscription_id),
            outcome="denied",
        )
    return row


def health_of(session: Session, *, actor: Actor | None, subscription_id: uuid.UUID) -> Health:
    """One subscription's health (the owner's, or the office's view of any)."""
    row = _visible(session, actor, subscription_id)
    return _health(session, require_actor(actor), [row])[0]


def recent_deliveries(
    session: Session, *, actor: Actor | None, subscription_id: uuid.UUID
) -> list[tuple[Delivery, str]]:
    """The subscription's latest deliveries (by last attempt, unsent ones first) with each
    event's DCSA eventID."""
    row = _visible(session, actor, subscription_id)
    stmt = (
        select(Delivery, Event.event_id)
        .join(Event, Event.id == Delivery.event_pk)
        .where(Delivery.subscription_pk == row.id)
        .order_by(Delivery.last_attempt_at.desc().nulls_first(), Delivery.id.desc())
        .limit(RECENT_DELIVERIES)
    )
    return [(delivery, str(event_id)) for delivery, event_id in session.execute(stmt)]


def parse_body(
    session: Session, *, actor: Actor | None, values: Mapping[str, object], action: str
) -> SubscriptionBody:
    """A subscription from a form's values; what DCSA refuses is an audited 422 naming each
    field."""
    try:
        return SubscriptionBody.model_validate(dict(values))
    except ValidationError as exc:
        errors = [
            field_error(
                ["body", *[str(p) for p in e["loc"][:1]]],
                msg("not accepted: {reason}", reason=problems.error_message(e)),
            )
            for e in exc.errors()
        ]
        raise audit.audited_refusal(
            session,
            InvalidInput(msg("the subscription's filters are not accepted"), errors=errors),
            actor=require_actor(actor),
            action=action,
            object_type=OBJECT,
            detail={"fields": sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})},
        ) from None


def create_with_new_secret(
    session: Session, *, actor: Actor | None, body: SubscriptionBody
) -> tuple[Subscription, str]:
    """Create a subscription with a secret the platform makes; the secret is returned for the
    page to show once (it is stored sealed and never shown again)."""
    secret = signing.new_secret()
    return core.create_subscription(session, actor=actor, body=body, secret=secret), secret


def reset_to_new_secret(
    session: Session, *, actor: Actor | None, subscription_id: uuid.UUID
) -> tuple[Subscription, str]:
    """Replace the secret with one the platform makes, returned once for the page."""
    secret = signing.new_secret()
    row = core.reset_secret(session, actor=actor, subscription_id=subscription_id, secret=secret)
    return row, secret


def set_paused(
    session: Session, *, actor: Actor | None, subscription_id: uuid.UUID, paused: bool
) -> Subscription:
    """Pause (deliveries are kept, not sent) or resume (what waited is sent at once)."""
    action = "pause" if paused else "resume"
    row = core.get_subscription(
        session, actor=actor, subscription_id=subscription_id, action=action
    )
    changed = row.paused != paused
    row.paused = paused
    row.updated_at = utcnow()
    if changed and not paused:
        callbacks.release_paused(session)
    audit.record(
        session,
        actor=require_actor(actor),
        action=f"ports.subscription.{action}",
        object_type=OBJECT,
        object_id=str(subscription_id),
        detail={"changed": changed},
    )
    return row


def delete_confirmed(
    session: Session, *, actor: Actor | None, subscription_id: uuid.UUID, confirmed: bool
) -> None:
    """Delete from the page: only once the owner confirmed it (an unconfirmed attempt is an
    audited 422 and changes nothing)."""
    row = core.get_subscription(
        session, actor=actor, subscription_id=subscription_id, action="delete"
    )
    if not confirmed:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("confirm the deletion: the subscription and its unsent callbacks go"),
                errors=[field_error(["body", "confirm"], msg("tick the box to confirm"))],
            ),
            actor=require_actor(actor),
            action="ports.subscription.delete",
            object_type=OBJECT,
            object_id=str(row.subscription_id),
        )
    core.delete_subscription(session, actor=actor, subscription_id=subscription_id)


# ------------------------------------------------------------------------- the demo receiver


class ReceiverRefusal(Exception):
    """A callback the demo receiver does not accept; ``reason`` says why (English, for logs)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def receive_demo_callback(
    session: Session, *, subscription_header: str | None, signature: str | None, body: bytes
) -> DemoReceipt:
    """Accept a callback sent to the platform's own demo receiver: the subscription named by
    ``Subscription-ID`` must exist and ``Notification-Signature`` must sign ``body`` with its
    secret, as a real subscriber checks. A receipt records it. Raises ``ReceiverRefusal``."""
    try:
        subscription_id = uuid.UUID(subscription_header or "")
    except ValueError:
        raise ReceiverRefusal("no valid Subscription-ID header") from None
    row = session.scalar(
        select(Subscription).where(Subscription.subscription_id == subscription_id)
    )
    if row is None:
        raise ReceiverRefusal("unknown subscription")
    try:
        key = signing.decode_secret(sealer().open(row.sealed_secret))
    except (RuntimeError, signing.SecretError):
        raise ReceiverRefusal("the subscription's secret cannot be opened") from None
    if not signature or not signing.verify(body, key, signature):
        raise ReceiverRefusal("the Notification-Signature does not sign the body")
    try:
        events = json.loads(body)
    except ValueError:
        raise ReceiverRefusal("the body is not JSON") from None
    if not isinstance(events, list):
        raise ReceiverRefusal("the body is not a JSON array of events")
    receipt = DemoReceipt(
        subscription_pk=row.id,
        event_count=len(events),
        body_sha256=hashlib.sha256(body).hexdigest(),
    )
    session.add(receipt)
    session.flush()
    return receipt


def receipts_of(session: Session, *, subscription_id: uuid.UUID) -> list[DemoReceipt]:
    """The demo receiver's receipts of one subscription, oldest first (tests, the demo)."""
    return list(
        session.scalars(
            select(DemoReceipt)
            .join(Subscription, Subscription.id == DemoReceipt.subscription_pk)
            .where(Subscription.subscription_id == subscription_id)
            .order_by(DemoReceipt.id)
        )
    )
