"""Opening a case from open events of one enterprise, and the jurisdictions it involves.

Involved: the lead (the enterprise's province); the neighbour of every outlet of the
enterprise within ``JJJ_SOURCES_BORDER_KM`` of a border (``border``); the partners of the
enterprise's cross-jurisdiction park (``park``); and whoever the office adds (``added``).
Members of an involved province read the case and the enterprise's events; the enterprise's
monitoring data is read through the catalog: involving a jurisdiction other than the
enterprise's own grants its environment agency the enterprise's rows of the owner province's
``SOURCES-<province>-MONITORING`` dataset (``monitoring_grants``), the grant's id kept on the
involvement (``CaseJurisdiction.grant_id``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.audit import service as audit
from jingjinji.config import get_settings
from jingjinji.errors import Conflict, InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import Actor, deny, province_of, require_actor
from jingjinji.sources import policy
from jingjinji.sources.models import (
    Case,
    CaseJurisdiction,
    Enterprise,
    Exceedance,
    ExceedanceStatus,
    Outlet,
    Park,
)
from jingjinji.sources.schemas.enforcement import CaseOpenIn, InvolveIn
from jingjinji.sources.service.cases import notices
from jingjinji.sources.service.cases.access import (
    OBJECT_TYPE,
    add_step,
    involvements,
    refuse,
    refuse_as,
    visible_case,
)
from jingjinji.sources.service.cases.states import ensure_open
from jingjinji.sources.service.exceedances.reading import visible_exceedances
from jingjinji.sources.service.monitoring_grants import grant_to_neighbour
from jingjinji.sources.service.registry import is_environment_agency


def automatic_involvements(session: Session, enterprise: Enterprise) -> dict[str, str]:
    """Province code -> reason (lead, border, park) for a case about ``enterprise``."""
    lead = province_of(enterprise.jurisdiction_code)
    found = {lead: "lead"}
    border_km = get_settings().sources_border_km
    for code in session.scalars(
        select(Outlet.neighbour_jurisdiction_code).where(
            Outlet.enterprise_id == enterprise.id,
            Outlet.border_distance_km <= border_km,
            Outlet.neighbour_jurisdiction_code.is_not(None),
        )
    ):
        if code is not None:
            found.setdefault(province_of(code), "border")
    if enterprise.park_code is not None:
        park = session.get(Park, enterprise.park_code)
        for code in park.partner_jurisdiction_codes if park else []:
            found.setdefault(province_of(code), "park")
    return found


def _events_or_invalid(
    session: Session, actor: Actor, ids: list[int]
) -> tuple[list[Exceedance], Enterprise]:
    # An event the actor may not read is reported exactly as a missing one (no 403 that would
    # tell an outsider it exists).
    stmt = select(Exceedance).where(Exceedance.id.in_(ids))
    visible = visible_exceedances(actor)
    if visible is not None:
        stmt = stmt.where(visible)
    events = list(session.scalars(stmt.order_by(Exceedance.id)))
    missing = sorted(set(ids) - {e.id for e in events})
    enterprises = {e.enterprise_id for e in events}
    if missing:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("no exceedance event {missing}", missing=missing[0]),
                errors=[
                    field_error(
                        ["body", "exceedance_ids"],
                        msg("unknown event(s) {missing}", missing=missing),
                    )
                ],
            ),
            actor=actor,
            action="sources.case.open",
            object_type=OBJECT_TYPE,
        )
    if len(enterprises) > 1:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("a case is about one enterprise: the events belong to several"),
                errors=[
                    field_error(["body", "exceedance_ids"], msg("events of several enterprises"))
                ],
            ),
            actor=actor,
            action="sources.case.open",
            object_type=OBJECT_TYPE,
        )
    enterprise = session.get(Enterprise, enterprises.pop())
    assert enterprise is not None  # the foreign key holds
    return events, enterprise


def open_case(session: Session, *, actor: Actor | None, data: CaseOpenIn) -> Case:
    """Open a case from open events of one enterprise (they go ``in_case``), involving the
    lead, border and park jurisdictions. The office or who acts for the enterprise's
    jurisdiction."""
    actor = require_actor(actor)
    events, enterprise = _events_or_invalid(session, actor, sorted(set(data.exceedance_ids)))
    if not policy.may_open_case(
        actor,
        jurisdiction_code=enterprise.jurisdiction_code,
        environment_agency=is_environment_agency(session, actor),
    ):
        raise deny(
            session,
            actor,
            action="sources.case.open",
            object_type=OBJECT_TYPE,
            object_id=None,
            jurisdiction_code=enterprise.jurisdiction_code,
            reason=(
                msg(
                    "{role} {username} may not open a case about an enterprise of "
                    "{jurisdiction_code}: the office, its "
                    "administrator and its environment agency's "
                    "stewards may",
                    role=actor.role.value,
                    username=repr(actor.username),
                    jurisdiction_code=enterprise.jurisdiction_code,
                )
            ),
        )
    taken = [e.id for e in events if e.status != ExceedanceStatus.OPEN.value]
    if taken:
        raise audit.audited_refusal(
            session,
            Conflict(
                msg(
                    "exceedance event(s) {taken} are no longer open (in a case or closed)",
                    taken=taken,
                )
            ),
            actor=actor,
            action="sources.case.open",
            object_type=OBJECT_TYPE,
            jurisdiction_code=enterprise.jurisdiction_code,
        )
    lead = province_of(enterprise.jurisdiction_code)
    case = Case(
        title=data.title,
        enterprise_id=enterprise.id,
        lead_jurisdiction_code=lead,
        opened_by=actor.username,
    )
    session.add(case)
    session.flush()
    for e in events:
        e.status = ExceedanceStatus.IN_CASE.value
        e.case_id = case.id
    add_step(
        session,
        case,
        actor=actor,
        action="opened",
        jurisdiction_code=lead,
        text=data.title,
        detail={"exceedance_ids": [e.id for e in events], "enterprise_id": enterprise.id},
    )
    involved = automatic_involvements(session, enterprise)
    for code, reason in sorted(involved.items()):
        _involve(session, case, actor=actor, code=code, reason=reason)
    session.flush()
    notices.case_opened(session, actor=actor, case=case, involved=sorted(involved))
    return case


def _involve(session: Session, case: Case, *, actor: Actor, code: str, reason: str) -> None:
    """Involve a jurisdiction; one other than the enterprise's own gets the catalog grant of
    the enterprise's monitoring data (``monitoring_grants``), named in the step."""
    grant_id = None
    if code != case.lead_jurisdiction_code:
        enterprise = session.get(Enterprise, case.enterprise_id)
        assert enterprise is not None  # the foreign key holds
        grant_id = grant_to_neighbour(
            session, actor=actor, case=case, enterprise=enterprise, province=code
        )
    session.add(
        CaseJurisdiction(case_id=case.id, jurisdiction_code=code, reason=reason, grant_id=grant_id)
    )
    add_step(
        session,
        case,
        actor=actor,
        action="involved",
        jurisdiction_code=code,
        detail={"reason": reason, "grant_id": grant_id},
    )


def involve(
    session: Session, *, actor: Actor | None, case_id: int, data: InvolveIn
) -> CaseJurisdiction:
    """The office involves another of the three jurisdictions (``added``)."""
    actor, case, involved = visible_case(
        session, actor=actor, case_id=case_id, action="sources.case.involve"
    )
    if not actor.is_office_admin:
        raise refuse(
            session,
            actor,
            case,
            "sources.case.involve",
            msg("only the coordination office adds a jurisdiction to a case"),
        )
    ensure_open(session, actor, case, "sources.case.involve")
    province = province_of(data.jurisdiction_code)
    provinces = {p.code for p in regions.provinces(session)}
    if data.jurisdiction_code != province or province not in provinces:
        raise refuse_as(
            session,
            actor,
            case,
            "sources.case.involve",
            InvalidInput(
                msg(
                    "{jurisdiction_code} is not one of the three jurisdictions",
                    jurisdiction_code=repr(data.jurisdiction_code),
                ),
                errors=[field_error(["body", "jurisdiction_code"], msg("not a province code"))],
            ),
        )
    if province in {i.jurisdiction_code for i in involved}:
        raise refuse_as(
            session,
            actor,
            case,
            "sources.case.involve",
            Conflict(
                msg(
                    "{province} is already involved in case {case_id}",
                    province=province,
                    case_id=case.id,
                )
            ),
        )
    _involve(session, case, actor=actor, code=province, reason="added")
    session.flush()
    return next(i for i in involvements(session, case.id) if i.jurisdiction_code == province)
