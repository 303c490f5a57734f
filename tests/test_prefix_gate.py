"""Each domain's API router sits behind its path prefix (``app.PrefixGate``): a request
outside the prefix skips the domain's routes with one comparison. Nothing may change but the
time: every API route lies under its gate's prefix (else it could never match), the OpenAPI
document lists every route, and matching, 404 and 405 answer as before."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Match

from jingjinji import domains
from jingjinji.app import API_PREFIX, PrefixGate


def _gates(app: FastAPI) -> list[tuple[Any, PrefixGate]]:
    """(the app's included route, its gate) of each domain's API."""
    out = []
    for route in app.router.routes:
        router = getattr(route, "original_router", None)
        if isinstance(router, PrefixGate):
            out.append((route, router))
    return out


def _api_routes(included: Any) -> list[tuple[str, APIRoute]]:
    """(the full path, the route) of every API route behind ``included``."""
    return [
        (context.path_format, context.original_route)
        for context in included.effective_route_contexts()
        if isinstance(context.original_route, APIRoute)
    ]


def test_every_domain_router_is_gated_and_every_route_lies_under_its_gate(app: FastAPI) -> None:
    gates = _gates(app)
    assert [g.path_prefix for _, g in gates] == [
        API_PREFIX + module.router.prefix for module in domains.modules("router")
    ]
    for included, gate in gates:
        routes = _api_routes(included)
        assert routes, gate.path_prefix
        for path, _ in routes:
            assert path.startswith(gate.path_prefix), path


def test_the_openapi_document_lists_every_api_route(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for included, _ in _gates(app):
        for path, route in _api_routes(included):
            if route.include_in_schema:
                assert path in paths, path


def test_a_gate_refuses_only_paths_outside_its_prefix(app: FastAPI) -> None:
    outer, ports = next((r, g) for r, g in _gates(app) if g.path_prefix == "/api/v1/ports")

    def scope(path: str, method: str = "GET") -> dict[str, object]:
        return {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}

    assert ports.matches(scope("/api/v1/me")) == (Match.NONE, {})
    assert ports.matches(scope("/ports/flows")) == (Match.NONE, {})
    inside = scope("/api/v1/ports/dcsa/v2/events")
    assert outer.matches(inside)[0] is Match.FULL


def test_requests_match_as_before(client: TestClient) -> None:
    assert client.get("/api/v1/ports/dcsa/v2/events").status_code == 401  # matched, then auth
    assert client.get("/api/v1/me").status_code == 401
    unknown = client.get("/api/v1/ports/no-such-thing")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    wrong_method = client.put("/api/v1/ports/dcsa/v2/events")
    assert wrong_method.status_code == 405
    assert client.get("/healthz").status_code == 200


def test_every_route_lies_under_one_of_its_gates_route_prefixes(app: FastAPI) -> None:
    for included, gate in _gates(app):
        prefixes = gate.route_prefixes()
        assert all(p.startswith(gate.path_prefix) for p in prefixes), prefixes
        for path, _ in _api_routes(included):
            assert path.startswith(prefixes), (path, prefixes)


def test_a_domain_without_a_prefix_of_its_own_is_gated_by_its_routes_first_segments(
    app: FastAPI,
) -> None:
    def scope(path: str) -> dict[str, object]:
        return {"type": "http", "path": path, "root_path": "", "method": "GET", "headers": []}

    unprefixed = [(r, g) for r, g in _gates(app) if g.path_prefix == API_PREFIX]
    assert len(unprefixed) >= 2
    for included, gate in unprefixed:
        assert API_PREFIX not in gate.route_prefixes()
        assert gate.matches(scope("/api/v1/ports/dcsa/v2/events")) == (Match.NONE, {})
        first_path = _api_routes(included)[0][0]
        assert "{" not in first_path
        assert included.matches(scope(first_path))[0] in (Match.FULL, Match.PARTIAL)
