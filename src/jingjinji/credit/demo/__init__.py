"""Demo data of the credit domain (synthetic subjects and records, labelled as such), loaded
through the services: the registry and records first, then the one-stop services on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jingjinji.credit.demo import registry, services

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext


def load(session: Session, ctx: DemoContext) -> None:
    registry.load(session, ctx)
    services.load(session, ctx)
