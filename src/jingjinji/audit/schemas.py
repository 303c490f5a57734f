from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel


class AuditEntryOut(BaseModel):
    seq: int
    occurred_at: dt.datetime
    actor_username: str
    actor_role: str | None
    actor_jurisdiction: str | None
    channel: str
    action: str
    outcome: str
    object_type: str
    object_id: str | None
    jurisdiction_code: str | None
    detail: dict[str, Any]
    prev_hash: str
    entry_hash: str


class ChainReport(BaseModel):
    ok: bool
    entries_checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    # Signed checkpoints found in the platform and checked, the entry the last one covers.
    checkpoints_checked: int = 0
    last_checkpoint_seq: int | None = None
    # The witnesses compared and the last entry their copies confirm (None: none asked).
    witnesses: list[str] = []
    witnessed_seq: int | None = None


class AuditTrailPage(BaseModel):
    """One page of the trail as the page at /audit shows it, newest entry first."""

    entries: list[AuditEntryOut]
    # The ``?before=`` of the next (older) page; None on the last one.
    older: int | None
    # The whole chain's check, for those who may verify it (None for the others).
    report: ChainReport | None
