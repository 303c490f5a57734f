"""The web application: API under /api/v1, server-rendered pages, static files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

import jingjinji
from jingjinji import admission, delivery, domains, headers, limits, problems, refusals
from jingjinji.config import Settings, get_settings
from jingjinji.db import make_server_engine, make_session_factory
from jingjinji.errors import (
    Busy,
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    PermissionDenied,
)
from jingjinji.i18n import msg
from jingjinji.jobs.registry import load_handlers
from jingjinji.web import N_, SESSION_COOKIE

PACKAGE_DIR = Path(__file__).parent
API_PREFIX = "/api/v1"


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    if request.headers.get("hx-request"):
        return True
    return "text/html" in request.headers.get("accept", "") or request.method in {"GET", "POST"}


def create_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    if session_factory is None:
        session_factory = make_session_factory(server_engine(settings))
    app = FastAPI(
        title="jingjinji",
        version=jingjinji.__version__,
        description="Coordination platform of the Beijing-Tianjin-Hebei region.",
        openapi_url="/api/v1/openapi.json",
        # Our own docs page (delivery.api_docs): Swagger UI from node_modules, no CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    # Job kinds and their hooks (a checkpoint made by a request queues its pushes to the
    # witnesses in the same transaction, not at the worker's next tick).
    load_handlers()
    problems.install(app)
    _install_error_handlers(app)
    _install_limits(app, settings)
    _install_admission(app, settings, session_factory)
    delivery.install(app)
    _install_security_headers(app, settings)
    _serve_static_files(app)
    _include_routers(app)
    return app


def server_engine(settings: Settings) -> Engine:
    return make_server_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )


def create_served_app() -> FastAPI:
    """The application of one server process (``jjj serve --workers N`` starts N of them,
    each with its own engine and pool); the database was prepared before they started."""
    return warm_routes(create_app(get_settings()))


def warm_routes(app: FastAPI) -> FastAPI:
    """Build every route's request handling now, before the server takes requests.

    FastAPI builds an included router's routes (the pydantic models of their path, query,
    body and dependencies) when a request first walks into that router, so the first request
    after a start paid for every router before its own: 0.36-1.6 s for a page that later
    takes 4-18 ms, the first user's wait. Walking each included router's routes builds them
    all (nothing is matched, handled or recorded). Only for a served application: a test's
    application builds just the routers it uses."""
    for route in app.router.routes:
        # FastAPI 0.165's included routers; a plain route was built when it was added.
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for _ in contexts():
                pass
        low_priority = getattr(route, "effective_low_priority_routes", None)
        if low_priority is not None:
            low_priority()
    return app


def _install_admission(
    app: FastAPI, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """No more requests at work than the database pool serves (see :mod:`admission`)."""
    bind = session_factory.kw.get("bind")
    if not isinstance(bind, Engine):
        return
    gate = admission.Admission(
        bind,
        configured_limit=settings.max_concurrent_requests,
        wait_seconds=settings.admission_wait_seconds,
        max_waiting=settings.admission_max_waiting,
    )
    app.state.admission = gate
    app.add_middleware(admission.AdmissionMiddleware, admission=gate)


def _install_security_headers(app: FastAPI, settings: Settings) -> None:
    """CSP, framing, sniffing, referrer, HSTS and no-store on every response (see
    :mod:`jingjinji.headers`); added last, so it is outermost and 503s carry them too."""
    hsts = settings.hsts_max_age if settings.secure_cookies else 0
    app.add_middleware(
        headers.SecurityHeadersMiddleware, hsts_max_age=hsts, error_response=_unhandled_answer
    )


def _install_limits(app: FastAPI, settings: Settings) -> None:
    """Body size per route and NUL characters, before parsing (see :mod:`limits`); inside the
    admission control, so that only admitted requests hold a body."""
    app.add_middleware(
        limits.LimitsMiddleware,
        limits=limits.BodyLimits(
            air_upload=settings.body_limit_air_upload,
            air_batch=settings.body_limit_air_batch,
            progress_upload=settings.body_limit_progress_upload,
            json=settings.body_limit_json,
            form=settings.body_limit_form,
            default=settings.body_limit_default,
        ),
    )


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if _wants_html(request):
        from jingjinji import views as core_views

        # The field errors too (a form's refused filter names its field), as the API's
        # problem+json lists them.
        return await run_in_threadpool(
            core_views.error_page, request, exc.status, exc.title, exc.detail, exc.errors
        )
    return problems.domain_problem(request, exc)


#: What a page says for an HTTP error of the router (message ids, translated for the user).
HTTP_PAGE_TEXT = {
    404: (N_("Not found"), N_("There is no page at this address.")),
    405: (
        N_("Method not allowed"),
        N_("This address does not take this kind of request; open it from the platform's pages."),
    ),
}
INTERNAL_TITLE = N_("Internal error")
INTERNAL_DETAIL = N_("The server failed on this request; it has been logged.")
UNREADABLE_FORM = N_("Some values of the form cannot be read; nothing was changed.")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _wants_html(request):
        from jingjinji import views as core_views

        title, detail = HTTP_PAGE_TEXT.get(exc.status_code, (N_("Error"), str(exc.detail)))
        if exc.detail and str(exc.detail) != HTTPStatus(exc.status_code).phrase:
            # A route that says why (e.g. a vendor file missing until `npm ci`) keeps its words.
            detail = str(exc.detail)
        page = await run_in_threadpool(
            core_views.error_page, request, exc.status_code, title, detail
        )
        return problems.with_allow(request, page)
    return problems.http_problem(request, exc)


def _install_page_errors(app: FastAPI) -> None:
    """Input that cannot be read (422) and unexpected failures (500) of a page: an error page in
    the user's language with their navigation; the API keeps its problem+json (the handlers
    :func:`problems.install` put in place)."""
    api_validation = app.exception_handlers[RequestValidationError]
    api_unexpected = app.exception_handlers[Exception]

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if not _wants_html(request):
            return await _answer(api_validation, request, exc)
        from jingjinji import views as core_views

        errors = problems.page_validation_errors(exc)
        return await run_in_threadpool(
            core_views.error_page, request, 422, "Invalid input", UNREADABLE_FORM, errors
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        if not _wants_html(request):
            return await _answer(api_unexpected, request, exc)
        problems.log.exception("unhandled error on %s", request.url.path)
        return await run_in_threadpool(_internal_error_page, request)

    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(Exception, unexpected)


async def _answer(
    handler: Callable[[Request, Any], Response | Awaitable[Response]],
    request: Request,
    exc: Exception,
) -> Response:
    result = handler(request, exc)
    if isinstance(result, Response):
        return result
    response: Response = await result
    return response


async def _unhandled_answer(scope: Scope) -> Response:
    """What the security-headers middleware sends for an unhandled error (Starlette's outer
    error middleware logs it through the app's handler): the 500 page for a browser."""
    request = Request(scope)
    if _wants_html(request):
        return await run_in_threadpool(_internal_error_page, request)
    return problems.problem_response(
        500, "Internal error", INTERNAL_DETAIL, type_slug="internal", instance=request.url.path
    )


def _internal_error_page(request: Request) -> Response:
    """The 500 page; should the page itself fail, the plain problem (never a second 500)."""
    from jingjinji import views as core_views

    try:
        return core_views.error_page(request, 500, INTERNAL_TITLE, INTERNAL_DETAIL)
    except Exception:
        problems.log.exception("the error page of %s failed", request.url.path)
        return problems.problem_response(
            500, "Internal error", INTERNAL_DETAIL, type_slug="internal", instance=request.url.path
        )


async def _not_authenticated(request: Request, exc: Exception) -> Response:
    """An API request without valid credentials is refused before any service: audited here,
    once for every endpoint (rate-limited per address, see :mod:`refusals`)."""
    assert isinstance(exc, NotAuthenticated)
    if request.url.path.startswith("/api/"):
        await run_in_threadpool(
            refusals.record,
            request,
            action="api.unauthenticated",
            detail={
                "reason": exc.detail,
                "bad_token": "authorization" in request.headers,
                "session_cookie": SESSION_COOKIE in request.cookies,
            },
        )
    return await _domain_error(request, exc)


async def _permission_denied(request: Request, exc: Exception) -> Response:
    """A 403 a service raised without its own audit entry (say, a read of a dataset whose
    fields are all withheld) goes on the record here, rate-limited per address like the
    401s, so that probing another administration's records leaves a trace."""
    assert isinstance(exc, PermissionDenied)
    if not exc.audited:
        await run_in_threadpool(
            refusals.record,
            request,
            action="request.refused",
            actor=getattr(request.state, "actor", None),
            detail={"reason": exc.detail[:500]},
        )
    return await _domain_error(request, exc)


async def _data_error(request: Request, exc: Exception) -> Response:
    # The database refused a value (PostgreSQL: NUL characters in text, a number out of
    # range...). That is bad input, never a server failure; the request was rolled back.
    problems.log.warning("database refused a value on %s: %s", request.url.path, exc)
    return await _domain_error(
        request,
        InvalidInput(
            msg(
                "A value in the request cannot be stored or compared by the database (a NUL "
                "character, or a number out of range); nothing was changed."
            )
        ),
    )


async def _integrity_error(request: Request, exc: Exception) -> Response:
    # Services check uniqueness and references first; this is the race two concurrent
    # writers can still lose. Nothing was stored, so the request can be sent again.
    problems.log.warning("integrity error on %s: %s", request.url.path, exc)
    return await _domain_error(
        request,
        Conflict(
            msg(
                "The write conflicts with data stored at the same moment (a duplicate or a "
                "missing reference); nothing was stored. Reload and try again."
            )
        ),
    )


async def _operational_error(request: Request, exc: Exception) -> Response:
    if "locked" in str(exc).lower():
        return await _domain_error(
            request,
            Busy(msg("The database is busy with other writes; nothing was stored. Try again.")),
        )
    problems.log.error("database error on %s: %s", request.url.path, exc)
    if _wants_html(request):
        return await run_in_threadpool(_internal_error_page, request)
    return problems.problem_response(
        500,
        "Internal error",
        "The server failed on this request; it has been logged.",
        type_slug="internal",
        instance=request.url.path,
    )


async def _pool_timeout(request: Request, exc: Exception) -> Response:
    # No pool connection came free in time: the server is at capacity, not broken.
    problems.log.warning("no database connection for %s: %s", request.url.path, exc)
    return await _domain_error(
        request,
        Busy(msg("The server is at capacity; nothing was stored. Try again shortly.")),
    )


def _install_error_handlers(app: FastAPI) -> None:
    """Domain and HTTP errors negotiate: a page for browsers, problem+json for the API. The
    database's own refusals become the matching domain error (never a bare 500)."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(PermissionDenied, _permission_denied)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    _install_page_errors(app)


def _favicon() -> FileResponse:
    return FileResponse(PACKAGE_DIR / "static" / "favicon.svg", media_type="image/svg+xml")


def _serve_static_files(app: FastAPI) -> None:
    """Our static files, the favicon and the allowed front-end packages from node_modules, with
    the caching of content-hashed URLs (see :mod:`jingjinji.delivery`)."""
    app.mount(
        "/static/app", delivery.HashedStaticFiles(directory=delivery.STATIC_DIR), name="static"
    )
    app.add_api_route(
        "/favicon.ico", _favicon, methods=["GET"], include_in_schema=False, name="favicon"
    )
    app.add_api_route(
        "/api/v1/docs", delivery.api_docs, methods=["GET"], include_in_schema=False, name="api-docs"
    )
    app.add_api_route(
        "/static/vendor/{name}",
        delivery.vendor_file,
        methods=["GET"],
        include_in_schema=False,
        name="vendor",
    )


class PrefixGate(APIRouter):
    """One domain's API router behind the path prefix all its routes share.

    FastAPI tries a request's path on every route in order until one matches, and a route of
    ports (the last domain) came after some 200 routes of the others: 0.6-0.9 ms of route
    matching on each request at load 3-5. Behind a gate, a request whose path does not start
    with the domain's prefix skips the domain's routes with one string comparison; a path that
    does is matched exactly as before (the same routes, in the same order)."""

    def __init__(self, router: APIRouter, *, path_prefix: str) -> None:
        super().__init__()
        self.path_prefix = path_prefix
        self._route_prefixes: tuple[str, ...] | None = None
        self.include_router(router)

    def route_prefixes(self) -> tuple[str, ...]:
        """The first segment of each route's path under ``/api/v1`` (``/api/v1/datasets``): a
        domain without a prefix of its own (accounts, the catalog, the region) is skipped by
        these instead of by ``/api/v1`` (which let every API request into its routes: 10-37 us
        each). The gate's own prefix where a route starts with a parameter. Found on first use,
        from the routes as declared (nothing of their request handling is built for it)."""
        if self._route_prefixes is None:
            found: set[str] = set()
            for path in _route_paths(self.routes):
                first = "/" + path.lstrip("/").split("/", 1)[0]
                found.add(API_PREFIX + first if "{" not in first else self.path_prefix)
            narrowed = tuple(sorted(p for p in found if p.startswith(self.path_prefix)))
            self._route_prefixes = narrowed if len(narrowed) == len(found) else (self.path_prefix,)
        return self._route_prefixes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and not get_route_path(scope).startswith(self.route_prefixes()):
            return Match.NONE, {}
        return super().matches(scope)


def _route_paths(routes: Iterable[Any], prefix: str = "") -> Iterator[str]:
    """The path of every route, through included routers (their prefix added), read from the
    routes as declared: nothing of FastAPI's per-route request handling is built for it."""
    for route in routes:
        context = getattr(route, "include_context", None)
        if context is not None:
            yield from _route_paths(context.included_router.routes, prefix + context.prefix)
        elif isinstance(route, BaseRoute) and hasattr(route, "path"):
            yield prefix + route.path


def _include_routers(app: FastAPI) -> None:
    """The core pages, then every domain's API under /api/v1 (each behind its prefix: see
    :class:`PrefixGate`) and its pages."""
    from jingjinji import views as core_views

    app.include_router(core_views.router)
    for module in domains.modules("router"):
        gate = PrefixGate(module.router, path_prefix=API_PREFIX + module.router.prefix)
        app.include_router(gate, prefix=API_PREFIX)
    for module in domains.modules("views"):
        app.include_router(module.router)
