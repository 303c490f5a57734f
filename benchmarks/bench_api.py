"""Load-test the API over loopback against the bare queries and a FastAPI hello-world.

    uv run python benchmarks/bench_api.py [--quick] [--pg-url URL] [--database-url URL]

Creates its own PostgreSQL database (127.0.0.1:5432 unless ``JJJ_TEST_PG_URL`` or ``--pg-url``
says otherwise), loads the demo (what ``jjj demo --load-only`` loads, with the Beijing air
history; not timed), runs ``VACUUM ANALYZE`` (the steady state autovacuum reaches), and drops it
at the end, Ctrl-C included; ``--database-url`` uses a database that already holds the demo
instead (neither loaded nor dropped). Then, side by side on the same machine:

- ``jjj serve --workers 2`` on that database, as a subprocess;
- a FastAPI hello-world (``hello_app`` below, served by ``uvicorn --workers 2`` with the same
  logging) whose ``GET /hello/{size}`` answers a static JSON body of ``size`` bytes from a sync
  endpoint (a worker thread, like the API's): the framework and transport floor for a payload;
- the bare service call of each data read, in a loop in this process on the same database (a
  session per call, as a request has), just before that read's 1-connection level.

Endpoints: the latest AQI of every station, a station's hourly month, a city's daily year, the
dataset list and the progress dashboard (HTML). The load generator is a small HTTP/1.1
keep-alive client on asyncio streams, the same for every contender:

- closed loop at 1, 10, 100 and 400 connections, a few seconds each (req/s counts every 2xx
  until the last in-flight answer is in; p50/p99 over every answer), then a probe of
  ``/healthz`` on a new connection: a server that does not answer it within 2 s is wedged;
- the hello-world at 100 connections with each endpoint's payload size, and ``/healthz`` of
  ``jjj serve`` at 100 connections (the floor of the application: middleware, session, SELECT 1);
- open loop: 100 requests/s on a clock for a few seconds per endpoint, each latency measured
  from its scheduled send time (no coordinated omission); sending stops once a second's worth
  of requests is outstanding (the endpoint cannot keep the rate).

An endpoint whose single request takes more than ``--max-single`` seconds is not load-tested.
Every row shows the 1-minute load average (client and servers share the machine with whatever
else runs: ratios are measured in the same run) and the CPU per answer of the client, the
server's processes and the PostgreSQL backends of its pools (from /proc, when PostgreSQL runs
here). Then PASS/FAIL for the targets (ratios, never wall-clock): no errors and no wedge; at 100
clients each API read >= 0.25 of the hello-world of its payload; open-loop p99 < 100 ms; server
p50 at 1 client <= 3x the bare call for the three data reads. A run takes about 5 minutes
(``--quick``: 1 s levels and 3 s open loops); with reads that serve a few dozen requests a
second, most of it is the 400-connection queues draining (up to the 15 s admission wait).
Exits 1 only if something fails functionally (a server does not start, an endpoint does not
answer 200 before the load, a 5xx other than 503 under load, or a server that stays wedged).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import FrameType
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response

HERE = Path(__file__).resolve().parent
PG_ADMIN_URL = os.environ.get(
    "JJJ_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
HOST = "127.0.0.1"
LEVELS = (1, 10, 100, 400)
HELLO_CLIENTS = 100
KEEP_ALIVE_SECONDS = 4.0  # reuse an idle connection for less than the server keeps it (5 s)
WEDGE_SECONDS = 2.0
RECOVERY_SECONDS = 30.0
# Targets (ratios measured in this run).
MIN_HELLO_FRACTION = 0.25
MAX_OPEN_P99_SECONDS = 0.100
MAX_OVERHEAD = 3.0


# --------------------------------------------------------------------------- hello-world app

hello_app = FastAPI(title="hello", openapi_url=None, docs_url=None, redoc_url=None)


@lru_cache(maxsize=64)
def hello_payload(size: int) -> bytes:
    """A JSON document of exactly ``size`` bytes (at least 12)."""
    size = max(size, 12)
    return b'{"pad":"' + b"x" * (size - 10) + b'"}'


@hello_app.get("/hello/{size}")
def hello(size: int) -> Response:
    return Response(hello_payload(size), media_type="application/json")


# --------------------------------------------------------------------------- the endpoints


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    api: bool  # an /api/v1 read: the hello-world target applies
    bare: Callable[[Any], object] | None = None  # the service call, given a Session


def endpoints(station: str, month: str, city: str, year: int) -> list[Endpoint]:
    import datetime as dt

    from jingjinji.air import service

    first = dt.date.fromisoformat(f"{month}-01")
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)

    def latest(session: Any) -> object:
        return service.latest_in_area(session, jurisdiction=None, city=None, standard=None)

    def hourly(session: Any) -> object:
        return service.series(
            session,
            kind="hourly",
            scope="station",
            code=station,
            start=first,
            end=last,
            standard=None,
        )

    def daily(session: Any) -> object:
        return service.series(
            session,
            kind="daily",
            scope="city",
            code=city,
            start=dt.date(year, 1, 1),
            end=dt.date(year, 12, 31),
            standard=None,
        )

    return [
        Endpoint("air latest", "/api/v1/air/latest", True, latest),
        Endpoint(
            "station hourly month",
            f"/api/v1/air/stations/{station}/hourly?start={first}&end={last}",
            True,
            hourly,
        ),
        Endpoint(
            "city daily year",
            f"/api/v1/air/cities/{city}/daily?start={year}-01-01&end={year}-12-31",
            True,
            daily,
        ),
        Endpoint("datasets", "/api/v1/datasets", True),
        Endpoint("progress page", "/progress", False),
    ]


# --------------------------------------------------------------------------- HTTP/1.1 client


class Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: just enough of the protocol to
    send a GET and read a response (Content-Length, chunked or until close)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.open = True
        self.idle_since = time.perf_counter()

    def reusable(self) -> bool:
        """Still open, and idle for less than uvicorn's keep-alive time-out (5 s)."""
        fresh = time.perf_counter() - self.idle_since < KEEP_ALIVE_SECONDS
        return self.open and fresh and not self.reader.at_eof()

    @classmethod
    async def connect(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def get(self, request: bytes) -> tuple[int, int]:
        """Send one request; (status, body bytes)."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length: int | None = None
        chunked = False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                self.open = False
        if chunked:
            size = 0
            while True:
                chunk = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if chunk == 0:
                    while await self.reader.readuntil(b"\r\n") != b"\r\n":
                        pass
                    break
                size += len(await self.reader.readexactly(chunk + 2)) - 2
        elif length is not None:
            size = len(await self.reader.readexactly(length))
        else:
            size = len(await self.reader.read())
            self.open = False
        return status, size

    def close(self) -> None:
        self.open = False
        with contextlib.suppress(Exception):
            self.writer.close()


def request_bytes(port: int, path: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: bench_api\r\n"
        "Accept: */*\r\n\r\n"
    ).encode()


@dataclass
class Result:
    """The answers of one run (one endpoint, one load)."""

    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    non_2xx: int = 0
    status_503: int = 0
    status_5xx: int = 0  # other than 503: a functional failure
    timeouts: int = 0
    conn_errors: int = 0
    elapsed: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float | None = None  # the server's processes
    pg_cpu: float | None = None  # the PostgreSQL backends of the benchmark's database
    sent: int = 0
    resent: int = 0  # sent again: the server had closed the idle kept-alive connection
    load: float = 0.0  # 1-minute load average when the run ended
    saturated_after: float | None = None  # open loop: stopped sending, too far behind

    def record(self, status: int, latency: float) -> None:
        self.latencies.append(latency)
        if 200 <= status < 300:
            self.ok += 1
            return
        self.non_2xx += 1
        if status == 503:
            self.status_503 += 1
        elif status >= 500:
            self.status_5xx += 1

    @property
    def answers(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return self.non_2xx + self.timeouts + self.conn_errors

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Meters:
    """CPU seconds so far of the server's processes and of the database's backends."""

    server: Callable[[], float] | None = None
    pg: Callable[[], float] | None = None

    def read(self) -> tuple[float | None, float | None]:
        return (
            self.server() if self.server else None,
            self.pg() if self.pg else None,
        )

    def charge(self, res: Result, before: tuple[float | None, float | None]) -> None:
        after = self.read()
        res.load = os.getloadavg()[0]
        if before[0] is not None and after[0] is not None:
            res.server_cpu = after[0] - before[0]
        if before[1] is not None and after[1] is not None:
            res.pg_cpu = after[1] - before[1]


async def _one(
    conn: Connection | None, port: int, request: bytes, timeout: float, res: Result, started: float
) -> Connection | None:
    """One request on ``conn`` (a new connection if None); the connection to reuse, or None.

    Like any HTTP client, a GET that finds its kept-alive connection closed by the server
    before any byte of the answer is sent again once on a new connection (``res.resent``)."""
    try:
        async with asyncio.timeout(timeout):
            status = 0
            if conn is not None:
                try:
                    status, _ = await conn.get(request)
                except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
                    if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                        raise
                    conn.close()
                    conn = None
                    res.resent += 1
            if conn is None:
                conn = await Connection.connect(port)
                status, _ = await conn.get(request)
    except TimeoutError:
        res.timeouts += 1
        if conn is not None:
            conn.close()
        return None
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        res.conn_errors += 1
        if conn is not None:
            conn.close()
        return None
    res.record(status, time.perf_counter() - started)
    if not conn.open:
        conn.close()
        return None
    conn.idle_since = time.perf_counter()
    return conn


async def closed_loop(
    port: int, path: str, clients: int, seconds: float, timeout: float, meters: Meters
) -> Result:
    """``clients`` connections, each sending its next request when the last one is answered,
    for ``seconds``; then every answer in flight is awaited (up to ``timeout``)."""
    res = Result()
    request = request_bytes(port, path)
    opened = await asyncio.gather(
        *(Connection.connect(port) for _ in range(clients)), return_exceptions=True
    )
    conns: list[Connection | None] = []
    for item in opened:
        if isinstance(item, Connection):
            conns.append(item)
        else:
            res.conn_errors += 1
            conns.append(None)
    cpu, before = time.process_time(), meters.read()
    start = time.perf_counter()
    end = start + seconds
    last = start

    async def client(conn: Connection | None) -> None:
        nonlocal last
        while time.perf_counter() < end:
            res.sent += 1
            sent = time.perf_counter()
            conn = await _one(conn, port, request, timeout, res, sent)
            last = max(last, time.perf_counter())
            if conn is None and res.conn_errors and time.perf_counter() < end:
                await asyncio.sleep(0.01)  # do not spin on a refusing server
        if conn is not None:
            conn.close()

    await asyncio.gather(*(client(conn) for conn in conns))
    res.elapsed = last - start
    res.client_cpu = time.process_time() - cpu
    meters.charge(res, before)
    return res


async def open_loop(
    port: int, path: str, rate: float, seconds: float, timeout: float, meters: Meters
) -> Result:
    """Requests sent on a clock (``rate`` per second); latency from the scheduled time.

    A request takes an idle connection or opens one (the wait counts in its latency). Once more
    than a second's worth of requests is outstanding the server cannot keep the rate: sending
    stops there (``saturated_after``) and the outstanding answers are awaited."""
    res = Result()
    request = request_bytes(port, path)
    idle: list[Connection] = []
    for _ in range(4):
        with contextlib.suppress(OSError):
            idle.append(await Connection.connect(port))
    tasks: set[asyncio.Task[None]] = set()

    async def fire(scheduled: float) -> None:
        conn = None
        while idle and conn is None:
            conn = idle.pop()
            if not conn.reusable():
                conn.close()
                conn = None
        conn = await _one(conn, port, request, timeout, res, scheduled)
        if conn is not None:
            idle.append(conn)

    cpu, before = time.process_time(), meters.read()
    start = time.perf_counter() + 0.05
    backlog = max(20, int(rate))
    for i in range(int(rate * seconds)):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(tasks) > backlog:
            res.saturated_after = time.perf_counter() - start
            break
        res.sent += 1
        task = asyncio.create_task(fire(scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while tasks:
        await asyncio.gather(*list(tasks))
    res.elapsed = time.perf_counter() - start
    res.client_cpu = time.process_time() - cpu
    meters.charge(res, before)
    for conn in idle:
        conn.close()
    return res


async def fetch(port: int, path: str, timeout: float) -> tuple[int, bytes, float]:
    """One request on a new connection: (status, body, seconds); for the checks, not the load."""
    started = time.perf_counter()
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(HOST, port, limit=1 << 20)
        try:
            writer.write(
                request_bytes(port, path).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
            )
            raw = await reader.read()
        finally:
            writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        body = _dechunk(body)
    return status, body, time.perf_counter() - started


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += body[:size]
        body = body[size + 2 :]
    return bytes(out)


async def probe(port: int) -> tuple[float | None, float | None]:
    """After a load: seconds for /healthz to answer 200 on a new connection (None if not within
    WEDGE_SECONDS), and if it did not, seconds until it did (None: still not after
    RECOVERY_SECONDS)."""
    started = time.perf_counter()
    with contextlib.suppress(TimeoutError, OSError, ValueError, IndexError):
        status, _, seconds = await fetch(port, "/healthz", WEDGE_SECONDS)
        if status == 200:
            return seconds, None
    while time.perf_counter() - started < RECOVERY_SECONDS:
        with contextlib.suppress(TimeoutError, OSError, ValueError, IndexError):
            status, _, _ = await fetch(port, "/healthz", WEDGE_SECONDS)
            if status == 200:
                return None, time.perf_counter() - started
        await asyncio.sleep(0.5)
    return None, None


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class Server:
    """A server started as a subprocess in its own process group (the uvicorn supervisor and
    its workers), logging to a file; stopped with SIGTERM, then SIGKILL, by that group's id."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.port = int(argv[argv.index("--port") + 1])
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.pgid = self.process.pid
        self._pids: list[int] = []

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def wait_ready(self, path: str, timeout: float) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(TimeoutError, OSError, ValueError, IndexError):
                status, _, _ = await fetch(self.port, path, 5.0)
                if status == 200:
                    return time.perf_counter() - started
            await asyncio.sleep(0.25)
        raise RuntimeError(f"{self.name} not up after {timeout:.0f}s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        """The group's live processes (scanned again when one of those known has gone)."""
        if self._pids and all(Path(f"/proc/{pid}").exists() for pid in self._pids):
            return self._pids
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[-1].split()
            if int(fields[2]) == self.pgid:
                found.append(int(entry.name))
        self._pids = found
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU of the group's live processes (supervisor and workers)."""
        return cpu_seconds(self.pids())

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and self.pids():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=0.1)
            if not self.pids():
                break
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (those that still exist)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class PgBackends:
    """CPU of the PostgreSQL backends of one database (the server's pools), from /proc: their
    process title names the database. Sampled twice a second, so that a backend that exits (a
    pool's overflow connection) keeps what it used; works where PostgreSQL runs on this machine
    (otherwise none is found and the column shows "-")."""

    def __init__(self, database: str) -> None:
        self.marker = f" {database} ".encode()
        self.used: dict[int, float] = {}  # backend pid: CPU seconds when last seen
        self.others: set[int] = set()  # processes that are not one of its backends

    def sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) in self.others:
                continue
            pid = int(name)
            try:
                if pid not in self.used:
                    title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ") + b" "
                    if self.marker not in title:
                        # A backend just forked may not carry its title yet: look again.
                        if not title.startswith(b"postgres") or b"postgres: " in title:
                            self.others.add(pid)
                        continue
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
                self.used[pid] = (int(fields[11]) + int(fields[12])) / tick
            except (OSError, ValueError, IndexError):
                continue

    def cpu_seconds(self) -> float:
        self.sample()
        return sum(self.used.values())

    async def keep_sampling(self) -> None:
        while True:
            await asyncio.sleep(0.5)
            self.sample()


def jjj_argv() -> list[str]:
    script = Path(sys.executable).with_name("jjj")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from jingjinji.cli import app; app(prog_name='jjj')"]


# --------------------------------------------------------------------------- database


@contextlib.contextmanager
def demo_database(pg_url: str, existing: str | None) -> Iterator[str | None]:
    """The URL of a database holding the demo (None: no PostgreSQL here)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if existing:
        yield existing
        return
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"jjj_bench_api_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no PostgreSQL here: nothing to measure
        print(f"postgresql: not available ({str(exc).splitlines()[0]})")
        admin.dispose()
        yield None
        return
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def load_demo(url: str) -> None:
    from sqlalchemy import text

    from jingjinji import bootstrap
    from jingjinji import demo as demo_data
    from jingjinji.db import make_engine, make_session_factory

    engine = make_engine(url)
    try:
        bootstrap.prepare_database(engine)
        demo_data.ensure_loaded(make_session_factory(engine))
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def bare_time(factory: Any, endpoint: Endpoint, seconds: float, once: bool) -> float:
    """Median seconds of the read's service call, a session per call, in this process (after
    one call that warms the caches); ``once``: a single call."""
    assert endpoint.bare is not None
    times: list[float] = []
    started = time.perf_counter()
    for i in range(100_000):
        t0 = time.perf_counter()
        with factory() as session:
            endpoint.bare(session)
        if i > 0 or once:
            times.append(time.perf_counter() - t0)
        if once or (len(times) >= 5 and time.perf_counter() - started >= seconds):
            break
    return statistics.median(times)


# --------------------------------------------------------------------------- the run


@dataclass
class Options:
    seconds: float
    open_seconds: float
    bare_seconds: float
    rate: float
    timeout: float
    max_single: float
    levels: tuple[int, ...]


def load_avg() -> str:
    return f"{os.getloadavg()[0]:5.2f}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.1f}" if seconds == seconds else f"{'-':>9s}"


def per_answer_ms(cpu: float | None, res: Result) -> str:
    if cpu is None or not res.answers:
        return f"{'-':>7s}"
    return f"{cpu / res.answers * 1000:7.2f}"


HEADER = (
    f"{'endpoint':22s} {'conns':>5s} {'req/s':>7s} {'p50 ms':>9s} {'p99 ms':>9s} {'answers':>7s}"
    f" {'non2xx':>6s} {'503':>4s} {'tmo':>4s} {'conn':>4s} {'cli ms':>7s} {'srv ms':>7s}"
    f" {'pg ms':>7s}  load"
)
CPU_NOTE = (
    "cli / srv / pg ms: CPU per answer of this client, the server's processes and the"
    " PostgreSQL backends of its pool"
)


def row(name: str, clients: int, res: Result) -> str:
    return (
        f"{name:22s} {clients:5d} {res.rate:7.1f} {ms(res.percentile(0.5))} "
        f"{ms(res.percentile(0.99))} {res.answers:7d} {res.non_2xx:6d} {res.status_503:4d} "
        f"{res.timeouts:4d} {res.conn_errors:4d} {per_answer_ms(res.client_cpu, res)} "
        f"{per_answer_ms(res.server_cpu, res)} {per_answer_ms(res.pg_cpu, res)}  {load_avg()}"
        + (f"  ({res.resent} resent on a new connection)" if res.resent else "")
    )


@dataclass
class Findings:
    closed: dict[tuple[str, int], Result] = field(default_factory=dict)
    hello: dict[str, Result] = field(default_factory=dict)
    opened: dict[str, Result] = field(default_factory=dict)
    bare: dict[str, float] = field(default_factory=dict)
    bare_load: dict[str, float] = field(default_factory=dict)
    probes: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, float] = field(default_factory=dict)
    floor: Result | None = None
    functional: list[str] = field(default_factory=list)


async def preflight(app: Server, reads: list[Endpoint], opts: Options, found: Findings) -> None:
    print(
        f"\n{'endpoint':22s} {'status':>6s} {'bytes':>8s} {'items':>6s} {'cold ms':>9s}"
        f" {'warm ms':>9s}  path"
    )
    for endpoint in reads:
        status, body, cold = await fetch(app.port, endpoint.path, max(opts.timeout, 60.0))
        warm = cold
        if status == 200:
            status, body, warm = await fetch(app.port, endpoint.path, max(opts.timeout, 60.0))
        items = "-"
        if status == 200 and endpoint.api:
            document = json.loads(body)
            count = len(document if isinstance(document, list) else document.get("items", []))
            items = str(count)
            if count == 0:
                found.functional.append(f"{endpoint.name}: no data in the demo ({endpoint.path})")
        print(
            f"{endpoint.name:22s} {status:6d} {len(body):8d} {items:>6s} {ms(cold)} {ms(warm)}"
            f"  {endpoint.path}",
            flush=True,
        )
        if status != 200:
            found.functional.append(f"{endpoint.name}: {status} before any load")
        found.sizes[endpoint.name] = len(body)
        if warm > opts.max_single:
            found.skipped[endpoint.name] = warm


async def measure(
    servers: tuple[Server, Server, Meters, Meters],
    reads: list[Endpoint],
    factory: Any,
    opts: Options,
    found: Findings,
) -> None:
    app, hello, app_meters, hello_meters = servers
    await preflight(app, reads, opts, found)
    if found.functional:
        return
    for endpoint in reads:
        if endpoint.name in found.skipped and endpoint.bare is not None:
            found.bare[endpoint.name] = bare_time(factory, endpoint, 0, once=True)
            found.bare_load[endpoint.name] = os.getloadavg()[0]
        if endpoint.name in found.skipped:
            print(
                f"  {endpoint.name}: one request takes {found.skipped[endpoint.name]:.1f}s"
                f" (> --max-single {opts.max_single:g}s), the bare call"
                f" {found.bare.get(endpoint.name, float('nan')):.1f}s: not load-tested"
            )
    loaded = [e for e in reads if e.name not in found.skipped]

    print(
        f"\nclosed loop, jjj serve --workers 2, {opts.seconds:g}s per level (req/s: 2xx until the"
        f" last answer is in); {CPU_NOTE}; bare: the service call in this process, a session per"
        f" call, median over >= {opts.bare_seconds:g}s just before the 1-connection level"
    )
    print(HEADER)
    for endpoint in loaded:
        if not await closed_levels(app, app_meters, endpoint, factory, opts, found):
            return

    print(
        f"\nclosed loop at {HELLO_CLIENTS} connections: the hello-world (uvicorn --workers 2)"
        " with the payload size of each endpoint, and the floor of jjj serve (/healthz: the"
        " middleware, a session and SELECT 1)"
    )
    print(HEADER.replace("endpoint", "payload of"))
    for endpoint in loaded:
        path = f"/hello/{found.sizes[endpoint.name]}"
        await closed_loop(hello.port, path, 4, 0.3, opts.timeout, Meters())
        res = await closed_loop(
            hello.port, path, HELLO_CLIENTS, opts.seconds, opts.timeout, hello_meters
        )
        found.hello[endpoint.name] = res
        print(row(endpoint.name, HELLO_CLIENTS, res), flush=True)
    res = await closed_loop(
        app.port, "/healthz", HELLO_CLIENTS, opts.seconds, opts.timeout, app_meters
    )
    found.floor = res
    print(row("jjj serve /healthz", HELLO_CLIENTS, res), flush=True)

    print(
        f"\nopen loop, jjj serve --workers 2: {opts.rate:g} requests/s for {opts.open_seconds:g}s"
        " per endpoint, latency from the scheduled send"
    )
    print(HEADER.replace("conns", " rate").replace(" req/s", "done/s"))
    for endpoint in loaded:
        res = await open_loop(
            app.port, endpoint.path, opts.rate, opts.open_seconds, opts.timeout, app_meters
        )
        found.opened[endpoint.name] = res
        print(row(endpoint.name, int(opts.rate), res), flush=True)
        if res.saturated_after is not None:
            print(
                f"{'':22s} stopped sending after {res.saturated_after:.1f}s ({res.sent} sent):"
                f" over {max(20, int(opts.rate))} requests outstanding, it cannot keep the rate"
            )


async def closed_levels(
    app: Server,
    meters: Meters,
    endpoint: Endpoint,
    factory: Any,
    opts: Options,
    found: Findings,
) -> bool:
    """The bare call, every level of one endpoint, then the wedge probe; False if the server
    stays wedged."""
    await closed_loop(app.port, endpoint.path, 4, 0.3, opts.timeout, Meters())  # warm both
    if endpoint.bare is not None:
        found.bare[endpoint.name] = bare_time(factory, endpoint, opts.bare_seconds, once=False)
        found.bare_load[endpoint.name] = os.getloadavg()[0]
        print(
            f"{endpoint.name:22s} {'bare':>5s} {'':7s} {ms(found.bare[endpoint.name])}"
            f" {'':>70s}{load_avg()}",
            flush=True,
        )
    for clients in opts.levels:
        res = await closed_loop(
            app.port, endpoint.path, clients, opts.seconds, opts.timeout, meters
        )
        found.closed[(endpoint.name, clients)] = res
        print(row(endpoint.name, clients, res), flush=True)
    clients = max(opts.levels)
    found.probes[endpoint.name] = answered, recovered = await probe(app.port)
    if answered is not None:
        print(f"{'':22s} probe /healthz after {clients} clients: {answered * 1000:.1f} ms")
        return True
    after = f"answered after {recovered:.1f}s" if recovered else "NOT answered in 30 s"
    print(f"{'':22s} probe /healthz after {clients} clients: WEDGED ({after})")
    if recovered is None:
        found.functional.append(f"{endpoint.name}: server wedged after load")
        return False
    return True


def verdicts(reads: list[Endpoint], opts: Options, found: Findings) -> None:
    def line(ok: bool, what: str, detail: str) -> None:
        print(f"{'PASS' if ok else 'FAIL'}  {what:58s} {detail}")

    print(f"\ntargets (ratios of this run; load average now {load_avg()})")
    runs = [*found.closed.values(), *found.hello.values(), *found.opened.values()]
    if found.floor is not None:
        runs.append(found.floor)
    errors = sum(r.errors for r in runs)
    wedged = [n for n, (answered, _) in found.probes.items() if answered is None]
    detail = (
        f"{errors} errors ({sum(r.status_503 for r in runs)} x 503, "
        f"{sum(r.timeouts for r in runs)} timeouts, {sum(r.conn_errors for r in runs)} conn), "
        f"wedged after: {', '.join(wedged) or 'none'}"
    )
    ok = errors == 0 and not wedged and not found.skipped and not found.functional
    top = max(opts.levels)
    line(ok, f"no errors at any level, /healthz < 2 s after {top} clients", detail)
    for endpoint in reads:
        if not endpoint.api:
            continue
        api, hello = (
            found.closed.get((endpoint.name, HELLO_CLIENTS)),
            found.hello.get(endpoint.name),
        )
        if api is None or hello is None or hello.rate == 0:
            line(False, f"{endpoint.name}: req/s at 100 >= {MIN_HELLO_FRACTION} x hello", "not run")
            continue
        fraction = api.rate / hello.rate
        line(
            fraction >= MIN_HELLO_FRACTION,
            f"{endpoint.name}: req/s at 100 >= {MIN_HELLO_FRACTION} x hello",
            f"{fraction:.3f} ({api.rate:.1f} / {hello.rate:.0f} req/s,"
            f" {found.sizes[endpoint.name]:,} B; load {api.load:.1f} / {hello.load:.1f})",
        )
    for endpoint in reads:
        res = found.opened.get(endpoint.name)
        what = (
            f"{endpoint.name}: open loop {opts.rate:g}/s p99 < {MAX_OPEN_P99_SECONDS * 1000:g} ms"
        )
        if res is None:
            line(False, what, "not run")
            continue
        p99 = res.percentile(0.99)
        saturated = (
            f", stopped after {res.saturated_after:.1f}s: cannot keep the rate"
            if res.saturated_after is not None
            else ""
        )
        line(
            p99 < MAX_OPEN_P99_SECONDS and res.errors == 0 and res.saturated_after is None,
            what,
            f"p99 {p99 * 1000:.1f} ms, p50 {res.percentile(0.5) * 1000:.1f} ms, {res.errors}"
            f" errors{saturated} (load {res.load:.1f})",
        )
    for endpoint in reads:
        if endpoint.bare is None:
            continue
        what = f"{endpoint.name}: server p50 at 1 client <= {MAX_OVERHEAD:g} x bare"
        res, bare = found.closed.get((endpoint.name, 1)), found.bare.get(endpoint.name)
        if res is None or not bare:
            line(False, what, "not run" + (f" (bare {bare * 1000:.0f} ms)" if bare else ""))
            continue
        ratio = res.percentile(0.5) / bare
        line(
            ratio <= MAX_OVERHEAD,
            what,
            f"{ratio:.2f} ({res.percentile(0.5) * 1000:.1f} / {bare * 1000:.1f} ms;"
            f" load {res.load:.1f} / {found.bare_load.get(endpoint.name, 0.0):.1f})",
        )
    if found.skipped:
        print(
            "not load-tested (one request slower than --max-single): "
            + ", ".join(f"{n} {s:.1f}s" for n, s in found.skipped.items())
        )


async def serve_and_measure(
    url: str, reads: list[Endpoint], opts: Options, logs: Path, found: Findings
) -> None:
    env = {
        **os.environ,
        "JJJ_DATABASE_URL": url,
        "JJJ_SECRET_KEY": secrets.token_urlsafe(32),
        "JJJ_VAR_DIR": str(logs / "var"),
    }
    from sqlalchemy.engine import make_url

    from jingjinji.db import make_engine, make_session_factory

    env.pop("JJJ_WORKERS", None)
    app_port, hello_port = free_port(), free_port()
    servers: list[Server] = []
    backends = PgBackends(str(make_url(url).database))
    engine = make_engine(url)  # for the bare calls
    sampler: asyncio.Task[None] | None = None
    try:
        servers.append(
            Server(
                "jjj serve",
                [*jjj_argv(), "serve", "--workers", "2", "--port", str(app_port)],
                env,
                logs / "jjj-serve.log",
            )
        )
        servers.append(
            Server(
                "hello-world",
                [
                    sys.executable, "-m", "uvicorn", "bench_api:hello_app",
                    "--app-dir", str(HERE), "--workers", "2", "--host", HOST,
                    "--port", str(hello_port), "--log-level", "info",
                ],
                env,
                logs / "hello.log",
            )
        )  # fmt: skip
        app, hello = servers
        up = await asyncio.gather(
            app.wait_ready("/healthz", 300), hello.wait_ready("/hello/2", 300)
        )
        print(
            f"servers up in {up[0]:.1f}s (jjj serve) and {up[1]:.1f}s (hello-world), not timed",
            flush=True,
        )
        backends.sample()  # the pools' first connections are open (/healthz answered)
        sampler = asyncio.create_task(backends.keep_sampling())
        app_meters = Meters(app.cpu_seconds, backends.cpu_seconds if backends.used else None)
        servers_and_meters = (app, hello, app_meters, Meters(hello.cpu_seconds))
        factory = make_session_factory(engine)
        await measure(servers_and_meters, reads, factory, opts, found)
        for server in servers:
            if server.process.poll() is not None:
                found.functional.append(f"{server.name} exited with {server.process.returncode}")
    finally:
        if sampler is not None:
            sampler.cancel()
        for server in servers:
            server.stop()
        engine.dispose()


def run(url: str, args: argparse.Namespace, opts: Options) -> int:
    started = time.perf_counter()
    reads = endpoints(args.station, args.month, args.city, args.year)
    found = Findings()
    with tempfile.TemporaryDirectory(prefix="bench_api_") as tmp:
        try:
            asyncio.run(serve_and_measure(url, reads, opts, Path(tmp), found))
        except RuntimeError as exc:  # a server that did not start
            print(f"\nfunctional failure: {exc}")
            return 1
    verdicts(reads, opts, found)
    print(f"measured in {time.perf_counter() - started:.0f}s")
    if found.functional:
        print("functional failures: " + "; ".join(found.functional))
        return 1
    if any(r.status_5xx for r in [*found.closed.values(), *found.opened.values()]):
        print("functional failure: 5xx other than 503 under load")
        return 1
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about a minute of load")
    parser.add_argument("--seconds", type=float, help="per closed-loop level (default 3; quick 1)")
    parser.add_argument("--open-seconds", type=float, help="open loop per endpoint (10; quick 3)")
    parser.add_argument("--rate", type=float, default=100.0, help="open-loop requests/s")
    parser.add_argument(
        "--timeout",
        type=float,
        default=20.0,
        help="client timeout per request (above JJJ_ADMISSION_WAIT_SECONDS)",
    )
    parser.add_argument(
        "--max-single",
        type=float,
        default=2.0,
        help="an endpoint slower than this for one request is not load-tested",
    )
    parser.add_argument(
        "--levels", default=",".join(map(str, LEVELS)), help="closed-loop connection counts"
    )
    parser.add_argument("--station", default="1003A", help="station of the hourly month")
    parser.add_argument("--month", default="2017-01", help="YYYY-MM of the hourly month")
    parser.add_argument("--city", default="110000", help="city of the daily year")
    parser.add_argument("--year", type=int, default=2016, help="year of the city daily series")
    parser.add_argument("--pg-url", default=PG_ADMIN_URL, help="PostgreSQL admin URL")
    parser.add_argument("--database-url", help="a database that holds the demo already (kept)")
    args = parser.parse_args(argv)
    opts = Options(
        seconds=args.seconds or (1.0 if args.quick else 3.0),
        open_seconds=args.open_seconds or (3.0 if args.quick else 10.0),
        bare_seconds=0.5 if args.quick else 2.0,
        rate=args.rate,
        timeout=args.timeout,
        max_single=args.max_single,
        levels=tuple(int(x) for x in args.levels.split(",")),
    )
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4 * max(opts.levels) + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    signal.signal(signal.SIGTERM, _interrupt)
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        f" ({os.cpu_count()} CPUs, shared by the client, both servers and PostgreSQL)"
    )
    try:
        with demo_database(args.pg_url, args.database_url) as url:
            if url is None:
                return 0
            if not args.database_url:
                started = time.perf_counter()
                load_demo(url)
                print(
                    f"demo loaded and analysed in {time.perf_counter() - started:.0f}s (not timed)",
                    flush=True,
                )
            try:
                return run(url, args, opts)
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # clean up undisturbed
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, database dropped")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
