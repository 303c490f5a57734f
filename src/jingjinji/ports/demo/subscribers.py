"""SYNTHETIC: two demo subscribers of DCSA event callbacks, registered through the service like
any organisation's, so that the subscription pages show one of each kind after the worker runs:

* LIVE: the Tianjin terminal subscribes to its gate-outs (``GTOT``) at the platform's own demo
  receiver (``POST /api/v1/ports/demo-receiver``), which verifies every callback's
  ``Notification-Signature`` with the subscription's secret and records a receipt;
* DEAD: the Caofeidian terminal subscribes to its equipment events at a closed loopback port
  (``http://127.0.0.1:9/``, the discard port, closed on a normal machine): every callback is
  refused, retried with backoff, and never holds the live one back.

Both receivers are on loopback, which the platform refuses unless the administrator allows it
(``JJJ_WEBHOOK_ALLOWED_HOSTS``). ``jjj demo`` allows ``127.0.0.1`` for its own process; where
loopback is not allowed (a test loading the demo) the subscribers are left out, and the demo's
summary says so. The secrets are made fresh at each load and never printed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji import net
from jingjinji.ports import service
from jingjinji.ports.schemas.subscriptions import SubscriptionBody
from jingjinji.security import Actor

RECEIVER_PATH = "/api/v1/ports/demo-receiver"
DEAD_URL = "http://127.0.0.1:9/dcsa/callback"
#: Where the platform listens, for the live receiver's address (``jjj demo`` passes its own).
DEFAULT_BASE = "http://127.0.0.1:8000"


def live_url(base: str) -> str:
    return base.rstrip("/") + RECEIVER_PATH


def loopback_allowed(base: str) -> bool:
    allow = service.subscriptions.allowed_hosts()
    try:
        for url in (live_url(base), DEAD_URL):
            net.check_target(url, allow, unresolvable_ok=True)
    except net.UnsafeTarget:
        return False
    return True


def load(session: Session, actors: dict[str, Actor], base: str) -> dict[str, str]:
    """Register the live and the dead subscriber; their subscription ids by kind (empty when
    loopback callbacks are not allowed here)."""
    if not loopback_allowed(base):
        return {}
    admin = service.subscription_admin
    live, _ = admin.create_with_new_secret(
        session,
        actor=actors["tj_port"],
        body=SubscriptionBody(
            callbackUrl=live_url(base),
            eventType=["EQUIPMENT"],
            equipmentEventTypeCode=["GTOT"],
        ),
    )
    dead, _ = admin.create_with_new_secret(
        session,
        actor=actors["he_cfd"],
        body=SubscriptionBody(callbackUrl=DEAD_URL, eventType=["EQUIPMENT"]),
    )
    return {"live": str(live.subscription_id), "dead": str(dead.subscription_id)}
