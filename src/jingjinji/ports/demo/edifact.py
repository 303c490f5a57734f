"""The demo's EDIFACT submissions: the synthetic sample interchanges of ``ports/data/edifact``
(see its README) submitted by the terminals' stewards through the intake's job path, so that
the upload page lists them: good files, one with bad messages (reported by segment and
element, the good message recorded) and one truncated file (failed whole).

The embedded demo loads with no worker running, so each submission's job handler is run here,
in the load's transaction, as a worker would; the queued job rows then find their submissions
reported and do nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jingjinji.ports import service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.security import Actor

FILES = Path(__file__).parents[1] / "data" / "edifact"
#: (operator key in ``places.OPERATORS``, file), in the order they are submitted.
SUBMISSIONS = (
    ("tj_port", "coarri_discharge_cntxg.edi"),
    ("tj_port", "coarri_loading_cntxg_feeder.edi"),
    ("he_hha", "coarri_discharge_cnhha.edi"),
    ("tj_port", "codeco_gatein_cntxg.edi"),
    ("tj_port", "warn_check_digit.edi"),
    ("tj_port", "bad_mixed_messages.edi"),
    ("tj_port", "bad_truncated.edi"),
    ("he_cfd", "codeco_gateout_cncfd.edi"),
    ("he_cfd", "codeco_gatein_cncfd_una_wrapped.edi"),
)


def load(session: Session, actors: dict[str, Actor]) -> dict[str, int]:
    """Submit and run every sample; the number of submissions by status."""
    by_status: dict[str, int] = {}
    for writer, name in SUBMISSIONS:
        row = service.submit_edifact(
            session, actor=actors[writer], data=(FILES / name).read_bytes(), filename=name
        )
        service.run_submission(session, {"submission_id": row.id})
        by_status[row.status] = by_status.get(row.status, 0) + 1
    return by_status
