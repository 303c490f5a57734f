"""Found in a review: three refusals of the catalog's reads were made before any service ran,
so they were not on the audit chain (the platform's rule: every refusal is audited):

- a ``cursor`` longer than ``inputs.MAX_CURSOR`` (1000 characters), refused by FastAPI;
- a NUL character in a query parameter, refused by ``jingjinji.limits`` at the door;
- a download format the catalog does not write (``download.xlsx``), refused by FastAPI.

Each is still a 422 problem naming the parameter and what is wrong, and now leaves exactly one
refused entry of who asked, what, which parameter and why, bounded (never the value as sent),
anonymous callers' too where the route is open to them (both databases)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from jingjinji.inputs import MAX_CURSOR
from tests.catalog.support import Caller, audit_entries

NUL_RULE = "contains a NUL character (U+0000)"
CURSOR_RULE = f"at most {MAX_CURSOR} characters"
LONG_CURSOR = "A" * 5000
#: The reads that take a cursor: (path, the action a refusal is recorded as, the object).
READS = [
    ("/api/v1/datasets/BJ-OPEN/records", "catalog.records.read", ("dataset", "BJ-OPEN")),
    ("/api/v1/datasets/BJ-OPEN/records.csv", "catalog.records.read", ("dataset", "BJ-OPEN")),
    ("/api/v1/datasets/BJ-OPEN/activity", "audit.read", ("dataset", "BJ-OPEN")),
    ("/api/v1/datasets", "catalog.dataset.list", ("dataset", None)),
    ("/api/v1/access-requests", "catalog.access_request.list", ("access_request", None)),
    ("/api/v1/access-grants", "catalog.grant.list", ("grant", None)),
]
#: Reads open to anonymous callers.
OPEN_READS = [r for r in READS if "access-" not in r[0]]
READ_CASES = [
    pytest.param(path, action, target, username, id=f"{path.rsplit('/', 1)[-1]}-{username}")
    for path, action, target in READS
    for username in ["he-analyst", *([None] if (path, action, target) in OPEN_READS else [])]
]


def _one_refusal(
    call: Caller, action: str, target: tuple[str, str | None], username: str | None
) -> dict[str, Any]:
    """The one refused entry of ``action`` by ``username`` (and nothing else refused); its
    detail."""
    refused = audit_entries(call.session_factory, outcome="refused")
    assert [e.action for e in refused] == [action]
    [entry] = refused
    assert entry.actor_username == (username or "anonymous")
    assert (entry.object_type, entry.object_id) == target
    detail: dict[str, Any] = json.loads(entry.detail_json)
    assert detail["reason"]
    return detail


# --- a cursor over the length a cursor may have -------------------------------------------


@pytest.mark.parametrize(("path", "action", "target", "username"), READ_CASES)
def test_a_cursor_too_long_is_refused_on_the_record(
    call: Caller, path: str, action: str, target: tuple[str, str | None], username: str | None
) -> None:
    response = call("GET", path, username, 422, params={"cursor": LONG_CURSOR})
    assert [(e["loc"], e["msg"]) for e in response.json()["errors"]] == [
        (["query", "cursor"], CURSOR_RULE)
    ]
    detail = _one_refusal(call, action, target, username)
    assert detail["problems"] == [{"field": "query.cursor", "rule": CURSOR_RULE}]
    assert "A" * 100 not in json.dumps(detail)  # the cursor as sent is not kept


def test_a_cursor_of_the_longest_length_is_read_as_a_cursor(call: Caller) -> None:
    url = "/api/v1/datasets/BJ-OPEN/records"
    response = call("GET", url, None, 422, params={"cursor": "A" * MAX_CURSOR})
    assert [e["msg"] for e in response.json()["errors"]] == ["malformed cursor"]
    call.refused("catalog.records.read")


def test_the_api_documents_the_cursor_length(call: Caller) -> None:
    paths = call.client.get("/api/v1/openapi.json").json()["paths"]
    for path, _, _ in READS:
        operation = paths[path.replace("BJ-OPEN", "{code}")]["get"]
        [cursor] = [p for p in operation["parameters"] if p["name"] == "cursor"]
        assert cursor["in"] == "query" and not cursor["required"], path
        assert cursor["schema"]["maxLength"] == MAX_CURSOR, path


# --- a NUL character in a query parameter -------------------------------------------------

#: A parameter each read takes (typed or not), and one no read knows.
NUL_PARAMS = {
    "/api/v1/datasets/BJ-OPEN/records": "a",
    "/api/v1/datasets/BJ-OPEN/records.csv": "limit",
    "/api/v1/datasets/BJ-OPEN/activity": "cursor",
    "/api/v1/datasets": "q",
    "/api/v1/access-requests": "box",
    "/api/v1/access-grants": "current",
}


@pytest.mark.parametrize(("path", "action", "target", "username"), READ_CASES)
@pytest.mark.parametrize("known", [True, False], ids=["known", "unknown"])
def test_a_nul_in_the_query_is_refused_on_the_record(
    call: Caller,
    path: str,
    action: str,
    target: tuple[str, str | None],
    username: str | None,
    known: bool,
) -> None:
    name = NUL_PARAMS[path] if known else "zz"
    response = call("GET", path, username, 422, params={name: "1\x00" + "9" * 3000})
    problem = response.json()
    assert [(e["loc"], e["msg"]) for e in problem["errors"]] == [(["query", name], NUL_RULE)]
    assert f"query.{name}" in problem["detail"] and "NUL" in problem["detail"]
    detail = _one_refusal(call, action, target, username)
    assert detail["problems"] == [{"field": f"query.{name}", "rule": NUL_RULE}]
    assert "9" * 100 not in json.dumps(detail)


def test_a_nul_in_a_parameter_name_is_named_escaped(call: Caller) -> None:
    url = "/api/v1/datasets/BJ-OPEN/records"
    response = call("GET", url, "he-analyst", 422, params={"a\x00b": "1"})
    assert response.json()["errors"][0]["loc"] == ["query", "a\\u0000b"]
    [problem] = json.loads(call.refused("catalog.records.read").detail_json)["problems"]
    assert problem == {"field": "query.a\\u0000b", "rule": NUL_RULE}


@pytest.mark.parametrize(
    ("code", "username", "status"),
    [("NOPE", "he-analyst", 404), ("BJ-INTERNAL", None, 401), ("BJ-SECRET", "he-analyst", 403)],
)
def test_a_reader_refused_the_dataset_hears_that_before_a_bad_query(
    call: Caller, code: str, username: str | None, status: int
) -> None:
    url = f"/api/v1/datasets/{code}/records"
    call("GET", url, username, status, params={"a": "\x00"})
    call("GET", url, username, status, params={"cursor": LONG_CURSOR})
    assert audit_entries(call.session_factory, action="catalog.records.read") == []


def test_a_listing_that_needs_a_login_says_so_before_a_bad_query(call: Caller) -> None:
    for path in ("/api/v1/access-requests", "/api/v1/access-grants"):
        call("GET", path, None, 401, params={"box": "\x00", "cursor": LONG_CURSOR})
    assert audit_entries(call.session_factory, outcome="refused") == []


def test_a_nul_elsewhere_is_still_refused_at_the_door(call: Caller) -> None:
    """Routes whose services do not check the query keep the server's refusal."""
    response = call("GET", "/api/v1/datasets/BJ-OPEN/access", None, 422, params={"x": "\x00"})
    assert response.json()["errors"][0]["loc"] == ["query", "x"]
    call("POST", "/api/v1/datasets", "bj-env", 422, params={"x": "\x00"}, json={})


# --- a download format the catalog does not write ----------------------------------------


@pytest.mark.parametrize("username", ["he-analyst", None])
@pytest.mark.parametrize("file_format", ["xlsx", "CSV", "x" * 500])
def test_an_unknown_download_format_is_refused_on_the_record(
    call: Caller, username: str | None, file_format: str
) -> None:
    url = f"/api/v1/datasets/BJ-OPEN/download.{file_format}"
    response = call("GET", url, username, 422, params={"a": "1"})
    [error] = response.json()["errors"]
    assert error["loc"] == ["path", "file_format"]
    assert error["msg"] == "one of csv, jsonl, parquet"
    detail = _one_refusal(call, "catalog.records.download", ("dataset", "BJ-OPEN"), username)
    assert detail["problems"] == [
        {"field": "path.file_format", "rule": "one of csv, jsonl, parquet"}
    ]
    assert detail["filters"] == ["a"]
    assert len(detail["format"]) <= 64 and detail["format"][:4] == file_format[:4]
    assert audit_entries(call.session_factory, outcome="ok", action="catalog.records.read") == []


def test_an_unknown_format_of_an_unknown_dataset_is_not_found(call: Caller) -> None:
    call("GET", "/api/v1/datasets/NOPE/download.xlsx", None, 404)
    assert audit_entries(call.session_factory, outcome="refused") == []


def test_the_api_documents_the_download_formats(call: Caller) -> None:
    operation = call.client.get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/datasets/{code}/download.{file_format}"
    ]["get"]
    [file_format] = [p for p in operation["parameters"] if p["name"] == "file_format"]
    assert file_format["in"] == "path"
    assert file_format["schema"]["enum"] == ["csv", "jsonl", "parquet"]
