"""The embedded demo: every domain's ``demo.load`` in dependency order, once per database, then
on every start each domain's ``demo.refresh`` (where it has one), so that the tour works today."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session, sessionmaker

from jingjinji import domains


@dataclass
class DemoContext:
    """What earlier domains' demo loaders created, for later ones (and the printed logins)."""

    console: Console | None = None
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, pw, what
    values: dict[str, Any] = field(default_factory=dict)


def is_loaded(session: Session) -> bool:
    from sqlalchemy import select

    from jingjinji.accounts.demo import OFFICE_ADMIN
    from jingjinji.accounts.models import User

    return session.scalar(select(User.id).where(User.username == OFFICE_ADMIN)) is not None


def ensure_loaded(
    factory: sessionmaker[Session],
    *,
    console: Console | None = None,
    options: dict[str, Any] | None = None,
) -> list[tuple[str, str, str]]:
    """Load the demo data unless it is there already; return the demo logins."""
    ctx = DemoContext(console=console, values=dict(options or {}))
    with factory() as session:
        loaded = is_loaded(session)
    if not loaded:
        for module in domains.modules("demo"):
            started = time.perf_counter()
            with factory() as session:
                module.load(session, ctx)
                session.commit()
            if console is not None:
                domain = module.__name__.split(".")[-2]
                console.print(f"demo: {domain} loaded in {time.perf_counter() - started:.1f}s")
    refresh(factory, ctx)
    return logins()


def logins() -> list[tuple[str, str, str]]:
    """Every demo login to print: the accounts domain's people, then those a domain's demo adds
    for its own organisations (``logins()`` in its demo module: the ports terminals), the same
    on a fresh and on a reused demo database."""
    from jingjinji.accounts.demo import demo_logins

    found = demo_logins()
    for module in domains.modules("demo"):
        more = getattr(module, "logins", None)
        if more is not None:
            found += [login for login in more() if login not in found]
    return found


def refresh(factory: sessionmaker[Session], ctx: DemoContext) -> None:
    """Every start of the demo, on fresh or used data: each domain's ``demo.refresh(session,
    ctx)``, where it has one, keeps what the tour needs ready for today (the warnings domain
    re-opens a consultation when the last one was issued). Idempotent."""
    for module in domains.modules("demo"):
        hook = getattr(module, "refresh", None)
        if hook is None:
            continue
        with factory() as session:
            hook(session, ctx)
            session.commit()


def print_logins(console: Console, logins: list[tuple[str, str, str]], *, url: str | None) -> None:
    table = Table(title="Demo logins")
    table.add_column("username")
    table.add_column("password")
    table.add_column("who")
    for username, password, who in logins:
        table.add_row(username, password, who)
    console.print(table)
    if url:
        console.print(f"[bold green]jingjinji is up:[/] {url}  (Ctrl-C to stop)")
