"""The API docs render in a browser that can reach nothing but the platform: Swagger UI and its
styles come from our origin (node_modules), its start script is a static file allowed by the CSP,
and the operations of /api/v1/openapi.json are listed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

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
    # Swagger UI folds each domain's operations under its tag (docExpansion "none": a spec of
    # 140+ operations expanded at once showed only its first three tags); every domain's tag is
    # listed, and opening one lists its operations.
    spec = page.request.get(f"{live_server.url}/api/v1/openapi.json").json()
    tags = {
        t for operations in spec["paths"].values() for o in operations.values() for t in o["tags"]
    }
    page.wait_for_selector(".opblock-tag")
    assert {
        page.locator(".opblock-tag").nth(i).get_attribute("data-tag") for i in range(len(tags))
    } == tags
    for tag, path in (("catalog", "/api/v1/datasets"), ("water", "/api/v1/water/incidents")):
        page.locator(f'.opblock-tag[data-tag="{tag}"]').click()
        listed = page.locator(".opblock-summary-path").filter(has_text=path).first
        listed.scroll_into_view_if_needed()
        expect(listed).to_be_visible(timeout=30_000)
    assert foreign == [], foreign
    assert problems == [], problems
