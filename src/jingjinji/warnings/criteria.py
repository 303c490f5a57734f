"""Warning criteria: the versioned sets shipped as data, and which set each jurisdiction
adopted from which date on.

A criteria set is never rewritten: a changed file carries a new version number. A newer
version may correct the adoptions an older one shipped (``withdrawn_adoptions``): loading it
removes exactly those rows, so a database loaded before the correction ends up with the
corrected dates. A jurisdiction
(or, failing that, its province) applies the set it adopted most recently before the day in
question; before its first adoption takes effect it uses its earliest adopted set."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import SYSTEM_ACTOR, Actor, ensure_role, province_of
from jingjinji.warnings import kernels, policy, shipped
from jingjinji.warnings.models import CriteriaAdoption, CriteriaSet


def load_criteria(session: Session, *, actor: Actor | None = SYSTEM_ACTOR) -> int:
    """Load every shipped criteria file (new versions only) and its default adoptions.

    A changed file must carry a new version number: the same code and version with other
    content is refused (criteria history is never rewritten). Returns how many were added.
    """
    ensure_role(
        session,
        actor,
        policy.OFFICE_ROLE,
        action="warnings.criteria.load",
        object_type="warning_criteria",
    )
    added = 0
    for name in shipped.data_files("criteria"):
        data = json.loads(shipped.data_text("criteria", name))
        criteria = kernels.criteria_from_dict(data)  # validates
        digest = shipped.content_digest(data)
        row = session.scalar(
            select(CriteriaSet).where(
                CriteriaSet.code == criteria.code, CriteriaSet.version == criteria.version
            )
        )
        if row is not None:
            if row.sha256 != digest:
                raise Conflict(
                    msg(
                        "criteria {criteria_code} version {version} is "
                        "loaded with other content: give "
                        "the changed file a new version",
                        criteria_code=criteria.code,
                        version=criteria.version,
                    )
                )
        else:
            session.add(
                CriteriaSet(
                    code=criteria.code,
                    version=criteria.version,
                    name_en=criteria.name_en,
                    name_zh=criteria.name_zh,
                    definition=data,
                    sha256=digest,
                )
            )
            added += 1
            audit.record(
                session,
                actor=actor,
                action="warnings.criteria.load",
                object_type="warning_criteria",
                object_id=f"{criteria.code}@{criteria.version}",
                detail={"sha256": digest},
            )
        for adoption in data.get("withdrawn_adoptions", []):
            _withdraw_shipped_adoption(
                session,
                actor=actor,
                jurisdiction_code=adoption["jurisdiction_code"],
                criteria_code=criteria.code,
                effective_from=dt.date.fromisoformat(adoption["effective_from"]),
            )
        for adoption in data.get("adoptions", []):
            _add_default_adoption(
                session,
                jurisdiction_code=adoption["jurisdiction_code"],
                criteria_code=criteria.code,
                effective_from=dt.date.fromisoformat(adoption["effective_from"]),
            )
    session.flush()
    return added


def _withdraw_shipped_adoption(
    session: Session,
    *,
    actor: Actor | None,
    jurisdiction_code: str,
    criteria_code: str,
    effective_from: dt.date,
) -> None:
    """Remove an adoption an earlier version of a shipped file made and a newer version
    corrects (``withdrawn_adoptions``): only the row of exactly this jurisdiction, set and day,
    so an adoption the office made of another set is never touched. Audited."""
    row = session.scalar(
        select(CriteriaAdoption).where(
            CriteriaAdoption.jurisdiction_code == jurisdiction_code,
            CriteriaAdoption.criteria_code == criteria_code,
            CriteriaAdoption.effective_from == effective_from,
        )
    )
    if row is None:
        return
    session.delete(row)
    audit.record(
        session,
        actor=actor,
        action="warnings.criteria.adoption_withdrawn",
        object_type="warning_criteria_adoption",
        object_id=row.id,
        jurisdiction_code=jurisdiction_code,
        detail={
            "criteria": criteria_code,
            "effective_from": effective_from.isoformat(),
            "reason": "corrected by a newer version of the shipped criteria file",
        },
    )
    session.flush()


def _add_default_adoption(
    session: Session, *, jurisdiction_code: str, criteria_code: str, effective_from: dt.date
) -> None:
    """A shipped adoption, unless the jurisdiction adopted something from that day already."""
    exists = session.scalar(
        select(CriteriaAdoption.id).where(
            CriteriaAdoption.jurisdiction_code == jurisdiction_code,
            CriteriaAdoption.effective_from == effective_from,
        )
    )
    if exists is None:
        session.add(
            CriteriaAdoption(
                jurisdiction_code=jurisdiction_code,
                criteria_code=criteria_code,
                effective_from=effective_from,
            )
        )


def list_criteria(session: Session) -> list[CriteriaSet]:
    return list(
        session.scalars(select(CriteriaSet).order_by(CriteriaSet.code, CriteriaSet.version))
    )


def get_criteria(session: Session, *, code: str, version: int | None = None) -> kernels.Criteria:
    stmt = select(CriteriaSet).where(CriteriaSet.code == code)
    if version is not None:
        stmt = stmt.where(CriteriaSet.version == version)
    row = session.scalar(stmt.order_by(CriteriaSet.version.desc()).limit(1))
    if row is None:
        raise NotFound(
            msg("no criteria set {code} version {version}", code=repr(code), version=version)
            if version
            else msg("no criteria set {code}", code=repr(code))
        )
    return kernels.criteria_from_dict(row.definition)


def check_level(criteria: kernels.Criteria, level: str, loc: list[str | int]) -> str:
    """``level`` if the criteria set has it, else a 422 naming ``loc``."""
    if level not in criteria.level_names:
        raise InvalidInput(
            msg(
                "level {level} is not one of {criteria_code}: {level_names}",
                level=repr(level),
                criteria_code=criteria.code,
                level_names=", ".join(criteria.level_names),
            ),
            errors=[
                field_error(
                    loc, msg("must be one of {level_names}", level_names=criteria.level_names)
                )
            ],
        )
    return level


def adopt_criteria(
    session: Session,
    *,
    actor: Actor | None,
    jurisdiction_code: str,
    criteria_code: str,
    effective_from: dt.date,
) -> CriteriaAdoption:
    """Select the criteria set a jurisdiction applies from a date on (office only)."""
    ensure_role(
        session,
        actor,
        policy.OFFICE_ROLE,
        action="warnings.criteria.adopt",
        object_type="warning_criteria_adoption",
        object_id=jurisdiction_code,
        jurisdiction_code=jurisdiction_code,
    )
    regions.jurisdiction_or_invalid(
        session, code=jurisdiction_code, loc=["body", "jurisdiction_code"]
    )
    if session.scalar(select(CriteriaSet.id).where(CriteriaSet.code == criteria_code)) is None:
        raise InvalidInput(
            msg("unknown criteria set {criteria_code}", criteria_code=repr(criteria_code)),
            errors=[field_error(["body", "criteria_code"], msg("unknown criteria set"))],
        )
    if (
        session.scalar(
            select(CriteriaAdoption.id).where(
                CriteriaAdoption.jurisdiction_code == jurisdiction_code,
                CriteriaAdoption.effective_from == effective_from,
            )
        )
        is not None
    ):
        raise Conflict(
            msg(
                "{jurisdiction_code} already adopted a criteria set from {effective_from}",
                jurisdiction_code=jurisdiction_code,
                effective_from=effective_from,
            )
        )
    row = CriteriaAdoption(
        jurisdiction_code=jurisdiction_code,
        criteria_code=criteria_code,
        effective_from=effective_from,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="warnings.criteria.adopt",
        object_type="warning_criteria_adoption",
        object_id=row.id,
        jurisdiction_code=jurisdiction_code,
        detail={"criteria": criteria_code, "effective_from": effective_from.isoformat()},
    )
    return row


def list_adoptions(session: Session) -> list[CriteriaAdoption]:
    return list(
        session.scalars(
            select(CriteriaAdoption).order_by(
                CriteriaAdoption.jurisdiction_code, CriteriaAdoption.effective_from
            )
        )
    )


def criteria_code_for(session: Session, *, jurisdiction_code: str, on: dt.date) -> str:
    """The set a jurisdiction (or, failing that, its province) applies on a date.

    Before its first adoption takes effect a jurisdiction uses its earliest adopted set."""
    return criteria_codes_on(session, jurisdiction_code=jurisdiction_code, days=[on])[on]


def criteria_codes_on(
    session: Session, *, jurisdiction_code: str, days: list[dt.date]
) -> dict[dt.date, str]:
    """:func:`criteria_code_for` of each of ``days`` (one read of the adoptions)."""
    for code in dict.fromkeys((jurisdiction_code, province_of(jurisdiction_code))):
        rows = list(
            session.scalars(
                select(CriteriaAdoption)
                .where(CriteriaAdoption.jurisdiction_code == code)
                .order_by(CriteriaAdoption.effective_from)
            )
        )
        if rows:
            out: dict[dt.date, str] = {}
            for day in days:
                current = rows[0]
                for row in rows:
                    if row.effective_from <= day:
                        current = row
                out[day] = current.criteria_code
            return out
    raise NotFound(
        msg(
            "jurisdiction {jurisdiction_code} has adopted no warning criteria",
            jurisdiction_code=jurisdiction_code,
        )
    )


def criteria_for(session: Session, *, jurisdiction_code: str, on: dt.date) -> kernels.Criteria:
    return get_criteria(
        session, code=criteria_code_for(session, jurisdiction_code=jurisdiction_code, on=on)
    )
