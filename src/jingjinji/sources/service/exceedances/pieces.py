"""Which part of a run an event may take, and which stored event takes it (pure: no database).

A run of the series is whole (``detection`` reads it back from the value that ended the run
before), so the event written for it is a function of the stored values only, whatever order
they arrived in. Two things shape it:

- **Closed events are frozen.** An event whose case closed keeps its start, end, worst value and
  detail. It covers the values from its start to its ``detail.last_at`` (the last value it had
  seen). Those values, and any value of the same run older than it, belong to it. Only the
  values of the run after it form an event: a new one, which ``follows`` the closed one.
- **Matching by place, not by start.** The open (or ``in_case``) event that takes a part of a
  run is the one whose start lies within that part, the earliest if there are several. A late
  value older than its start moves the start back; a late value under the limit inside it ends
  it there, and what follows is a run of its own.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from jingjinji.sources.kernels import limits
from jingjinji.sources.models import Exceedance, ExceedanceStatus


@dataclass(frozen=True, slots=True)
class Piece:
    """The part of a run an event takes: the run itself, or its values after the closed event
    ``follows`` (the id of the latest closed event the run overlaps)."""

    run: limits.Run
    follows: int | None = None


def last_at(event: Exceedance) -> dt.datetime:
    """The data time of the last value the event has seen (its start if it never said)."""
    recorded = (event.detail or {}).get("last_at")
    if isinstance(recorded, str):
        at = dt.datetime.fromisoformat(recorded)
        return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return event.started_at


def is_frozen(event: Exceedance) -> bool:
    """A closed event (its case closed) is no longer changed by detection."""
    return event.status == ExceedanceStatus.CLOSED.value


def _counts(reading: limits.Reading, *, invalid_kind: bool) -> bool:
    """Whether a reading inside a run is one of the run's values (as ``kernels.limits``
    counts them: a limit run skips values not flagged N, an invalid run holds only invalid
    flags)."""
    if invalid_kind:
        return reading.flag in limits.INVALID_FLAGS
    return (
        reading.flag in limits.NORMAL_FLAGS
        and reading.value is not None
        and math.isfinite(reading.value)
    )


def piece_of(
    run: limits.Run,
    readings: Sequence[limits.Reading],
    frozen: Sequence[Exceedance],
    *,
    invalid_kind: bool,
) -> Piece | None:
    """The run, or its values after the latest frozen event that overlaps it; None when no
    value of the run comes after that event."""
    overlapping = [
        e for e in frozen if e.started_at <= run.last_at and last_at(e) >= run.started_at
    ]
    if not overlapping:
        return Piece(run)
    latest = max(overlapping, key=lambda e: (last_at(e), e.id))
    cut = last_at(latest)
    rest = [
        r
        for r in readings
        if cut < r.data_time <= run.last_at and _counts(r, invalid_kind=invalid_kind)
    ]
    if not rest:
        return None
    worst = None if invalid_kind else max(r.value for r in rest if r.value is not None)
    flags = tuple(sorted({r.flag for r in rest if r.flag})) if invalid_kind else ()
    part = limits.Run(rest[0].data_time, run.last_at, run.ended_at, worst, len(rest), flags)
    return Piece(part, follows=latest.id)


def taker(piece: Piece, going: Sequence[Exceedance]) -> Exceedance | None:
    """The not-frozen event that takes the piece: the earliest whose start lies within it."""
    inside = [e for e in going if piece.run.started_at <= e.started_at <= piece.run.last_at]
    return min(inside, key=lambda e: (e.started_at, e.id)) if inside else None
