"""How responses travel: gzip compression, and static files under content-hashed URLs.

Compression: a response of ``GZIP_MINIMUM_SIZE`` bytes or more is gzipped when the client accepts
gzip (pages, JSON, CSV, CSS, JavaScript). ``text/event-stream`` never is: the warnings' live
stream must reach the browser event by event, not when a compressor's buffer fills. Nor are
downloads that are compressed already (PDF, Parquet, xlsx). A static file is compressed once
per version and the compressed copy kept (``StaticGzipCache``): ECharts' 1 MB cost 33 ms of CPU
at every fetch, 2 ms from the kept copy.

Static files: templates build their URLs with ``static_url("app/app.css")`` or
``static_url("vendor/echarts.min.js")``, which appends ``?v=<hash>`` of the file's content. The
hashes are computed at startup (``install``) and again only for a file that changed. A request
whose ``v`` is the current hash is served ``Cache-Control: public, max-age=31536000, immutable``:
the URL changes when the content does. Any other request (no ``v``, or a stale or unknown one, as
a page rendered before a deployment asks for) gets the current file with ``no-cache``: it works,
and a cache revalidates it instead of keeping the wrong content for a year.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PACKAGE_DIR = Path(__file__).parent
STATIC_DIR = (PACKAGE_DIR / "static").resolve()

# Below about 1 KB gzip saves a few hundred bytes at best, less than a round trip's worth.
GZIP_MINIMUM_SIZE = 1024
# What the server makes per request (pages, JSON, CSV) is gzipped at level 3: a DCSA page of 100
# events (68 KB) in 0.16 ms to 6,515 bytes against level 6's 0.39 ms and 5,806 bytes, 200 KB of
# air CSV in 3.1 ms (0.307) against 10.5 ms (0.275): a third of the CPU for 10-12 % more bytes,
# on a server whose 2 cores are its limit (docs/ports.md, "The request's own cost"). Static files
# (under /static/) are served to each browser once per version (immutable, see below), so they
# keep level 6 (ECharts: 369 KB in 35 ms against 409 KB in 16 ms), which comes within 2 % of
# level 9's size. Brotli (quality 5) would save another 5-13 % but needs a middleware of its own.
GZIP_LEVEL = 3
STATIC_GZIP_LEVEL = 6
STATIC_PREFIX = "/static/"
# A static file is compressed once per version and kept (``StaticGzipCache``): our files and the
# vendor files come to about 1 MB gzipped, so this bound is never reached in practice; it keeps a
# misconfigured static directory from growing the process without limit.
STATIC_GZIP_CACHE_BYTES = 32 * 2**20
# Never compressed: the live event stream (Starlette's default list names it too; it is named here
# so that no change of that default can make it wait for a compressor), and downloads that are
# compressed already (PDF streams, Parquet pages, xlsx is a zip).
NEVER_COMPRESSED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "text/event-stream",
    "application/pdf",
    "application/vnd.apache.parquet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASH_LENGTH = 8

# Front-end packages come from npm (package.json at the project root); only these files are
# served from node_modules.
VENDOR_FILES = {
    "htmx.min.js": ("htmx.org", "dist/htmx.min.js"),
    "echarts.min.js": ("echarts", "dist/echarts.min.js"),
    # The API docs (/api/v1/docs) from our own origin: no CDN is reachable, and the CSP allows
    # scripts from 'self' only.
    "swagger-ui-bundle.js": ("swagger-ui-dist", "swagger-ui-bundle.js"),
    "swagger-ui.css": ("swagger-ui-dist", "swagger-ui.css"),
    # The region's province boundaries, extracted from an npm package by `python -m jingjinji.maps`
    # (make setup runs it after npm ci); see jingjinji/maps.py and docs/maps.md.
    "region-map.json": (".jingjinji", "region-map.json"),
}


class LeveledGZipMiddleware:
    """Starlette's gzip at ``STATIC_GZIP_LEVEL`` for static files and at ``GZIP_LEVEL`` for
    everything else (see there)."""

    def __init__(self, app: ASGIApp) -> None:
        def gzip_at(level: int) -> GZipMiddleware:
            return GZipMiddleware(
                app,
                minimum_size=GZIP_MINIMUM_SIZE,
                compresslevel=level,
                exclude_content_types=NEVER_COMPRESSED,
            )

        self.app = app
        self.dynamic = gzip_at(GZIP_LEVEL)
        self.static = StaticGzipCache(app, fallback=gzip_at(STATIC_GZIP_LEVEL))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["path"].startswith(STATIC_PREFIX):
            await self.static(scope, receive, send)
        else:
            await self.dynamic(scope, receive, send)


def gzipped(body: bytes, level: int) -> bytes:
    """``body`` gzipped in one piece (zlib's gzip header: no time, no name)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(body) + compressor.flush()


class StaticGzipCache:
    """Static files gzipped once per version instead of once per request.

    A file response (200, with the ``ETag`` Starlette derives from the file's modification time
    and size) to a ``GET`` that accepts gzip is compressed at ``level`` in a worker thread the
    first time, and the compressed bytes are kept under (path, ETag): a changed file has a new
    ETag, so old bytes are never sent for new content. ECharts (1 MB) cost 35 ms of CPU at level
    6 on every fetch; a kept copy is sent instead (its file is still read, as the response's
    headers, conditional requests and ``Cache-Control`` come from the file response). Anything
    else (HEAD, ranges, 304s, 404s, small or already-encoded bodies, a client without gzip)
    goes to ``fallback``, the per-request gzip. The kept copies are bounded by ``max_bytes``,
    least recently used first out."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        fallback: ASGIApp,
        level: int = STATIC_GZIP_LEVEL,
        max_bytes: int = STATIC_GZIP_CACHE_BYTES,
    ) -> None:
        self.app = app
        self.fallback = fallback
        self.level = level
        self.max_bytes = max_bytes
        self._kept: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self.kept_bytes = 0
        self.hits = 0
        self.misses = 0

    def _keep(self, key: tuple[str, str], body: bytes) -> None:
        if len(body) > self.max_bytes or key in self._kept:
            return
        while self.kept_bytes + len(body) > self.max_bytes:
            _, dropped = self._kept.popitem(last=False)
            self.kept_bytes -= len(dropped)
        self._kept[key] = body
        self.kept_bytes += len(body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if (
            scope.get("method") != "GET"
            or "gzip" not in headers.get("accept-encoding", "")
            or "range" in headers
            or "http.response.pathsend" in scope.get("extensions", {})
        ):
            await self.fallback(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []
        key: tuple[str, str] | None = None
        kept: bytes | None = None
        passing = False

        async def compress_once(message: Message) -> None:
            nonlocal start, key, kept, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                response = Headers(raw=message.get("headers", []))
                etag = response.get("etag")
                if (
                    message["status"] != 200
                    or etag is None
                    or "content-encoding" in response
                    or int(response.get("content-length", "0")) < GZIP_MINIMUM_SIZE
                ):
                    passing = True
                    await send(message)
                    return
                start, key = message, (str(scope["path"]), etag)
                kept = self._kept.get(key)
                if kept is not None:
                    self._kept.move_to_end(key)
                return
            if kept is None:
                chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            if kept is None and key is not None:
                self.misses += 1
                kept = await run_in_threadpool(gzipped, b"".join(chunks), self.level)
                self._keep(key, kept)
            else:
                self.hits += 1
            assert kept is not None
            out = MutableHeaders(raw=start["headers"])
            out["content-encoding"] = "gzip"
            out["content-length"] = str(len(kept))
            out.add_vary_header("Accept-Encoding")
            await send(start)
            await send({"type": "http.response.body", "body": kept})

        await self.app(scope, receive, compress_once)


def install(app: FastAPI) -> None:
    """Compress responses; hash the static files now rather than on the first page."""
    app.add_middleware(LeveledGZipMiddleware)
    for file in [*STATIC_DIR.rglob("*"), *(vendor_path(name) for name in VENDOR_FILES)]:
        content_hash(file)


def node_modules_dir() -> Path:
    for candidate in (PACKAGE_DIR.parent.parent / "node_modules", Path.cwd() / "node_modules"):
        if candidate.is_dir():
            return candidate
    return Path.cwd() / "node_modules"


def vendor_path(name: str) -> Path:
    package, rel = VENDOR_FILES[name]
    return node_modules_dir() / package / rel


@dataclass(frozen=True)
class _Hashed:
    mtime_ns: int
    size: int
    digest: str


_hashed: dict[Path, _Hashed] = {}


def content_hash(file: Path) -> str | None:
    """The hash of a file's content (None if it is not a file). Computed once (``install`` does
    it at startup) and again only if the file changes, so that a URL never names old content."""
    try:
        st = file.stat()
    except OSError:
        return None
    if not S_ISREG(st.st_mode):
        return None
    known = _hashed.get(file)
    if known is None or (known.mtime_ns, known.size) != (st.st_mtime_ns, st.st_size):
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:HASH_LENGTH]
        known = _hashed[file] = _Hashed(st.st_mtime_ns, st.st_size, digest)
    return known.digest


def _file_of(path: str) -> Path | None:
    """The file behind ``app/<file>`` (our static directory) or ``vendor/<name>``."""
    kind, _, rel = path.partition("/")
    if kind == "vendor" and rel in VENDOR_FILES:
        return vendor_path(rel)
    if kind == "app" and rel:
        file = (STATIC_DIR / rel).resolve()
        return file if file.is_relative_to(STATIC_DIR) else None
    return None


def static_url(path: str) -> str:
    """The URL of a static file with its content hash: ``static_url("app/app.css")`` is
    ``/static/app/app.css?v=1a2b3c4d``. A vendor file not installed keeps a plain URL (it answers
    404 naming the fix); any other unknown path is a template bug and raises."""
    file = _file_of(path)
    digest = content_hash(file) if file is not None else None
    if digest is not None:
        return f"/static/{path}?v={digest}"
    if path.removeprefix("vendor/") in VENDOR_FILES:
        return f"/static/{path}"
    raise ValueError(f"no static file {path!r} (under {STATIC_DIR} or in VENDOR_FILES)")


def cache_control(file: Path, asked: str | None) -> str:
    """Cache for a year only the URL whose ``v`` names the file's current content."""
    return IMMUTABLE if asked is not None and asked == content_hash(file) else REVALIDATE


class HashedStaticFiles(StaticFiles):
    """``StaticFiles`` whose answers carry the ``Cache-Control`` of ``cache_control``."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        asked = Request(scope).query_params.get("v")
        response.headers["Cache-Control"] = cache_control(Path(full_path), asked)
        return response


def vendor_file(request: Request, name: str) -> FileResponse:
    """One of ``VENDOR_FILES`` from node_modules."""
    if name not in VENDOR_FILES:
        raise StarletteHTTPException(404, f"no vendor file {name}")
    path = vendor_path(name)
    if not path.is_file():
        if name == "region-map.json":
            fix = "the region map is not built: run `python -m jingjinji.maps` after `npm ci`"
        else:
            fix = f"{VENDOR_FILES[name][0]} is not installed: run `npm ci`"
        raise StarletteHTTPException(404, f"{fix} (make demo does it)")
    asked = request.query_params.get("v")
    return FileResponse(path, headers={"Cache-Control": cache_control(path, asked)})


def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI for ``/api/v1/openapi.json``, served entirely from this origin (FastAPI's own
    docs page loads it from a CDN and starts it with an inline script, which the CSP blocks):
    the page loads the vendor files and ``app/api-docs.js``, which reads the schema's URL from a
    data attribute."""
    from jingjinji.web import environment  # web imports this module for static_url

    page = environment().get_template("api_docs.html").render(openapi_url=request.app.openapi_url)
    return HTMLResponse(page)
