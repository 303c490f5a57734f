"""The credit registry: subjects by Unified Social Credit Code, with their name history.

A subject is registered by any agency of the region (a steward of an organisation), a province
administrator or the coordination office; every registration, rename and change is audited.
The code is checked with both checks of GB 32100-2015 / GB 11714
(:func:`jingjinji.credit.kernels.uscc.check_uscc`); the registration authority, category and
region are decoded from it, and the owning jurisdiction is the province of the region code
(11 -> 110000, 12 -> 120000, 13 -> 130000). A subject registered outside Beijing, Tianjin and
Hebei is refused with that reason (422 on ``uscc``): the registry holds the region's subjects
only (docs/credit.md, OPEN choices).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.credit import policy
from jingjinji.credit.kernels.uscc import UsccCheck, check_uscc
from jingjinji.credit.models import CreditSubject, CreditSubjectName
from jingjinji.credit.schemas.subjects import SubjectIn, SubjectOut
from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.security import Actor, Role, ensure_role
from jingjinji.timezone import china_today

#: The provinces whose subjects the registry holds.
PROVINCES = ("110000", "120000", "130000")
#: Fields of :class:`SubjectIn` a re-registration may change (the name is a rename).
CHANGEABLE = ("name_en", "legal_representative", "registered_on", "address")


def normalise_uscc(code: str) -> str:
    return code.strip().upper()


def checked_uscc(code: str, *, loc: list[str | int]) -> UsccCheck:
    """The decoded code, or a 422 naming ``loc`` with the reason (and the expected check
    character where one is wrong)."""
    check = check_uscc(normalise_uscc(code))
    if not check.valid:
        extra: dict[str, object] = {}
        if check.position is not None:
            extra["position"] = check.position
        if check.expected is not None:
            extra["expected"] = check.expected
        reason = check.reason or "invalid code"
        raise InvalidInput(
            msg(
                "invalid Unified Social Credit Code {code}: {reason}",
                code=repr(code),
                reason=reason,
            ),
            errors=[field_error(loc, reason, **extra)],
        )
    if check.province_code not in PROVINCES:
        reason = msg(
            "registered in region {region_code}, outside Beijing, Tianjin and Hebei; "
            "the registry holds subjects registered in the three jurisdictions",
            region_code=check.region_code,
        )
        raise InvalidInput(reason, errors=[field_error(loc, reason)])
    return check


def find_subject(session: Session, *, uscc: str) -> CreditSubject | None:
    return session.scalar(select(CreditSubject).where(CreditSubject.uscc == normalise_uscc(uscc)))


def get_subject(session: Session, *, uscc: str) -> CreditSubject:
    subject = find_subject(session, uscc=uscc)
    if subject is None:
        raise NotFound(
            msg(
                "no credit subject with code {code}",
                code=repr(normalise_uscc(uscc)),
            )
        )
    return subject


def get_subject_by_id(session: Session, *, subject_id: int) -> CreditSubject:
    subject = session.get(CreditSubject, subject_id)
    if subject is None:
        raise NotFound(msg("no credit subject {subject_id}", subject_id=subject_id))
    return subject


def subjects_by_id(session: Session, *, ids: set[int]) -> dict[int, CreditSubject]:
    if not ids:
        return {}
    rows = session.scalars(select(CreditSubject).where(CreditSubject.id.in_(ids)))
    return {s.id: s for s in rows}


def former_names(session: Session, *, subject_id: int) -> list[str]:
    """Names no longer in use, most recent first."""
    return list(
        session.scalars(
            select(CreditSubjectName.name)
            .where(
                CreditSubjectName.subject_id == subject_id,
                CreditSubjectName.valid_to.is_not(None),
            )
            .order_by(CreditSubjectName.valid_to.desc(), CreditSubjectName.id.desc())
        )
    )


def _ensure_registrar(session: Session, actor: Actor | None, uscc: str) -> Actor:
    return ensure_role(
        session,
        actor,
        Role.STEWARD,
        Role.JURISDICTION_ADMIN,
        Role.OFFICE_ADMIN,
        action="credit.subject.register",
        object_type="credit_subject",
        object_id=uscc,
    )


def _rename(
    session: Session, *, actor: Actor, subject: CreditSubject, name: str, on: dt.date
) -> None:
    current = session.scalar(
        select(CreditSubjectName).where(
            CreditSubjectName.subject_id == subject.id, CreditSubjectName.valid_to.is_(None)
        )
    )
    if current is not None:
        current.valid_to = on
    session.add(CreditSubjectName(subject_id=subject.id, name=name, valid_from=on))
    audit.record(
        session,
        actor=actor,
        action="credit.subject.rename",
        object_type="credit_subject",
        object_id=subject.uscc,
        jurisdiction_code=subject.jurisdiction_code,
        detail={"from": subject.name, "to": name, "on": on.isoformat()},
    )
    subject.name = name


def register_subject(session: Session, *, actor: Actor | None, data: SubjectIn) -> CreditSubject:
    """Register a subject, idempotent by USCC: the same data changes nothing (no audit entry);
    a new name is a rename (the old one closed on ``renamed_on``); other changed fields are
    updated and audited. Flushes; the caller commits."""
    code = normalise_uscc(data.uscc)
    checker = _ensure_registrar(session, actor, code)
    check = checked_uscc(code, loc=["body", "uscc"])
    subject = find_subject(session, uscc=code)
    name = data.name.strip()
    if subject is None:
        assert check.province_code and check.authority and check.category and check.region_code
        subject = CreditSubject(
            uscc=code,
            name=name,
            name_en=data.name_en,
            kind=check.subject_kind or "legal_person",
            registration_authority=check.authority,
            category=check.category,
            region_code=check.region_code,
            jurisdiction_code=check.province_code,
            legal_representative=data.legal_representative,
            registered_on=data.registered_on,
            address=data.address,
            synthetic=data.synthetic,
        )
        session.add(subject)
        session.flush()
        session.add(
            CreditSubjectName(subject_id=subject.id, name=name, valid_from=data.registered_on)
        )
        audit.record(
            session,
            actor=checker,
            action="credit.subject.register",
            object_type="credit_subject",
            object_id=code,
            jurisdiction_code=subject.jurisdiction_code,
            detail={"name": name, "kind": subject.kind, "synthetic": data.synthetic},
        )
        session.flush()
        return subject
    changed = {
        f: (getattr(subject, f), getattr(data, f))
        for f in CHANGEABLE
        if getattr(data, f) is not None and getattr(data, f) != getattr(subject, f)
    }
    renamed = name != subject.name
    if renamed:
        on = data.renamed_on or china_today()
        _rename(session, actor=checker, subject=subject, name=name, on=on)
    if changed:
        for f, (_, new) in changed.items():
            setattr(subject, f, new)
        audit.record(
            session,
            actor=checker,
            action="credit.subject.update",
            object_type="credit_subject",
            object_id=code,
            jurisdiction_code=subject.jurisdiction_code,
            detail={f: [str(old), str(new)] for f, (old, new) in changed.items()},
        )
    if changed or renamed:
        subject.updated_at = utcnow()
    session.flush()
    return subject


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_subjects(
    session: Session, *, q: str, cursor: str | None, limit: int
) -> Paged[CreditSubject]:
    """Subjects whose current or former name contains ``q``, or whose USCC starts with it;
    by id."""
    check_limit(limit)
    stmt = select(CreditSubject)
    text = q.strip()
    if text:
        pattern = f"%{_like_escape(text.lower())}%"
        former = select(CreditSubjectName.subject_id).where(
            func.lower(CreditSubjectName.name).like(pattern, escape="\\")
        )
        stmt = stmt.where(
            or_(
                func.lower(CreditSubject.name).like(pattern, escape="\\"),
                CreditSubject.uscc.like(f"{_like_escape(normalise_uscc(text))}%", escape="\\"),
                CreditSubject.id.in_(former),
            )
        )
    return paginate(session, stmt, CreditSubject.id, cursor=cursor, limit=limit)


def subject_out(session: Session, *, actor: Actor | None, subject: CreditSubject) -> SubjectOut:
    """A subject as its reader sees it: the person running an individual business is personal
    data, shown to agency staff only."""
    return subject_outs(session, actor=actor, subjects=[subject])[0]


def subject_outs(
    session: Session, *, actor: Actor | None, subjects: Sequence[CreditSubject]
) -> list[SubjectOut]:
    """Several subjects as their reader sees them, their former names read in one query."""
    ids = [s.id for s in subjects]
    names: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        rows = session.execute(
            select(CreditSubjectName.subject_id, CreditSubjectName.name)
            .where(
                CreditSubjectName.subject_id.in_(ids),
                CreditSubjectName.valid_to.is_not(None),
            )
            .order_by(CreditSubjectName.valid_to.desc(), CreditSubjectName.id.desc())
        )
        for subject_id, name in rows:
            names[subject_id].append(name)
    outs = []
    for subject in subjects:
        out = SubjectOut.model_validate(subject)
        out.former_names = names[subject.id]
        if subject.kind == "individual_business" and not policy.is_agency_staff(actor):
            out.legal_representative = None
        outs.append(out)
    return outs
