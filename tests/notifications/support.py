"""Builders of the notification tests: a real SMTP sink (aiosmtpd) on loopback, the SMTP
settings the worker reads, and readers of a person's inbox through the service."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.config import get_settings
from jingjinji.notifications import service
from tests.conftest import People


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Sink:
    """What the SMTP server received: each message with its envelope recipients."""

    port: int
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


@contextmanager
def smtp_sink(port: int | None = None) -> Iterator[Sink]:
    sink = Sink(port=port or free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def use_smtp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, port: int) -> None:
    """Point the settings the services and the worker read at 127.0.0.1:port."""
    monkeypatch.setenv("JJJ_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("JJJ_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("JJJ_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JJJ_SMTP_PORT", str(port))
    monkeypatch.setenv("JJJ_SMTP_FROM", "platform@jjj.test")
    monkeypatch.setenv("JJJ_SMTP_TIMEOUT", "5")
    monkeypatch.setenv("JJJ_PUBLIC_URL", "https://jjj.test")
    get_settings.cache_clear()


def inbox(
    session_factory: sessionmaker[Session], people: People, username: str, lang: str = "en"
) -> list[tuple[str, str]]:
    """(kind, title in ``lang``) of everything in the person's inbox, newest first."""
    with session_factory() as session:
        page = service.list_inbox(session, actor=people[username], limit=200)
        return [(n.kind, service.render_for(n, lang).title) for n in page.items]


def kinds_of(session_factory: sessionmaker[Session], people: People) -> dict[str, list[str]]:
    """Every persona's inbox as a list of kinds (empty lists kept: least privilege)."""
    return {
        name: [kind for kind, _ in inbox(session_factory, people, name)] for name in people.actors
    }
