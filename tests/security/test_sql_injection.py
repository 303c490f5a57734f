"""SQL injection probes, kept as a test: classic payloads in every string query parameter, every
string path parameter and every string field of the request bodies of the API. None is a 500,
none leaks a database error, and none selects other rows than a harmless literal in its place.
Issue 10's attack: 0 of 307 probes got through; this makes more on each backend."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import People
from tests.security.operations import writes
from tests.security.sources_world import SOURCES_MN
from tests.security.support import (
    BJ_COMMITMENT,
    BJ_DATASET,
    YEAR_INDICATOR,
    World,
    build_world,
    is_problem,
)

ISSUE_PROBES = 307
PAYLOADS = (
    "' OR '1'='1",
    "1' OR 1=1 --",
    "'; DROP TABLE users; --",
    '" OR ""="',
    "1 UNION SELECT NULL, NULL --",
    "%' OR 1=1 --",
    "') OR ('a'='a",
    "1; SELECT pg_sleep(5) --",
)
LITERAL = "harmless literal"
# What a database error looks like when it leaks into an answer.
LEAKS = re.compile(
    r"syntax error|sqlite3|psycopg|OperationalError|ProgrammingError|unterminated quoted|"
    r"near \"|SQLSTATE|Traceback",
    re.IGNORECASE,
)
PATH_VALUES = {  # a real object for each path parameter, by route prefix and name
    ("/api/v1/datasets", "code"): BJ_DATASET,
    ("/api/v1/jurisdictions", "code"): "110000",
    ("/api/v1/air/stations", "code"): "1001A",
    ("/api/v1/air/cities", "code"): "110000",
    ("/api/v1/progress/agreements", "code"): "bj-tj-integration",
    ("/api/v1/progress/commitments", "code"): BJ_COMMITMENT,
    ("/api/v1/progress/indicators", "code"): YEAR_INDICATOR,
    ("/api/v1/sources/loggers", "mn"): SOURCES_MN,
}


def _is_string(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
        return True
    return any(_is_string(option) for option in schema.get("anyOf", []))


def _path_value(template: str, name: str, world: World) -> str:
    for (prefix, param), value in PATH_VALUES.items():
        if template.startswith(prefix) and name == param:
            return value
    return {
        "username": "bj-env",
        "warning_id": str(world.ids["warning"]),
        # the sources objects (names used by no other domain's routes)
        "enterprise_id": str(world.ids["sources_enterprise"]),
        "outlet_id": str(world.ids["sources_outlet"]),
        "case_id": str(world.ids["sources_case"]),
    }.get(name, "1")


def _base_query(template: str, world: World) -> dict[str, str]:
    """The parameters a route needs besides the probed one to reach the database: stored
    values are read in a scope (an enterprise) and exported over a period."""
    if template.startswith("/api/v1/sources/values"):
        return {
            "enterprise": str(world.ids["sources_enterprise"]),
            "cn": "2061",
            "start": "2026-06-10T08:00",
            "end": "2026-06-11T08:00",
        }
    return {}


def _fill(template: str, world: World, **override: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        raw = override.get(name) or _path_value(template, name, world)
        return quote(raw, safe="")

    return re.sub(r"\{([^}]+)\}", value, template)


def _rows(response: Any) -> Any:
    body = response.json()
    if isinstance(body, dict) and "items" in body:
        return sorted(map(repr, body["items"]))
    return body


def _judge(what: str, probe: Any, control: Any, wrong: list[str]) -> None:
    """A probe is never a 500 nor leaks; answered 200, it selects what the literal selects."""
    if probe.status_code >= 500:
        wrong.append(f"{what}: {probe.status_code}")
        return
    if LEAKS.search(probe.text):
        wrong.append(f"{what}: the answer shows a database error: {probe.text[:200]}")
        return
    if probe.status_code >= 400:
        if not is_problem(probe):
            wrong.append(f"{what}: {probe.status_code} is not problem+json")
        return
    json_answer = probe.status_code == 200 and "json" in probe.headers.get("content-type", "")
    if json_answer and (control.status_code != 200 or _rows(probe) != _rows(control)):
        wrong.append(f"{what}: other rows than the literal selects")


def _probe_queries(world: World, spec: dict[str, Any], wrong: list[str]) -> int:
    sent = 0
    for template, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None or template.endswith("/events"):  # a stream: see test_warnings
            continue
        url = _fill(template, world)
        base = _base_query(template, world)
        for param in operation.get("parameters", []):
            if param["in"] != "query" or not _is_string(param.get("schema", {})):
                continue
            control = world.call("office", "GET", url, params={**base, param["name"]: LITERAL})
            for payload in PAYLOADS:
                probe = world.call("office", "GET", url, params={**base, param["name"]: payload})
                _judge(f"GET {template}?{param['name']}={payload!r}", probe, control, wrong)
                sent += 1
    return sent


def _probe_paths(world: World, spec: dict[str, Any], wrong: list[str]) -> int:
    sent = 0
    for template, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        for param in operation.get("parameters", []):
            if param["in"] != "path" or not _is_string(param.get("schema", {})):
                continue
            control = world.call(
                "office", "GET", _fill(template, world, **{param["name"]: LITERAL})
            )
            for payload in PAYLOADS:
                url = _fill(template, world, **{param["name"]: payload})
                probe = world.call("office", "GET", url)
                _judge(f"GET {template} with {param['name']}={payload!r}", probe, control, wrong)
                sent += 1
    return sent


def _probe_bodies(world: World, wrong: list[str]) -> int:
    """Each string field of each JSON body (top level) in turn, as the office."""
    sent = 0
    for write in writes(world):
        if not write.body:
            continue
        for field, value in write.body.items():
            if not isinstance(value, str):
                continue
            for payload in PAYLOADS:
                url = write.url(world)
                probe = world.call("office", write.method, url, json={**write.body, field: payload})
                if probe.status_code >= 500 or LEAKS.search(probe.text):
                    wrong.append(
                        f"{write.method} {write.path} with {field}={payload!r}: "
                        f"{probe.status_code} {probe.text[:200]}"
                    )
                sent += 1
    return sent


def test_injection_probes_select_nothing_more(
    client: TestClient, session_factory: sessionmaker[Session], people: People, engine: Engine
) -> None:
    world = build_world(client, session_factory, people)
    spec = client.get("/api/v1/openapi.json").json()
    wrong: list[str] = []
    counts = {
        "query parameters": _probe_queries(world, spec, wrong),
        "path parameters": _probe_paths(world, spec, wrong),
        "body fields": _probe_bodies(world, wrong),
    }
    total = sum(counts.values())
    print(f"\nSQL injection: {total} probes ({counts})")
    assert not wrong, f"{len(wrong)} probes got through:\n" + "\n".join(wrong)
    assert total >= ISSUE_PROBES
    # The users table is still there and whole.
    assert world.call("office", "GET", "/api/v1/users").status_code == 200
