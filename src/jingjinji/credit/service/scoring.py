"""Credit risk classes (A/B/C/D): a subject's records through the scoring kernel
(``credit.kernels.scoring``, configured by ``credit/data/scoring.json``), stored on the subject.

Called after every write that changes a subject's records (records, objections, repairs,
commitments). The facts are every record of the subject with its status as stored: a record
corrected after an objection, withdrawn after an approved repair or pending publication is
weighed as the kernel says for that status (corrected and withdrawn records no longer count,
``credit.kernels.scoring.counts``); an objection that was answered "upheld" marks its
record's fact ``objection_upheld``.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.credit.kernels.scoring import (
    SUPERVISION_FREQUENCY,
    RecordFact,
    RiskScore,
    load_config,
    score_subject,
)
from jingjinji.credit.models import (
    CreditObjection,
    CreditRecord,
    CreditSubject,
    ObjectionStatus,
)
from jingjinji.db import utcnow
from jingjinji.errors import NotFound
from jingjinji.i18n import msg
from jingjinji.security import province_of
from jingjinji.timezone import china_today

CLASSES = ("A", "B", "C", "D")


def record_facts(session: Session, *, subject_id: int) -> list[RecordFact]:
    """The scoring facts of one subject's records (two statements)."""
    records = session.scalars(
        select(CreditRecord).where(CreditRecord.subject_id == subject_id).order_by(CreditRecord.id)
    ).all()
    upheld = set(
        session.scalars(
            select(CreditObjection.record_id).where(
                CreditObjection.record_id.in_([r.id for r in records]),
                CreditObjection.status == ObjectionStatus.UPHELD,
            )
        ).all()
    )
    return [
        RecordFact(
            kind=r.kind,
            severity=r.severity,
            decision_date=r.decision_date,
            status=r.status,
            publicity_end=r.publicity_end,
            objection_upheld=r.id in upheld,
        )
        for r in records
    ]


def score_of(session: Session, *, subject_id: int) -> RiskScore:
    """The subject's score today, without storing it."""
    return score_subject(
        record_facts(session, subject_id=subject_id),
        as_of=china_today(),
        config=load_config(),
    )


def recompute_subject(session: Session, *, subject_id: int) -> None:
    """Score the subject's records today and store class, score and time (in the caller's
    transaction; the change that caused it is audited by its own service)."""
    subject = session.get(CreditSubject, subject_id)
    if subject is None:
        raise NotFound(msg("credit subject {subject_id} does not exist", subject_id=subject_id))
    result = score_of(session, subject_id=subject_id)
    subject.risk_class = result.risk_class
    subject.risk_score = round(result.score, 2)
    subject.risk_computed_at = utcnow()
    session.flush()


def supervision_frequency(risk_class: str | None) -> str | None:
    """How often subjects of this class are inspected (None: not classified yet)."""
    return SUPERVISION_FREQUENCY.get(risk_class) if risk_class else None


def class_distribution(session: Session, *, jurisdiction: str | None) -> dict[str, int]:
    """Subjects per risk class (A-D, and "unclassified"), of one jurisdiction or of all three
    (``jurisdiction`` is a province code such as 130000, or None)."""
    stmt = select(CreditSubject.risk_class, func.count()).group_by(CreditSubject.risk_class)
    if jurisdiction is not None:
        stmt = stmt.where(CreditSubject.jurisdiction_code == province_of(jurisdiction))
    counts: dict[str, int] = dict.fromkeys(CLASSES, 0)
    counts["unclassified"] = 0
    for risk_class, count in session.execute(stmt).all():
        key = risk_class if risk_class in CLASSES else "unclassified"
        counts[key] += int(count)
    return counts
