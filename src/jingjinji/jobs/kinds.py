"""The job kinds a process knows: handler functions and periodic schedules, by kind.

Domains register theirs when their ``service`` (or ``jobs_handlers``) module is imported;
:func:`jingjinji.jobs.registry.load_handlers` imports them all for a worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

# A handler does its database work in the session it is given and does not commit: the worker
# commits it together with marking the job done (see ``jingjinji.jobs.service``).
Handler = Callable[[Session, dict[str, Any]], None]


@dataclass(frozen=True)
class Periodic:
    kind: str
    every: dt.timedelta


_handlers: dict[str, Handler] = {}
_periodic: dict[str, Periodic] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of jobs of ``kind``."""

    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        return fn

    return register


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


def periodic(kind: str, *, every: dt.timedelta) -> None:
    """Have the worker queue ``kind`` (payload ``{}``) every ``every``."""
    _periodic[kind] = Periodic(kind, every)


def periodic_schedule() -> list[Periodic]:
    return list(_periodic.values())


def periodic_dedupe_key(kind: str) -> str:
    """The dedupe key of a periodic job: one pending run of a kind at a time."""
    return f"periodic:{kind}"
