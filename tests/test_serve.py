"""`jjj serve --workers N`: several server processes on PostgreSQL, refused on SQLite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.browser_support import free_port

pytestmark = pytest.mark.xdist_group("load")

JJJ = [sys.executable, "-c", "from jingjinji.cli import app; app()"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "JJJ_DATABASE_URL": db_url,
        "JJJ_VAR_DIR": str(tmp_path),
        "JJJ_SECRET_KEY": "test-secret-key",
    }


def test_serve_runs_several_processes_on_postgresql_and_refuses_them_on_sqlite(
    db_url: str, backend: str, engine: object, tmp_path: Path
) -> None:
    port = free_port()
    argv = [*JJJ, "serve", "--workers", "2", "--port", str(port)]
    if backend == "sqlite":
        done = subprocess.run(argv, env=_env(db_url, tmp_path), capture_output=True, timeout=60)
        assert done.returncode == 2
        assert "needs PostgreSQL" in done.stderr.decode()
        return
    server = subprocess.Popen(
        argv, env=_env(db_url, tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        # Each process imports the whole application: seconds on a busy 2-core machine.
        deadline = time.monotonic() + 120
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5.0) as client:
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, server.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
            answers = [client.get("/api/v1/datasets").status_code for _ in range(20)]
        assert answers == [200] * 20
        assert len(_children(server.pid)) >= 2  # the supervisor's worker processes
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        assert server.stdout is not None
        server.stdout.close()
