"""The platform's domain packages, in dependency order.

Each domain may provide ``models``, ``router`` (API under /api/v1), ``views`` (pages),
``cli`` (a Typer app mounted as ``jjj <domain>``), ``service`` (which also registers its job
handlers) and ``demo`` (``load(session, ...)`` for the embedded demo).
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

# The true import order: a domain imports only domains before it (tests/test_structure.py
# derives the graph from the imports and fails on an upward or cyclic one).
DOMAINS: tuple[str, ...] = (
    "help",
    "audit",
    "regions",
    "accounts",
    "jobs",
    "notifications",
    "catalog",
    "air",
    "warnings",
    "progress",
    "credit",
    "water",
    "sources",
    "ports",
)


def modules(name: str) -> list[ModuleType]:
    found = []
    for domain in DOMAINS:
        qualified = f"jingjinji.{domain}.{name}"
        if find_spec(f"jingjinji.{domain}") is not None and find_spec(qualified) is not None:
            found.append(import_module(qualified))
    return found


def import_all(name: str) -> None:
    modules(name)
