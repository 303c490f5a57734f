"""The API docs render in a browser that can reach nothing but the platform: Swagger UI and its
styles come from our origin (node_modules), its start script is a static file allowed by the CSP,
and the operations of /api/v1/openapi.json are listed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_api_docs_render_offline(page: Any, live_server: LiveServer) -> None:
    own = urlsplit(live_server.url).netloc
    foreign: list[str] = []
    problems: list[str] = []

    def only_our_origin(route: Any) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", only_our_origin)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/datasets" in [p.strip() for p in paths], paths[:10]
    assert len(paths) > 50, len(paths)
    assert page.locator(".opblock-tag").count() >= 5
    assert foreign == [], foreign
    assert problems == [], problems
