"""The DCSA Track & Trace 2.2 API under ``/api/v1/ports/dcsa``: ``GET /v2/events`` and
``GET /v2/events/{eventID}``.

As DCSA 2.2 defines it: the events are a bare JSON array of the events as they were accepted;
paging by a ``cursor`` query parameter, with the links in the ``Current-Page``, ``Next-Page``
and ``First-Page`` response headers; ``API-Version`` on every response (a request may send the
major version, ``2``). Errors are problem+json (RFC 9457) that also carry DCSA's error fields
(``httpMethod``, ``requestUri``, ``statusCode``, ``statusCodeText``, ``errorDateTime`` and
``errors[].reason``/``message``), so both kinds of client read them; a bad query is a 400 as
DCSA clients expect.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError

from jingjinji import problems
from jingjinji.db import utcnow
from jingjinji.deps import DbSession, read_unit, require_credentials
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.ports import service
from jingjinji.ports.schemas import dcsa
from jingjinji.ports.schemas.api import DcsaEventFilter

API_VERSION = "2.2.0"
MAJOR = "2"


def _dcsa_error(
    request: Request, status: int, title: str, detail: str, errors: list[dict[str, Any]]
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problems.PROBLEM_BASE + ("bad-request" if status == 400 else "not-found"),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "errors": [
            {**e, "reason": e.get("type", "invalidQuery"), "message": _message(e)} for e in errors
        ],
        "httpMethod": request.method,
        "requestUri": str(request.url),
        "statusCode": str(status),
        "statusCodeText": HTTPStatus(status).phrase,
        "errorDateTime": utcnow().isoformat(),
    }
    return JSONResponse(body, status_code=status, media_type=problems.MEDIA_TYPE)


def _message(error: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in error.get("loc", []))
    return f"{where}: {error.get('msg', '')}"


class DcsaRoute(APIRoute):
    """Answers bad requests and unknown events in DCSA's error shape and adds ``API-Version``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def dcsa_handler(request: Request) -> Response:
            try:
                response = await handle(request)
            except RequestValidationError as exc:
                errors = problems.validation_errors(exc)
                detail = "invalid query" if request.method == "GET" else "invalid request"
                response = _dcsa_error(request, 400, "Bad Request", detail, errors)
            except InvalidInput as exc:
                response = _dcsa_error(request, 400, "Bad Request", exc.detail, exc.errors)
            except NotFound as exc:
                response = _dcsa_error(request, 404, "Not Found", exc.detail, exc.errors)
            response.headers["API-Version"] = API_VERSION
            return response

        return dcsa_handler


router = APIRouter(prefix="/dcsa", route_class=DcsaRoute)
ApiVersion = Annotated[str | None, Header(alias="API-Version", max_length=20)]


def check_version(requested: str | None) -> None:
    if requested is not None and requested.strip() != MAJOR:
        raise InvalidInput(
            msg("API-Version must be the major version {major}", major=MAJOR),
            errors=[
                field_error(
                    ["header", "API-Version"],
                    msg("{requested} is not {major}", requested=repr(requested), major=repr(MAJOR)),
                )
            ],
        )


def event_filter(request: Request) -> DcsaEventFilter:
    """The request's DCSA filter; a bad or unknown parameter is refused as FastAPI refuses a
    query model's (the same errors, under ``query``)."""
    try:
        return DcsaEventFilter.from_query(request.query_params)
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


# The two reads of a DCSA client run as one unit in one worker thread (deps.read_unit): the
# token, the page and the transaction's end, on an autocommit connection. The request's shape
# (query, API-Version) is checked before it, on the loop; a request without any credential is
# a 401 before that (require_credentials). The query is read by DcsaEventFilter.from_query, not
# declared as a FastAPI query model (see there); openapi_extra documents its parameters.
@router.get(
    "/v2/events",
    response_model=list[dcsa.DcsaEvent],
    dependencies=[Depends(require_credentials)],
    openapi_extra={"parameters": DcsaEventFilter.openapi_parameters()},
)
async def get_events(
    request: Request, session: DbSession, api_version: ApiVersion = None
) -> Response:
    check_version(api_version)
    query = event_filter(request).query()
    page = await read_unit(
        request,
        session,
        lambda actor: service.list_event_documents(session, actor=actor, query=query),
    )
    headers = {
        "Current-Page": str(request.url),
        "First-Page": str(request.url.remove_query_params("cursor")),
    }
    if page.next_cursor:
        headers["Next-Page"] = str(request.url.include_query_params(cursor=page.next_cursor))
    # The events exactly as accepted (their stored JSON text): no model in between that could
    # reorder or reformat them.
    body = "[" + ",".join(page.items) + "]"
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/v2/events/{eventID}",
    response_model=dcsa.DcsaEvent,
    dependencies=[Depends(require_credentials)],
)
async def get_event(
    request: Request, session: DbSession, eventID: uuid.UUID, api_version: ApiVersion = None
) -> Response:
    check_version(api_version)
    event = await read_unit(
        request, session, lambda actor: service.get_event(session, actor=actor, event_id=eventID)
    )
    return JSONResponse(event.payload)
