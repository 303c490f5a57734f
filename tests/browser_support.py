"""Browser tests: a live server on a free port and Playwright driving Debian's chromium.

Never `playwright install`: the browser is /usr/bin/chromium (apt package `chromium`).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.app import create_app
from jingjinji.config import Settings

CHROMIUM = os.environ.get("JJJ_CHROMIUM", "/usr/bin/chromium")
# Flags for a closed network and a root user (see the machine notes): no background traffic.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@dataclass
class LiveServer:
    url: str
    session_factory: sessionmaker[Session]
    db_url: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[LiveServer]:
    port = free_port()
    app = create_app(settings, session_factory=session_factory)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            # A page's live event stream would keep the server up for its whole lifetime: cancel
            # it at once, so that nothing polls the database after the test has dropped it.
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", session_factory, settings.database_url)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        assert not thread.is_alive(), "the live server did not stop"


def chromium_problem() -> str | None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return f"{CHROMIUM} not found (apt-get install chromium)"
    return None


def launch_browser(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def page_errors(page: Any) -> list[str]:
    """Script errors, console errors and failed requests (status >= 400) of the page, collected
    as they happen: a test ends with ``assert errors == []``."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return errors


def browser_login(page: Any, server: LiveServer, username: str, password: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_selector("[data-testid=who]")
    assert username in page.inner_text("[data-testid=who]")


def browser_logout(page: Any) -> None:
    page.click("form[action='/logout'] button[type=submit]")
    page.wait_for_selector("a[href^='/login']")


def skip_unless_browser() -> None:
    problem = chromium_problem()
    if problem is not None:
        from tests.conftest import require_or_skip

        require_or_skip("chromium", problem)


pytestmark = pytest.mark.browser
