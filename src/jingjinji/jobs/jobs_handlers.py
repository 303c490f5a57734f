"""Job kinds the jobs domain runs for domains below it: the audit trail's checkpoints and the
accounts' clean-up of expired login state.

``audit`` and ``accounts`` sit below ``jobs`` and cannot queue jobs themselves, so their
periodic work and the pushes of checkpoints to witnesses are registered here (``load_handlers``
imports this module).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from jingjinji.accounts import logins, throttle
from jingjinji.audit import checkpoints as audit_checkpoints
from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.db import utcnow
from jingjinji.jobs.kinds import handler, periodic
from jingjinji.jobs.queue import enqueue

# The tick; ``checkpoint`` signs only once JJJ_AUDIT_CHECKPOINT_MINUTES have passed.
periodic("audit.checkpoint", every=dt.timedelta(minutes=1))
DELIVERY_ATTEMPTS = 10


def queue_deliveries(session: Session, delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        enqueue(
            session,
            kind="audit.deliver_checkpoint",
            payload={"delivery_id": delivery_id},
            max_attempts=DELIVERY_ATTEMPTS,
            dedupe_key=f"audit.deliver_checkpoint:{delivery_id}",
        )


# A checkpoint made in any transaction queues its pushes in that same transaction.
audit_checkpoints.on_new_deliveries(queue_deliveries)


@handler("audit.checkpoint")
def checkpoint_if_due(session: Session, payload: dict[str, Any]) -> None:
    """Sign the head if M minutes passed; queue pushes still pending (their jobs may have died
    out of attempts: a witness that was down for hours gets them when it is back)."""
    audit.checkpoint(session, only_if_due=True)
    queue_deliveries(session, audit.undelivered_checkpoints(session))


@handler("audit.deliver_checkpoint")
def deliver_checkpoint(session: Session, payload: dict[str, Any]) -> None:
    audit.deliver_checkpoint(session, delivery_id=int(payload["delivery_id"]))


periodic("accounts.purge_login_state", every=dt.timedelta(hours=1))


@handler("accounts.purge_login_state")
def purge_login_state(session: Session, payload: dict[str, Any]) -> None:
    """Drop login throttle rows whose window and lockout are over, and expired second steps."""
    now = utcnow()
    rules = throttle.ThrottleRules.from_settings(get_settings())
    throttle.purge_expired(session, rules=rules, now=now)
    logins.purge_expired_challenges(session, now=now)
