"""405 answers name the methods a resource takes; the OpenAPI document lists the problem+json
answers of every operation and the content types it really returns."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from jingjinji.problems import COMMON_PROBLEMS, MEDIA_TYPE, WRITE_PROBLEMS

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PAGES_AND_METHODS = {"/login": {"GET", "POST"}, "/healthz": {"GET"}, "/region": {"GET"}}


def _example_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


def _spec(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec: dict[str, Any] = response.json()
    return spec


def test_every_405_of_the_api_names_all_the_methods_of_its_path(client: TestClient) -> None:
    """Before, the router named only the first route that matched the path: a DELETE of
    /api/v1/datasets answered ``Allow: GET`` although POST is served there too."""
    paths = _spec(client)["paths"]
    patterns = {
        template: re.compile(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$")
        for template in paths
    }
    wrong = []
    checked = 0
    for template in paths:
        path = _example_path(template)
        # /progress/values/batch is also /progress/values/{value_id}, which takes DELETE
        served = {
            method.upper()
            for other, operations in paths.items()
            if patterns[other].match(path)
            for method in operations
        }
        for method in sorted(set(METHODS) - served):
            response = client.request(method, path)
            checked += 1
            allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
            if response.status_code != 405 or allow != served:
                wrong.append(f"{method} {template}: {response.status_code}, Allow {allow or None}")
    assert checked > 150
    assert not wrong, "\n".join(wrong)


def test_pages_answer_405_with_allow_to_browsers_too(client: TestClient) -> None:
    for path, served in PAGES_AND_METHODS.items():
        for method in sorted({"PUT", "DELETE", "PATCH"} - served):
            for accept in ("text/html", "application/json"):
                response = client.request(method, path, headers={"accept": accept})
                assert response.status_code == 405, (method, path, accept)
                allow = {m.strip() for m in response.headers["allow"].split(",")}
                assert allow == served, (method, path, accept, allow)


def test_static_files_allow_get_and_head(client: TestClient) -> None:
    response = client.post("/static/app/app.css")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_every_operation_documents_its_problems(client: TestClient) -> None:
    spec = _spec(client)
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    wrong = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            expected = set(COMMON_PROBLEMS)
            if method != "get":
                expected |= set(WRITE_PROBLEMS)
            for status in sorted(expected):
                documented = operation["responses"].get(str(status), {}).get("content", {})
                if list(documented) != [MEDIA_TYPE]:
                    wrong.append(f"{method.upper()} {path} {status}: {list(documented)}")
                elif documented[MEDIA_TYPE]["schema"] != {"$ref": "#/components/schemas/Problem"}:
                    wrong.append(f"{method.upper()} {path} {status}: not the Problem schema")
    assert not wrong, "\n".join(wrong)


def test_files_and_streams_document_their_content_types(client: TestClient) -> None:
    paths = _spec(client)["paths"]

    def success(path: str) -> set[str]:
        responses = paths[path]["get"]["responses"]
        return set(responses["200"]["content"])

    assert success("/api/v1/air/export") == {"text/csv", "application/vnd.apache.parquet"}
    assert success("/api/v1/warnings/events") == {"text/event-stream"}
    assert success("/api/v1/progress/report") == {"text/markdown", "text/html", "application/pdf"}
    assert success("/api/v1/progress/template.csv") == {"text/csv"}
    assert success("/api/v1/progress/template.xlsx") == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    }
