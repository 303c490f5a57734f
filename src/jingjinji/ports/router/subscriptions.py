"""DCSA Track & Trace 2.2 event subscriptions under ``/api/v1/ports/dcsa``:
``GET/POST /v2/event-subscriptions``, ``GET/PUT/DELETE /v2/event-subscriptions/{subscriptionID}``
and ``PUT /v2/event-subscriptions/{subscriptionID}/secret``, answered as DCSA 2.2 defines them
(201 with the subscription, 204 on delete and secret, a bare JSON array with page links in
headers, ``API-Version``); the secret is never in an answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from jingjinji.deps import DbSession, RequiredActor
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.ports import service
from jingjinji.ports.router.dcsa import ApiVersion, DcsaRoute, check_version
from jingjinji.ports.schemas.subscriptions import (
    SecretIn,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPageQuery,
    SubscriptionUpdate,
)

router = APIRouter(prefix="/dcsa", route_class=DcsaRoute)
PATH = "/v2/event-subscriptions"


def _json(subscription: SubscriptionOut, status_code: int = 200) -> JSONResponse:
    return JSONResponse(
        subscription.model_dump(mode="json", exclude_none=True), status_code=status_code
    )


@router.get(PATH, response_model=list[SubscriptionOut])
def list_subscriptions(
    request: Request,
    session: DbSession,
    actor: RequiredActor,
    params: Annotated[SubscriptionPageQuery, Query()],
    api_version: ApiVersion = None,
) -> Response:
    check_version(api_version)
    page = service.list_subscriptions(
        session,
        actor=actor,
        cursor=params.cursor,
        limit=params.limit,
        descending=params.sort.endswith(":DESC"),
    )
    headers = {
        "Current-Page": str(request.url),
        "First-Page": str(request.url.remove_query_params("cursor")),
    }
    if page.next_cursor:
        headers["Next-Page"] = str(request.url.include_query_params(cursor=page.next_cursor))
    items = [
        service.subscriptions.out(row).model_dump(mode="json", exclude_none=True)
        for row in page.items
    ]
    return JSONResponse(items, headers=headers)


@router.post(PATH, response_model=SubscriptionOut, status_code=status.HTTP_201_CREATED)
def create_subscription(
    session: DbSession, actor: RequiredActor, body: SubscriptionIn, api_version: ApiVersion = None
) -> Response:
    check_version(api_version)
    row = service.create_subscription(session, actor=actor, body=body, secret=body.secret)
    return _json(service.subscriptions.out(row), status.HTTP_201_CREATED)


@router.get(PATH + "/{subscriptionID}", response_model=SubscriptionOut)
def get_subscription(
    session: DbSession,
    actor: RequiredActor,
    subscriptionID: uuid.UUID,
    api_version: ApiVersion = None,
) -> Response:
    check_version(api_version)
    row = service.get_subscription(session, actor=actor, subscription_id=subscriptionID)
    return _json(service.subscriptions.out(row))


@router.put(PATH + "/{subscriptionID}", response_model=SubscriptionOut)
def update_subscription(
    session: DbSession,
    actor: RequiredActor,
    subscriptionID: uuid.UUID,
    body: SubscriptionUpdate,
    api_version: ApiVersion = None,
) -> Response:
    check_version(api_version)
    if body.subscriptionID is not None and body.subscriptionID != subscriptionID:
        raise InvalidInput(
            msg("the body's subscriptionID is not the one in the path"),
            errors=[
                field_error(
                    ["body", "subscriptionID"],
                    msg("must be {expected}", expected=str(subscriptionID)),
                )
            ],
        )
    row = service.update_subscription(
        session, actor=actor, subscription_id=subscriptionID, body=body
    )
    return _json(service.subscriptions.out(row))


@router.delete(
    PATH + "/{subscriptionID}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response
)
def delete_subscription(
    session: DbSession,
    actor: RequiredActor,
    subscriptionID: uuid.UUID,
    api_version: ApiVersion = None,
) -> Response:
    check_version(api_version)
    service.delete_subscription(session, actor=actor, subscription_id=subscriptionID)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    PATH + "/{subscriptionID}/secret",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
def reset_secret(
    session: DbSession,
    actor: RequiredActor,
    subscriptionID: uuid.UUID,
    body: SecretIn,
    api_version: ApiVersion = None,
) -> Response:
    check_version(api_version)
    service.reset_secret(session, actor=actor, subscription_id=subscriptionID, secret=body.secret)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
