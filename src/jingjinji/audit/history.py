"""The history of one thing of a domain, read from the audit chain: the entries about given
objects, for a domain to show (a dataset's activity stream). ``service`` re-exports it."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import Session

from jingjinji.audit.models import AuditEntry
from jingjinji.audit.schemas import AuditEntryOut
from jingjinji.pagination import Paged, paginate


def object_history(
    session: Session,
    *,
    objects: Mapping[str, Collection[str]],
    actions: Collection[str],
    cursor: str | None,
    limit: int,
) -> Paged[AuditEntryOut]:
    """The successful entries with one of ``actions`` about the given objects (object type ->
    ids), newest first. The caller decides who sees them and how much of each entry."""
    from jingjinji.audit.service import to_out  # service re-exports this module's function

    about = [
        and_(AuditEntry.object_type == kind, AuditEntry.object_id.in_(list(ids)))
        for kind, ids in objects.items()
        if ids
    ]
    stmt = select(AuditEntry).where(
        or_(false(), *about), AuditEntry.action.in_(list(actions)), AuditEntry.outcome == "ok"
    )
    page = paginate(session, stmt, AuditEntry.seq, cursor=cursor, limit=limit, descending=True)
    return Paged([to_out(e) for e in page.items], page.next_cursor)
