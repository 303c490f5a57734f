"""Security headers on every response of the application (jingjinji.headers).

Every GET route is enumerated from ``app.routes`` (the domains' included routers too): routes
without path parameters as they are, parameterised ones filled from the demo data. Each is
requested anonymously and signed in (the coordination office's browser session), on both
backends; static files, 404s (page and API) and error pages are checked as well. A route added
later with a path parameter the test cannot fill fails here until it is given a sample.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import delivery
from jingjinji.air import demo as air_demo
from jingjinji.app import create_app
from jingjinji.catalog import demo as catalog_demo
from jingjinji.config import Settings
from jingjinji.credit import demo as credit_demo
from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.demo import DemoContext
from jingjinji.progress import demo as progress_demo
from jingjinji.warnings import demo as warnings_demo
from tests.conftest import People, login

# The policy of issue 10, written out here (not imported) so that a weakened constant fails.
EXPECTED = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
}
PERMISSIONS_OFF = ("camera=()", "microphone=()", "geolocation=()")
HSTS = "max-age=31536000; includeSubDomains"

# Query strings some routes need to answer at once (the event stream ends after lifetime).
QUERIES = {"/api/v1/warnings/events": "?lifetime=0.2"}


def _get_routes(app: FastAPI) -> list[str]:
    """Paths of every GET route, through FastAPI's included routers."""

    def walk(routes: list[Any], prefix: str) -> Iterator[str]:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                yield from walk(included.routes, prefix + route.include_context.prefix)
            elif "GET" in (getattr(route, "methods", None) or ()):
                yield prefix + route.path

    return sorted(set(walk(list(app.routes), "")))


def _load_demo(factory: sessionmaker[Session], people: People) -> None:
    ctx = DemoContext(values={"organisations": people.organisations, "skip_air_history": True})
    for module in (catalog_demo, air_demo, warnings_demo, progress_demo, credit_demo):
        with factory() as session:
            module.load(session, ctx)
            session.commit()


def _first(client: TestClient, url: str, key: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:200]}"
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    assert items, f"{url} lists nothing: the demo data should give a sample {key}"
    return str(items[0][key])


def _samples(client: TestClient, people: People) -> dict[str, dict[str, str]]:
    """Path parameters per route, from the demo data (read as the coordination office)."""
    dataset = {"code": "BJ-ENV-PENALTY"}
    station = {"code": "1001A"}
    city = {"code": "110000"}
    commitment = {"code": "bjtj-23"}
    warning = {"warning_id": _first(client, "/api/v1/warnings", "id")}
    subject = {"uscc": _first(client, "/api/v1/credit/subjects", "uscc")}
    unregistered = {"uscc": synthetic_uscc("91", "110105", 99_999_999)}
    return {
        "/lang/{code}": {"code": "en"},
        "/help/{topic}": {"topic": "air"},
        "/static/vendor/{name}": {"name": "htmx.min.js"},
        "/api/v1/jurisdictions/{code}": city,
        "/api/v1/organisations/{organisation_id}": {
            "organisation_id": str(next(iter(people.organisations.values())))
        },
        "/api/v1/datasets/{code}": dataset,
        "/api/v1/datasets/{code}/access": dataset,
        "/api/v1/datasets/{code}/records": dataset,
        "/api/v1/datasets/{code}/records.csv": dataset,
        "/api/v1/datasets/{code}/download.{file_format}": {**dataset, "file_format": "csv"},
        "/api/v1/datasets/{code}/dcat.jsonld": dataset,
        "/api/v1/datasets/{code}/activity": dataset,
        "/catalog/{code}": dataset,
        "/api/v1/access-requests/{request_id}": {
            "request_id": _first(client, "/api/v1/access-requests", "id")
        },
        "/api/v1/access-grants/{grant_id}": {
            "grant_id": _first(client, "/api/v1/access-grants", "id")
        },
        "/api/v1/air/stations/{code}": station,
        "/api/v1/air/stations/{code}/daily": station,
        "/api/v1/air/stations/{code}/hourly": station,
        "/api/v1/air/stations/{code}/observations": station,
        "/air/stations/{code}": station,
        "/api/v1/air/cities/{code}/daily": city,
        "/api/v1/air/cities/{code}/hourly": city,
        "/api/v1/air/cities/{code}/compliance": city,
        "/air/cities/{code}": city,
        "/air/cities/{code}/compliance": city,
        "/api/v1/warnings/{warning_id}": warning,
        "/warnings/{warning_id}": warning,
        "/api/v1/progress/agreements/{code}": {
            "code": _first(client, "/api/v1/progress/agreements", "code")
        },
        "/api/v1/progress/commitments/{code}": commitment,
        "/api/v1/progress/commitments/{code}/status-changes": commitment,
        "/progress/commitments/{code}": commitment,
        "/api/v1/progress/indicators/{code}": {"code": "bh_pm25"},
        "/progress/indicators/{code}": {"code": "bh_pm25"},
        "/api/v1/progress/values/{value_id}": {
            "value_id": _first(client, "/api/v1/progress/values", "id")
        },
        "/api/v1/credit/subjects/{uscc}": subject,
        "/api/v1/credit/public/subjects/{uscc}": subject,
        "/credit/subjects/{uscc}": subject,
        "/credit/subjects/{uscc}/object": subject,
        "/credit/subjects/{uscc}/repair": subject,
        "/credit/subjects/{uscc}/commit": subject,
        "/credit/subjects/{uscc}/declare": subject,
        # Tests run without an audit signing key: a report of a subject is refused with 503
        # (no unsigned report), which the check below counts as a failure; a code no subject
        # carries answers 404 with the same headers.
        "/api/v1/credit/subjects/{uscc}/report": unregistered,
        "/credit/subjects/{uscc}/report": unregistered,
        # The water page of a section the demo may not have: a 404 carries the headers too.
        "/water/sections/{code}": {"code": "NO-SUCH-SECTION"},
        "/api/v1/water/sections/{code}": {"code": "NO-SUCH-SECTION"},
        "/api/v1/water/sections/{code}/network": {"code": "NO-SUCH-SECTION"},
        "/api/v1/water/sections/{code}/assessment": {"code": "NO-SUCH-SECTION"},
        "/api/v1/water/sections/{code}/history": {"code": "NO-SUCH-SECTION"},
        "/api/v1/water/sections/{code}/series": {"code": "NO-SUCH-SECTION"},
        # An ingestion is read by its sender and the office: a missing one is a 404.
        "/api/v1/water/ingestions/{ingestion_id}": {"ingestion_id": "999999"},
        # No incident in the demo yet: its 404 carries the headers too.
        "/api/v1/water/incidents/{incident_id}": {"incident_id": "999999"},
        "/water/incidents/{incident_id}": {"incident_id": "999999"},
        # No enforcement case in the demo: its 404 carries the headers too.
        "/api/v1/sources/cases/{case_id}": {"case_id": "999999"},
        "/sources/cases/{case_id}": {"case_id": "999999"},
        # The sources registry: ids and an MN no demo record carries (404s).
        "/api/v1/sources/enterprises/{enterprise_id}": {"enterprise_id": "999999"},
        "/api/v1/sources/outlets/{outlet_id}": {"outlet_id": "999999"},
        "/api/v1/sources/outlets/{outlet_id}/series": {"outlet_id": "999999"},
        "/api/v1/sources/loggers/{mn}": {"mn": "NO-SUCH-MN"},
        "/sources/outlets/{outlet_id}": {"outlet_id": "999999"},
        "/api/v1/credit/reports/{code}": {"code": "AAAA-AAAA-AAAA-AAAA"},
        # No ports demo here: an order that does not exist (404) and a container of no event.
        "/ports/orders/{order_id}": {"order_id": "999999"},
        "/api/v1/ports/orders/{order_id}": {"order_id": "999999"},
        "/api/v1/ports/orders/{order_id}/timeline": {"order_id": "999999"},
        "/ports/containers/{reference}": {"reference": "BHFU1234567"},
        "/ports/edifact/{submission_id}": {"submission_id": "999999"},
        "/api/v1/ports/edifact/{submission_id}": {"submission_id": "999999"},
        # DCSA ids no demo event or subscription has: their 404s carry the headers too.
        "/api/v1/ports/dcsa/v2/events/{eventID}": {
            "eventID": "00000000-0000-4000-8000-000000000001"
        },
        "/api/v1/ports/dcsa/v2/event-subscriptions/{subscriptionID}": {
            "subscriptionID": "00000000-0000-4000-8000-000000000002"
        },
        "/ports/subscriptions/{subscription_id}": {
            "subscription_id": "00000000-0000-4000-8000-000000000003"
        },
        "/api/v1/credit/records/{record_id}": {
            "record_id": _first(client, "/api/v1/credit/records", "id")
        },
        "/credit/agency/records/{record_id}": {
            "record_id": _first(client, "/api/v1/credit/records", "id")
        },
        "/api/v1/credit/objections/{objection_id}": {
            "objection_id": _first(client, "/api/v1/credit/objections", "id")
        },
        "/api/v1/credit/repairs/{repair_id}": {
            "repair_id": _first(client, "/api/v1/credit/repairs", "id")
        },
    }


def _urls(app: FastAPI, samples: dict[str, dict[str, str]]) -> list[str]:
    urls, unfilled = [], []
    for path in _get_routes(app):
        if "{" in path:
            if path not in samples:
                unfilled.append(path)
                continue
            url = path
            for name, value in samples[path].items():
                url = url.replace("{" + name + "}", value)
            assert "{" not in url, f"{path}: a path parameter has no sample in {samples[path]}"
        else:
            url = path
        urls.append(url + QUERIES.get(path, ""))
    assert not unfilled, f"GET routes with path parameters and no sample value: {unfilled}"
    return urls


def _problems(
    url: str, response: Any, *, signed_in: bool, hsts: bool, own_caching: str | None = None
) -> list[str]:
    """What is wrong with the response's headers. ``own_caching``: the Cache-Control the
    route sets itself (seen on its anonymous response), which is kept."""
    headers = response.headers
    found = [
        f"{url}: {name} is {headers.get(name)!r}, expected {value!r}"
        for name, value in EXPECTED.items()
        if headers.get(name) != value
    ]
    permissions = headers.get("permissions-policy", "")
    found += [
        f"{url}: Permissions-Policy lacks {p}" for p in PERMISSIONS_OFF if p not in permissions
    ]
    if hsts and headers.get("strict-transport-security") != HSTS:
        found.append(
            f"{url}: Strict-Transport-Security is {headers.get('strict-transport-security')!r}"
        )
    if not hsts and "strict-transport-security" in headers:
        found.append(f"{url}: HSTS sent on a plain-http platform")
    if response.status_code >= 500:
        found.append(f"{url}: {response.status_code}")
    cache = headers.get("cache-control", "")
    if signed_in and "no-store" not in cache and (own_caching is None or cache != own_caching):
        found.append(f"{url}: signed in, but Cache-Control is {cache!r}")
    return found


def test_every_get_route_carries_the_security_headers(
    app: FastAPI, session_factory: sessionmaker[Session], people: People
) -> None:
    _load_demo(session_factory, people)
    problems: list[str] = []
    with TestClient(app) as office, TestClient(app) as anonymous:
        login(office, "office", people.password)
        urls = _urls(app, _samples(office, people))
        assert len(urls) >= 80, urls  # every domain's pages and API are in the list
        for url in urls:
            response = anonymous.get(url, follow_redirects=False)
            problems += _problems(url, response, signed_in=False, hsts=False)
            own_caching = response.headers.get("cache-control")
            response = office.get(url, follow_redirects=False)
            problems += _problems(
                url, response, signed_in=True, hsts=False, own_caching=own_caching
            )
    assert not problems, "\n".join(problems)


def test_static_files_keep_their_caching_and_carry_the_headers(client: TestClient) -> None:
    url = delivery.static_url("app/app.css")
    assert "?v=" in url
    for path in (url, delivery.static_url("vendor/htmx.min.js"), "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not _problems(path, response, signed_in=False, hsts=False)
    hashed = client.get(url)
    assert hashed.headers["cache-control"] == delivery.IMMUTABLE
    # Signed in, static files are still cached (they hold nothing personal).
    client.cookies.set("jjj_session", "any")
    assert client.get(url).headers["cache-control"] == delivery.IMMUTABLE


@pytest.mark.parametrize(
    "url", ["/no-such-page", "/api/v1/no-such-thing", "/catalog/NO-SUCH-DATASET", "/static/app/x"]
)
def test_not_found_and_error_pages_carry_the_headers(client: TestClient, url: str) -> None:
    response = client.get(url, headers={"accept": "text/html"})
    assert response.status_code == 404, (url, response.status_code)
    assert not _problems(url, response, signed_in=False, hsts=False)


def test_refusals_carry_the_headers(client: TestClient, people: People) -> None:
    """A 401 problem, a 403 error page, a 405 and a 422 are answered with the headers too."""
    login(client, "bj-env", people.password)
    forbidden = client.get("/audit", headers={"accept": "text/html"})
    wrong_method = client.delete("/login")
    invalid = client.get("/api/v1/datasets?limit=nope")
    client.cookies.clear()
    unauthenticated = client.get("/api/v1/me")
    for name, response, status in (
        ("403 page", forbidden, 403),
        ("405", wrong_method, 405),
        ("422", invalid, 422),
        ("401", unauthenticated, 401),
    ):
        assert response.status_code == status, (name, response.status_code)
        assert not _problems(name, response, signed_in=False, hsts=False)


def test_unhandled_error_500_carries_the_headers(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    app = create_app(settings, session_factory=session_factory)

    def fails() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/test-fails", fails, methods=["GET"])
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/test-fails")
    assert response.status_code == 500
    assert response.json()["type"].endswith("/internal"), response.text
    assert response.headers["content-type"] == "application/problem+json"
    # Every header is there; the only finding is the status itself.
    assert _problems("500", response, signed_in=False, hsts=False) == ["500: 500"]


def test_api_token_responses_are_not_stored(client: TestClient, people: People) -> None:
    login(client, "office", people.password)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/account").text)
    assert csrf
    created = client.post(
        "/api/v1/tokens", json={"name": "headers"}, headers={"X-CSRF-Token": csrf.group(1)}
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    assert created.headers["cache-control"] == "no-store"  # it carries the secret, once
    client.cookies.clear()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.headers["cache-control"] == "no-store"
    anonymous = client.get("/api/v1/air/stations")
    assert anonymous.status_code == 200 and "cache-control" not in anonymous.headers


def test_hsts_over_https_only(settings: Settings, session_factory: sessionmaker[Session]) -> None:
    secure = create_app(
        dataclasses.replace(settings, secure_cookies=True), session_factory=session_factory
    )
    with TestClient(secure, base_url="https://testserver") as client:
        for url in ("/login", "/api/v1/air/stations", "/no-such-page"):
            response = client.get(url)
            assert not _problems(url, response, signed_in=False, hsts=True)
    off = create_app(
        dataclasses.replace(settings, secure_cookies=True, hsts_max_age=0),
        session_factory=session_factory,
    )
    with TestClient(off, base_url="https://testserver") as client:
        assert "strict-transport-security" not in client.get("/login").headers
