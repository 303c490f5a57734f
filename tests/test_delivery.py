"""Delivery: gzip for pages and JSON but never for the event stream (which still streams), and
static files under content-hashed URLs with year-long caching only for the current hash."""

from __future__ import annotations

import gzip
import hashlib
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import delivery
from jingjinji.demo import DemoContext
from jingjinji.progress import demo as progress_demo
from tests.browser_support import LiveServer, page_errors
from tests.conftest import People, login

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
# Pages of every kind: without charts, with charts, each domain's landing page.
PAGES = [
    "/",
    "/login",
    "/region",
    "/catalog",
    "/air",
    "/air/public",
    "/warnings",
    "/progress",
    "/progress/indicators",
    "/progress/commitments",
    "/progress/report",
]
TAG = re.compile(r"<(script|link)\b[^>]*>")
URL = re.compile(r'\b(?:src|href)="([^"]+)"')


@dataclass
class Sent:
    """A response as sent: status, headers (lower-case names) and the body not decompressed."""

    status_code: int
    headers: dict[str, str]
    body: bytes


def _sent(client: TestClient, url: str, headers: dict[str, str]) -> Sent:
    with client.stream("GET", url, headers=headers) as response:
        body = b"".join(response.iter_raw())
    return Sent(response.status_code, {k.lower(): v for k, v in response.headers.items()}, body)


@pytest.mark.parametrize("url", ["/region", "/api/v1/jurisdictions"])
def test_pages_and_json_are_gzipped_when_accepted(
    client: TestClient, people: People, url: str
) -> None:
    plain = _sent(client, url, IDENTITY)
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert len(plain.body) > delivery.GZIP_MINIMUM_SIZE
    packed = _sent(client, url, GZIP)
    assert packed.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert len(packed.body) < len(plain.body) / 2
    body = gzip.decompress(packed.body)
    if url.startswith("/api/"):
        assert body == plain.body
    else:  # a page carries its own CSRF token; the rest is the same
        strip = re.compile(rb'name="csrf[-_]token" (?:content|value)="[^"]*"')
        assert strip.sub(b"", body) == strip.sub(b"", plain.body)


def _gzipped(body: bytes, level: int) -> bytes:
    """``body`` as zlib gzips it at ``level`` in one piece (what the middleware sends for a
    response sent in one piece: zlib's header has no time or name)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(body) + compressor.flush()


def test_dynamic_responses_are_gzipped_at_the_fast_level_static_files_at_the_tight_one(
    client: TestClient, people: People
) -> None:
    assert delivery.GZIP_LEVEL < delivery.STATIC_GZIP_LEVEL
    plain = _sent(client, "/api/v1/jurisdictions", IDENTITY)
    packed = _sent(client, "/api/v1/jurisdictions", GZIP)
    assert packed.body == _gzipped(plain.body, delivery.GZIP_LEVEL)
    assert packed.body != _gzipped(plain.body, delivery.STATIC_GZIP_LEVEL)
    url = delivery.static_url("app/app.css")
    css = (delivery.STATIC_DIR / "app.css").read_bytes()
    static = _sent(client, url, GZIP)
    assert static.headers["content-encoding"] == "gzip"
    assert static.body == _gzipped(css, delivery.STATIC_GZIP_LEVEL)
    assert static.body != _gzipped(css, delivery.GZIP_LEVEL)


def test_small_responses_are_not_compressed(client: TestClient) -> None:
    response = _sent(client, "/favicon.ico", GZIP)
    assert response.status_code == 200
    assert len(response.body) < delivery.GZIP_MINIMUM_SIZE
    assert "content-encoding" not in response.headers


def test_event_stream_is_never_compressed(client: TestClient, people: People) -> None:
    response = _sent(client, "/api/v1/warnings/events?lifetime=0.5", GZIP)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in response.headers
    assert b"event: ready" in response.body


def test_event_stream_streams_through_a_real_server(live_server: LiveServer) -> None:
    # A stream that stays open for a minute: the first event must arrive while it is open (a
    # buffering compressor would hold it back until the end, past the read timeout).
    url = f"{live_server.url}/api/v1/warnings/events?lifetime=60"
    with (
        httpx.Client(timeout=httpx.Timeout(10.0)) as http,
        http.stream("GET", url, headers=GZIP) as response,
    ):
        assert response.status_code == 200
        assert "content-encoding" not in response.headers
        first = next(response.iter_raw())
    assert b"event: ready" in first


# ------------------------------------------------------------------------------ static files


def _asset_urls(html: str) -> list[str]:
    urls = []
    for tag in TAG.finditer(html):
        urls += [u for u in URL.findall(tag.group(0)) if u.startswith("/static/")]
    return urls


def test_every_script_and_stylesheet_resolves_and_is_cached_for_a_year(
    client: TestClient, session_factory: sessionmaker[Session], people: People
) -> None:
    with session_factory() as session:
        progress_demo.load(session, DemoContext(values={"organisations": people.organisations}))
        session.commit()
    login(client, "office", people.password)
    seen: set[str] = set()
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 200, page
        urls = _asset_urls(response.text)
        assert any("/static/app/app.css?v=" in u for u in urls), page
        seen.update(urls)
    assert any(u.startswith("/static/vendor/echarts.min.js?v=") for u in seen)
    for url in sorted(seen):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == delivery.IMMUTABLE, url
        assert len(response.content) > 0


@pytest.mark.parametrize("path", ["app/app.css", "vendor/htmx.min.js"])
def test_a_stale_or_missing_hash_is_not_cached_for_long(client: TestClient, path: str) -> None:
    current = client.get(delivery.static_url(path))
    for url in (f"/static/{path}?v=00000000", f"/static/{path}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == delivery.REVALIDATE, url
        assert response.content == current.content


def test_the_url_names_the_content() -> None:
    css = delivery.STATIC_DIR / "app.css"
    digest = hashlib.sha256(css.read_bytes()).hexdigest()[: delivery.HASH_LENGTH]
    assert delivery.static_url("app/app.css") == f"/static/app/app.css?v={digest}"
    for wrong in ("app/missing.css", "app/../app.py", "other/app.css", "vendor/lodash.js"):
        with pytest.raises(ValueError, match="no static file"):
            delivery.static_url(wrong)


def test_a_changed_file_gets_a_new_hash_and_its_old_url_expires(tmp_path: Path) -> None:
    file = tmp_path / "chart.js"
    file.write_text("draw(1);")
    old = delivery.content_hash(file)
    assert old is not None
    assert delivery.cache_control(file, old) == delivery.IMMUTABLE
    file.write_text("draw(1, 2);")
    new = delivery.content_hash(file)
    assert new not in (None, old)
    assert delivery.cache_control(file, old) == delivery.REVALIDATE
    assert delivery.cache_control(file, new) == delivery.IMMUTABLE
    assert delivery.content_hash(tmp_path) is None
    assert delivery.content_hash(tmp_path / "missing.js") is None


def test_unknown_files_are_404(client: TestClient) -> None:
    assert client.get("/static/vendor/lodash.js").status_code == 404
    assert client.get("/static/app/missing.css?v=00000000").status_code == 404


def test_without_npm_ci_pages_render_and_the_vendor_url_says_why(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "node_modules_dir", lambda: tmp_path)
    assert delivery.static_url("vendor/htmx.min.js") == "/static/vendor/htmx.min.js"
    assert 'src="/static/vendor/htmx.min.js" defer' in client.get("/").text
    response = client.get("/static/vendor/htmx.min.js", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "npm ci" in response.text


# ------------------------------------------------------------------------ deferred scripts


def _head(html: str) -> str:
    return html.split("</head>", 1)[0]


# Pages that draw charts load ECharts; the others do not.
CHART_PAGES = {
    "/warnings": True,
    "/air": True,
    "/air/public": False,
    "/progress": True,
    "/progress/report": True,
    "/progress/indicators": False,
    "/progress/commitments": False,
    "/catalog": False,
    "/": False,
}


def test_scripts_are_deferred_and_echarts_only_where_charts_are(
    client: TestClient, people: People
) -> None:
    for url, charts in CHART_PAGES.items():
        html = client.get(url).text
        external = [t for t in re.findall(r"<script\b[^>]*>", html) if " src=" in t]
        assert external, url
        assert all(" defer" in t for t in external), (url, external)
        assert ("/static/vendor/echarts.min.js" in _head(html)) is charts, url


# ------------------------------------------------------------------------------ in a browser


@pytest.mark.browser
def test_charts_draw_after_the_deferred_echarts(
    page: Any, live_server: LiveServer, people: People
) -> None:
    with live_server.session_factory() as session:
        progress_demo.load(session, DemoContext(values={"organisations": people.organisations}))
        session.commit()
    errors = page_errors(page)
    page.goto(f"{live_server.url}/progress")
    for chart in ("chart-area", "chart-commitments", "chart-jurisdiction"):
        page.wait_for_selector(f"[data-testid={chart}] canvas")
    # A fragment swapped in by htmx after the page loaded draws its chart at once: the chart is
    # declared by data attributes and a JSON data block (no inline script: the CSP forbids it),
    # and progress.js draws every fragment htmx loads.
    page.evaluate(
        r"""() => htmx.swap("main", `<div id="late-chart" style="height: 200px"
              data-stacked="late-data" data-horizontal="false"></div>
              <script type="application/json" id="late-data">{"categories": ["a"],
              "series": [{"type": "bar", "data": [1]}]}</script>`, {swapStyle: "beforeend"})"""
    )
    page.wait_for_selector("#late-chart canvas")
    page.goto(f"{live_server.url}/warnings")
    page.wait_for_selector("[data-testid=warning-map][data-map-ready=true] svg path")
    assert page.evaluate("typeof window.echarts") == "object"
    assert errors == []


# ------------------------------------------------------------------------------ API docs


def test_api_docs_are_served_from_our_origin(client: TestClient) -> None:
    """/api/v1/docs names no other host (no CDN is reachable), runs no inline script (the CSP
    forbids it) and every asset it loads answers 200 with immutable caching."""
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.text
    assert "swagger-ui" in html
    urls = URL.findall(html)
    assert not [u for u in urls if "//" in u], urls
    assert not re.search(r"<script\b(?![^>]*\bsrc=)[^>]*>", html), "inline script in the docs page"
    assets = [u for u in urls if u.startswith("/static/")]
    names = {u.split("?")[0].rsplit("/", 1)[1] for u in assets}
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "api-docs.js"} <= names, names
    for url in assets:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["cache-control"] == delivery.IMMUTABLE, url
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    assert client.get("/api/v1/openapi.json").status_code == 200


# --------------------------------------------------------------------------- static gzip cache


def _static_app(directory: Path, *, max_bytes: int = delivery.STATIC_GZIP_CACHE_BYTES) -> Any:
    """StaticFiles over ``directory`` behind the cache, with Starlette's gzip as fallback (the
    way ``LeveledGZipMiddleware`` puts them together)."""
    from starlette.applications import Starlette
    from starlette.middleware.gzip import GZipMiddleware
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    files = Starlette(routes=[Mount("/", StaticFiles(directory=directory))])
    fallback = GZipMiddleware(files, minimum_size=delivery.GZIP_MINIMUM_SIZE, compresslevel=6)
    return delivery.StaticGzipCache(files, fallback=fallback, max_bytes=max_bytes)


def _text(size: int, seed: str) -> bytes:
    """Compressible but not trivially so: ``size`` bytes of numbered lines."""
    lines = (
        f"{seed} line {n} {hashlib.sha256(f'{seed}{n}'.encode()).hexdigest()[:8]}\n"
        for n in range(size)
    )
    return "".join(lines).encode()[:size]


def test_a_static_file_is_compressed_once_and_sent_from_the_kept_copy(tmp_path: Path) -> None:
    content = _text(50_000, "a")
    (tmp_path / "lib.js").write_bytes(content)
    cache = _static_app(tmp_path)
    with TestClient(cache) as client:
        first = _sent(client, "/lib.js", GZIP)
        second = _sent(client, "/lib.js", GZIP)
    assert first.status_code == second.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in first.headers["vary"].lower()
    assert first.body == second.body == _gzipped(content, delivery.STATIC_GZIP_LEVEL)
    assert int(second.headers["content-length"]) == len(second.body)
    assert second.headers["etag"] == first.headers["etag"]
    assert (cache.misses, cache.hits) == (1, 1)
    assert cache.kept_bytes == len(first.body)


def test_a_changed_static_file_is_compressed_again_never_sent_stale(tmp_path: Path) -> None:
    file = tmp_path / "lib.js"
    file.write_bytes(_text(50_000, "old"))
    cache = _static_app(tmp_path)
    with TestClient(cache) as client:
        old = _sent(client, "/lib.js", GZIP)
        new_content = _text(60_000, "new")
        file.write_bytes(new_content)
        new = _sent(client, "/lib.js", GZIP)
    assert gzip.decompress(new.body) == new_content
    assert new.headers["etag"] != old.headers["etag"]
    assert (cache.misses, cache.hits) == (2, 0)


def test_what_the_cache_cannot_serve_whole_goes_to_the_per_request_gzip(tmp_path: Path) -> None:
    content = _text(50_000, "a")
    (tmp_path / "lib.js").write_bytes(content)
    (tmp_path / "tiny.js").write_bytes(b"x" * 100)
    cache = _static_app(tmp_path)
    with TestClient(cache) as client:
        plain = _sent(client, "/lib.js", IDENTITY)
        assert plain.body == content and "content-encoding" not in plain.headers
        head = client.head("/lib.js", headers=GZIP)
        assert head.status_code == 200 and head.content == b""
        part = client.get("/lib.js", headers={**GZIP, "Range": "bytes=0-99"})
        assert part.status_code == 206 and part.content == content[:100]
        etag = _sent(client, "/lib.js", GZIP).headers["etag"]
        unchanged = client.get("/lib.js", headers={**GZIP, "If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b""
        tiny = _sent(client, "/tiny.js", GZIP)
        assert tiny.body == b"x" * 100 and "content-encoding" not in tiny.headers
        missing = client.get("/missing.js", headers=GZIP)
        assert missing.status_code == 404
    # only the one full GET of lib.js was compressed and kept; the 304 was answered unchanged
    assert (cache.misses, cache.hits) == (1, 0)


def test_the_kept_copies_stay_within_their_bound_least_recently_used_out(tmp_path: Path) -> None:
    bodies = {}
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.js").write_bytes(_text(40_000, name))
        bodies[name] = _gzipped(_text(40_000, name), delivery.STATIC_GZIP_LEVEL)
    bound = len(bodies["a"]) + len(bodies["b"]) + len(bodies["c"]) // 2
    cache = _static_app(tmp_path, max_bytes=bound)
    with TestClient(cache) as client:
        for name in ("a", "b", "a", "c"):  # b is then the least recently used
            assert _sent(client, f"/{name}.js", GZIP).body == bodies[name]
        assert cache.kept_bytes <= bound
        assert _sent(client, "/a.js", GZIP).body == bodies["a"]  # kept
        assert _sent(client, "/b.js", GZIP).body == bodies["b"]  # dropped: compressed again
    assert (cache.misses, cache.hits) == (4, 2)
