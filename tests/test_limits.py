"""Oversized input is refused quickly and in bounded memory, by a real server in a child process.

Each attack of issue 10 (part 5) is sent to uvicorn serving the application in a process of its
own, whose peak resident memory (``VmHWM``, from its start) is read from /proc: a
199 MB JSON batch (declared, and streamed chunked without a length), a 49 MB CSV upload, a
workbook of a few MB that inflates to a million rows, a zip bomb, a 6 MiB progress upload (with
and without a length). Before the limits these took 1.1-1.9 GB and 10-35 s each.
"""

from __future__ import annotations

import io
import os
import select
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import limits
from tests.browser_support import free_port
from tests.conftest import People

pytestmark = pytest.mark.xdist_group("load")

MIB = 1024 * 1024
#: The most all the refused attacks together may add to the server's peak resident memory.
MAX_GROWTH_MIB = 150
#: The longest a refusal may take (the CSV upload is read whole by the multipart parser first).
MAX_SECONDS = 10.0
BLOCK = 1 * MIB

SERVER = """
import os, sys
from pathlib import Path
import uvicorn
from jingjinji.app import create_app
from jingjinji.config import Settings
settings = Settings(
    database_url=os.environ["JJJ_DATABASE_URL"], secret_key=os.environ["JJJ_SECRET_KEY"],
    var_dir=Path(os.environ["JJJ_VAR_DIR"]), secure_cookies=False,
)
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[1]),
            log_level="warning", lifespan="off")
"""


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float
    sent: int  # body bytes the client got to send before the answer came


@dataclass
class ChildServer:
    process: subprocess.Popen[bytes]
    port: int
    baseline_kib: int = 0  # resident size once it served its first request

    def status_kib(self, field: str) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.process.pid}/status")

    def send(self, head: bytes, body: Iterable[bytes] = ()) -> Answer:
        return send_raw(self.port, head, body)

    def attack(self, head: bytes, body: Iterable[bytes] = ()) -> tuple[Answer, float]:
        """The answer to one request and the server's peak memory since it started serving,
        above its resident size then (MiB): freed memory stays with the process, so this
        bounds every attack so far together."""
        answer = self.send(head, body)
        return answer, (self.status_kib("VmHWM") - self.baseline_kib) / 1024


def start_server(db_url: str, var_dir: Path, env: dict[str, str] | None = None) -> ChildServer:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)],
        env={
            **os.environ,
            "JJJ_DATABASE_URL": db_url,
            "JJJ_VAR_DIR": str(var_dir),
            "JJJ_SECRET_KEY": "test-secret-key",
            **(env or {}),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = ChildServer(process, port)
    deadline = time.monotonic() + 60
    while True:
        try:
            if server.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == 200:
                server.baseline_kib = server.status_kib("VmRSS")
                return server
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            out = process.communicate()[0].decode(errors="replace")
            raise AssertionError(f"the server did not come up:\n{out}")
        time.sleep(0.2)


def stop_server(server: ChildServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    assert server.process.stdout is not None
    server.process.stdout.close()


def send_raw(port: int, head: bytes, body: Iterable[bytes] = ()) -> Answer:
    """Send a request (head, then the body a block at a time, stopping once the server has
    answered) and read the answer; the connection is closed after it."""
    started = time.perf_counter()
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head)
        try:
            for block in body:
                if select.select([sock], [], [], 0)[0]:
                    break  # answered before the body was sent: stop sending
                sock.sendall(block)
                sent += len(block)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while not _complete(data):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
    seconds = time.perf_counter() - started
    assert data.startswith(b"HTTP/1.1 "), f"no answer (sent {sent} bytes): {data[:200]!r}"
    head_part, _, payload = data.partition(b"\r\n\r\n")
    return Answer(int(head_part.split()[1]), payload, seconds, sent)


def _complete(data: bytes) -> bool:
    head, sep, payload = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(payload) >= int(value)
    return False


def request_head(
    path: str, *, headers: dict[str, str], length: int | None, content_type: str
) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    lines.append(framing)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """The blocks in HTTP/1.1 chunked encoding."""
    for block in blocks:
        yield f"{len(block):x}\r\n".encode() + block + b"\r\n"
    yield b"0\r\n\r\n"


def json_batch_blocks(total: int) -> Iterator[bytes]:
    """A JSON batch of about ``total`` bytes, made a block at a time (never held whole)."""
    row = b'{"station_code":"1001A","ts":"2016-12-20T08:00:00+08:00","pm2_5":30,"pm10":41},'
    block = row * (BLOCK // len(row))
    yield b'{"observations":['
    sent = 0
    while sent + len(block) < total:
        yield block
        sent += len(block)
    yield row[:-1] + b"]}"


def multipart(name: str, content: bytes, media_type: str) -> tuple[str, list[bytes]]:
    boundary = "jjj-limits-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {media_type}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    parts = [head, *(content[i : i + BLOCK] for i in range(0, len(content), BLOCK)), tail]
    return f"multipart/form-data; boundary={boundary}", parts


def csv_upload(total: int) -> bytes:
    """A platform-layout CSV of about ``total`` bytes (about 1.1 million rows for 49 MB)."""
    header = b"station_code,ts,pm2_5,pm10,so2,no2,co,o3\n"
    row = b"1001A,2016-12-20T08:00:00+08:00,30,41,5,20,0.5,70\n"
    return header + row * ((total - len(header)) // len(row))


def million_row_workbook() -> bytes:
    """An .xlsx of 2.8 MB whose sheet inflates to a million rows (99 MB of XML; a 4.8 MB one
    took openpyxl 35 s and 1.17 GB before the limits)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        zf.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="values" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            # 10,000 distinct rows written 100 times (deflate's window is 32 KB: the repeats
            # compress no better than the first, and only one block is ever formatted)
            rows = "".join(
                f'<row><c t="inlineStr"><is><t>green_share</t></is></c><c><v>110000</v>'
                f"</c><c><v>{n}</v></c></row>"
                for n in range(10_000)
            ).encode()
            for _ in range(100):
                sheet.write(rows)
            sheet.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def zip_bomb() -> bytes:
    """A zip whose one member inflates 1000 times (200 MB of zeros in 200 KB)."""
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        zeros = b"0" * BLOCK
        for _ in range(200):
            member.write(zeros)
    return buf.getvalue()


@pytest.fixture(scope="module")
def workbook_attack() -> bytes:
    return million_row_workbook()


@pytest.fixture
def server(
    db_url: str, people: People, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[ChildServer]:
    # `people` fills the database the child serves: personas whose tokens it accepts.
    served = start_server(db_url, tmp_path)
    try:
        yield served
    finally:
        stop_server(served)


def _refused(answer: Answer, growth: float, status: int, *words: str) -> None:
    assert answer.status == status, answer.body[:500]
    text = answer.body.decode()
    for word in words:
        assert word in text, text
    assert answer.seconds < MAX_SECONDS, f"answered in {answer.seconds:.1f} s"
    assert growth < MAX_GROWTH_MIB, f"peak memory grew {growth:.0f} MiB"


def test_oversized_bodies_are_refused_quickly_in_bounded_memory(
    server: ChildServer,
    people: People,
    session_factory: sessionmaker[Session],
    workbook_attack: bytes,
) -> None:
    air_token = {"Authorization": people.headers(session_factory, "bj-env")["Authorization"]}
    progress_token = {"Authorization": people.headers(session_factory, "tj-admin")["Authorization"]}
    batch = 199 * 1000 * 1000
    air_limit = str(limits.BodyLimits().air_batch)

    # A 199 MB JSON batch declared by Content-Length: refused before a byte is read.
    head = request_head(
        "/api/v1/air/observations",
        headers=air_token,
        length=batch,
        content_type="application/json",
    )
    answer, growth = server.attack(head, json_batch_blocks(batch))
    _refused(answer, growth, 413, air_limit, "air_batch", "/api/v1/air/observations")
    assert answer.sent < 64 * MIB

    # The same batch streamed chunked, without a length: reading stops past the limit.
    head = request_head(
        "/api/v1/air/observations", headers=air_token, length=None, content_type="application/json"
    )
    answer, growth = server.attack(head, chunked(json_batch_blocks(batch)))
    _refused(answer, growth, 413, air_limit, "air_batch")
    assert answer.sent < 64 * MIB

    # A 49 MB CSV upload (under the 64 MiB body limit): stopped at the first block past
    # 100,000 rows, never parsed whole.
    content_type, parts = multipart("obs.csv", csv_upload(49 * 1000 * 1000), "text/csv")
    head = request_head(
        "/api/v1/air/observations/csv",
        headers=air_token,
        length=sum(len(p) for p in parts),
        content_type=content_type,
    )
    answer, growth = server.attack(head, parts)
    _refused(answer, growth, 422, "at most 100000 rows")

    # A workbook of a few MB that inflates to a million rows: refused before openpyxl opens it.
    content_type, parts = multipart("v.xlsx", workbook_attack, "application/octet-stream")
    head = request_head(
        "/api/v1/progress/upload",
        headers=progress_token,
        length=sum(len(p) for p in parts),
        content_type=content_type,
    )
    answer, growth = server.attack(head, parts)
    _refused(answer, growth, 422, "expands")

    # A zip bomb: a member that inflates 1000 times.
    content_type, parts = multipart("v.xlsx", zip_bomb(), "application/octet-stream")
    head = request_head(
        "/api/v1/progress/upload",
        headers=progress_token,
        length=sum(len(p) for p in parts),
        content_type=content_type,
    )
    answer, growth = server.attack(head, parts)
    _refused(answer, growth, 422, "expands", "ratio")

    # A 6 MiB progress upload, with a length and chunked without one: 413 at the door.
    progress_limit = str(limits.BodyLimits().progress_upload)
    content_type, parts = multipart("v.csv", b"x" * (6 * MIB), "text/csv")
    for length in (sum(len(p) for p in parts), None):
        head = request_head(
            "/api/v1/progress/upload",
            headers=progress_token,
            length=length,
            content_type=content_type,
        )
        body = parts if length is not None else chunked(parts)
        answer, growth = server.attack(head, body)
        _refused(answer, growth, 413, progress_limit, "progress_upload")

    # The server is still well after all of that.
    assert server.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == 200


# --------------------------------------------------------------------------- in process


def test_route_classes_and_their_limits() -> None:
    limits_ = limits.BodyLimits()
    assert limits.route_limit(limits_, "POST", "/api/v1/air/observations/csv", "multipart") == (
        "air_upload",
        64 * MIB,
    )
    assert limits.route_limit(limits_, "POST", "/air/upload/", "multipart")[0] == "air_upload"
    assert limits.route_limit(limits_, "POST", "/progress/upload", "multipart")[0] == (
        "progress_upload"
    )
    assert limits.route_limit(limits_, "POST", "/api/v1/progress/values", "json") == (
        "json",
        10 * MIB,
    )
    assert limits.route_limit(limits_, "POST", "/login", "form") == ("form", MIB)
    assert limits.route_limit(limits_, "POST", "/login", "multipart") == ("form", MIB)
    assert limits.route_limit(limits_, "PUT", "/api/v1/x", "other") == ("default", MIB)


def test_the_limits_of_the_settings_apply(
    db_url: str, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from jingjinji.app import create_app
    from jingjinji.config import Settings

    settings = Settings(
        database_url=db_url,
        secret_key="test-secret-key",
        var_dir=tmp_path,
        secure_cookies=False,
        body_limit_json=1000,
        body_limit_form=500,
        body_limit_default=200,
    )
    app = create_app(settings, session_factory=session_factory)
    with TestClient(app, raise_server_exceptions=False) as client:
        body = b'{"name": "' + b"x" * 1000 + b'"}'
        r = client.post(
            "/api/v1/progress/values", content=body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413 and r.json()["errors"][0]["limit"] == 1000, r.text
        assert "POST /api/v1/progress/values" in r.json()["detail"]

        def blocks() -> Iterator[bytes]:  # no Content-Length: TestClient sends it chunked
            yield b'{"name": "'
            for _ in range(20):
                yield b"x" * 100
            yield b'"}'

        r = client.post(
            "/api/v1/progress/values",
            content=blocks(),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 413 and "this request sent more" in r.json()["detail"], r.text

        r = client.post("/login", data={"username": "x" * 600, "password": "x"})
        assert r.status_code == 413 and r.json()["errors"][0]["route_class"] == "form", r.text

        r = client.post("/login", content=b"x" * 300, headers={"Content-Type": "text/plain"})
        assert r.status_code == 413 and r.json()["errors"][0]["route_class"] == "default"

        # Under the limits nothing changes: the application answers as before.
        r = client.post("/api/v1/progress/values", json={"name": "x"})
        assert r.status_code in {401, 422}, r.text
