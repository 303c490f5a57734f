"""Shared by the per-domain "malformed input" tests: send each case and collect every answer
that is not a 4xx problem+json naming what is wrong."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

# (method, url, keyword arguments for TestClient.request)
Case = tuple[str, str, dict[str, Any]]


def problems_of(client: TestClient, headers: dict[str, str], cases: list[Case]) -> list[str]:
    problems = []
    for method, url, kwargs in cases:
        response = client.request(method, url, headers=headers, **kwargs)
        label = f"{method} {url} {str(kwargs)[:120]} -> {response.status_code}"
        if not 400 <= response.status_code < 500:
            problems.append(f"{label}: {response.text[:200]}")
        elif not response.headers["content-type"].startswith("application/problem+json"):
            problems.append(f"{label}: not problem+json")
        elif not response.json().get("detail"):
            problems.append(f"{label}: no detail")
    return problems
