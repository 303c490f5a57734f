"""Count the SQL statements one request executes.

A listener on the app's engine (``before_cursor_execute``) records every statement sent to the
database while the request runs, and only then: fixtures, logins and tokens made before are not
counted. Budgets are checked in ``tests/test_statement_budgets.py``.

    counted = count_request(client, "/progress", headers=headers)
    assert counted.response.status_code == 200
    assert counted.count <= 10, counted.report()
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine


def engine_of(client: TestClient) -> Engine:
    """The engine the app's request sessions are bound to."""
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    bind = factory.kw["bind"]
    assert isinstance(bind, Engine), bind
    return bind


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL text of every statement ``engine`` executes inside the block."""
    statements: list[str] = []

    def record(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@dataclass(frozen=True)
class Counted:
    """A response and the statements its request executed."""

    url: str
    response: httpx2.Response
    statements: list[str]

    @property
    def count(self) -> int:
        return len(self.statements)

    def report(self, top: int = 8) -> str:
        """The count and the most repeated statements (an N+1 shows as one repeated text)."""
        lines = [f"{self.url}: {self.count} statements"]
        for text, n in Counter(self.statements).most_common(top):
            flat = " ".join(text.split())
            lines.append(f"  {n} x {flat[:160]}")
        return "\n".join(lines)


def count_request(client: TestClient, url: str, *, method: str = "GET", **kwargs: Any) -> Counted:
    """Send one request through ``client`` and count the statements it executed."""
    with counting(engine_of(client)) as statements:
        response = client.request(method, url, **kwargs)
    return Counted(url=url, response=response, statements=list(statements))
