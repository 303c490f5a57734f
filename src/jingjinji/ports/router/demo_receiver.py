"""``POST /api/v1/ports/demo-receiver``: the platform's own receiver of DCSA callbacks, for the
demo and the tests only (not in the OpenAPI document). It checks a callback as a subscriber's
receiver must (the ``Notification-Signature`` against the named subscription's secret) and
records a receipt; a callback it cannot verify gets 401, as DCSA's receiver answers. It answers
only where ``JJJ_PORTS_DEMO_RECEIVER=1`` (``jjj demo`` sets it): a production server has no use
for receipts of its own callbacks, so there the path is a 404."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status
from starlette.concurrency import run_in_threadpool

from jingjinji.config import get_settings
from jingjinji.deps import DbSession
from jingjinji.errors import NotFound
from jingjinji.i18n import msg
from jingjinji.ports.service import subscription_admin

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
PATH = "/demo-receiver"


@router.post(PATH, status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def receive(
    request: Request,
    session: DbSession,
    subscription_id: Annotated[str | None, Header(alias="Subscription-ID", max_length=64)] = None,
    signature: Annotated[str | None, Header(alias="Notification-Signature", max_length=200)] = None,
) -> Response:
    if not get_settings().ports_demo_receiver:
        raise NotFound(msg("the demo receiver is off (JJJ_PORTS_DEMO_RECEIVER)"))
    body = await request.body()
    try:
        # The database work off the event loop, as a sync route's would be.
        await run_in_threadpool(
            subscription_admin.receive_demo_callback,
            session,
            subscription_header=subscription_id,
            signature=signature,
            body=body,
        )
    except subscription_admin.ReceiverRefusal as exc:
        log.info("demo receiver refused a callback: %s", exc.reason)
        return Response(status_code=status.HTTP_401_UNAUTHORIZED)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
