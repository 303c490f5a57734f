"""Credit demo: registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext


def load(session: Session, ctx: DemoContext) -> None:
    """Filled in by the registry work."""
