"""Commitments of the agreements: creation, reading, filtering and paging.

Created by office administrators or the administrator of the lead jurisdiction's province;
status changes and evidence (``commitment_updates``) also by a responsible agency's steward."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from jingjinji.audit import service as audit
from jingjinji.db import is_db_id
from jingjinji.errors import Conflict, NotFound
from jingjinji.i18n import msg
from jingjinji.labels import N_
from jingjinji.pagination import Paged, paginate
from jingjinji.progress import policy
from jingjinji.progress.models import (
    Agreement,
    Commitment,
    CommitmentAgency,
    CommitmentIndicator,
    CommitmentJurisdiction,
    Evidence,
    StatusChange,
)
from jingjinji.progress.schemas import (
    CommitmentDetail,
    CommitmentIn,
    CommitmentOut,
    CommitmentQuery,
    EvidenceOut,
    StatusChangeOut,
)
from jingjinji.progress.service.indicators import indicator_or_invalid
from jingjinji.progress.service.inputs import check_area, check_commitment_status, invalid
from jingjinji.regions import service as regions
from jingjinji.security import Actor, ensure_can_write
from jingjinji.timezone import china_today


def _agency_ids(session: Session, data: CommitmentIn) -> list[int]:
    """The responsible agencies, each an organisation that exists (else a 422 at its index)."""
    for i, org_id in enumerate(data.agency_ids):
        try:
            if not is_db_id(org_id):
                raise NotFound(msg("no organisation {org_id}", org_id=org_id))
            regions.get_organisation(session, organisation_id=org_id)
        except NotFound:
            raise invalid(["body", "agency_ids", i], f"unknown organisation {org_id}") from None
    return list(dict.fromkeys(data.agency_ids))


def create_commitment(session: Session, *, actor: Actor | None, data: CommitmentIn) -> Commitment:
    agreement = session.scalar(select(Agreement).where(Agreement.code == data.agreement_code))
    if agreement is None:
        raise invalid(["body", "agreement_code"], f"unknown agreement {data.agreement_code!r}")
    check_area(data.area, ["body", "area"])
    lead = regions.jurisdiction_or_invalid(
        session, code=data.lead_jurisdiction_code, loc=["body", "lead_jurisdiction_code"]
    )
    checked = ensure_can_write(
        session,
        actor,
        action="progress.commitment.create",
        object_type="commitment",
        object_id=data.code,
        jurisdiction_code=lead.code,
        organisation_id=None,
    )
    supporting = [
        regions.jurisdiction_or_invalid(
            session, code=code, loc=["body", "supporting_jurisdiction_codes", i]
        ).code
        for i, code in enumerate(data.supporting_jurisdiction_codes)
    ]
    agency_ids = _agency_ids(session, data)
    indicators = [
        indicator_or_invalid(session, code, ["body", "indicator_codes", i])
        for i, code in enumerate(data.indicator_codes)
    ]
    if session.scalar(select(Commitment.id).where(Commitment.code == data.code)):
        raise Conflict(msg("a commitment with code {code} exists already", code=repr(data.code)))
    row = Commitment(
        agreement_id=agreement.id,
        code=data.code,
        text_zh=data.text_zh,
        text_en=data.text_en,
        area=data.area,
        lead_jurisdiction_code=lead.code,
        deadline=data.deadline,
        status=data.status,
        source_locator=data.source_locator,
    )
    row.supporting = [
        CommitmentJurisdiction(jurisdiction_code=c)
        for c in dict.fromkeys(supporting)
        if c != lead.code
    ]
    row.agencies = [CommitmentAgency(organisation_id=o) for o in agency_ids]
    row.indicator_links = [
        CommitmentIndicator(indicator_id=i.id) for i in {i.id: i for i in indicators}.values()
    ]
    session.add(row)
    session.flush()
    session.add(
        StatusChange(
            commitment_id=row.id,
            status=row.status,
            changed_on=data.status_since or china_today(),
            note=N_("initial status"),  # translated where shown
            recorded_by=checked.username,
        )
    )
    audit.record(
        session,
        actor=checked,
        action="progress.commitment.create",
        object_type="commitment",
        object_id=row.code,
        jurisdiction_code=lead.code,
        detail={"area": row.area, "status": row.status, "agreement": agreement.code},
    )
    session.flush()
    return row


def _commitment_query() -> Select[Commitment]:
    return select(Commitment).options(
        selectinload(Commitment.supporting),
        selectinload(Commitment.agencies),
        selectinload(Commitment.indicator_links).selectinload(CommitmentIndicator.indicator),
        selectinload(Commitment.agreement),
    )


def get_commitment(session: Session, *, code: str) -> Commitment:
    row = session.scalar(_commitment_query().where(Commitment.code == code))
    if row is None:
        raise NotFound(msg("no commitment {code}", code=repr(code)))
    return row


def _filtered(
    session: Session,
    *,
    area: str | None,
    jurisdiction: str | None,
    status: str | None,
    agency: int | None,
    agreement: str | None,
) -> Select[Commitment]:
    if area is not None:
        check_area(area, ["query", "area"])
    if status is not None:
        check_commitment_status(status, ["query", "status"])
    stmt = _commitment_query()
    if area:
        stmt = stmt.where(Commitment.area == area)
    if status:
        stmt = stmt.where(Commitment.status == status)
    if agreement:
        stmt = stmt.join(Agreement, Agreement.id == Commitment.agreement_id).where(
            Agreement.code == agreement
        )
    if agency is not None:
        if not is_db_id(agency):
            raise invalid(["query", "agency"], f"unknown organisation {agency}")
        stmt = stmt.where(
            Commitment.id.in_(
                select(CommitmentAgency.commitment_id).where(
                    CommitmentAgency.organisation_id == agency
                )
            )
        )
    if jurisdiction:
        regions.jurisdiction_or_invalid(session, code=jurisdiction, loc=["query", "jurisdiction"])
        codes = regions.descendants(session, code=jurisdiction)
        stmt = stmt.where(
            Commitment.lead_jurisdiction_code.in_(codes)
            | Commitment.id.in_(
                select(CommitmentJurisdiction.commitment_id).where(
                    CommitmentJurisdiction.jurisdiction_code.in_(codes)
                )
            )
        )
    return stmt


def list_commitments(
    session: Session,
    *,
    area: str | None = None,
    jurisdiction: str | None = None,
    status: str | None = None,
    agency: int | None = None,
    agreement: str | None = None,
) -> list[Commitment]:
    """Commitments matching every given filter. ``jurisdiction`` matches the lead or a supporting
    jurisdiction, or one below them (120000 also finds commitments led by 120116)."""
    stmt = _filtered(
        session,
        area=area,
        jurisdiction=jurisdiction,
        status=status,
        agency=agency,
        agreement=agreement,
    )
    return list(session.scalars(stmt.order_by(Commitment.id)))


def page_commitments(session: Session, query: CommitmentQuery) -> Paged[CommitmentOut]:
    """One page of the commitments matching the query's filters (as :func:`list_commitments`),
    by id."""
    stmt = _filtered(
        session,
        area=query.area,
        jurisdiction=query.jurisdiction,
        status=query.status,
        agency=query.agency,
        agreement=query.agreement,
    )
    page = paginate(session, stmt, Commitment.id, cursor=query.cursor, limit=query.limit)
    return Paged([commitment_out(session, c) for c in page.items], page.next_cursor)


def commitment_out(session: Session, row: Commitment) -> CommitmentOut:
    """The API shape of a commitment. Loaded by this module's queries, it needs no statement:
    its agreement, jurisdictions, agencies and indicators come with it."""
    return CommitmentOut(
        id=row.id,
        code=row.code,
        agreement_code=row.agreement.code,
        text_zh=row.text_zh,
        text_en=row.text_en,
        area=row.area,
        lead_jurisdiction_code=row.lead_jurisdiction_code,
        supporting_jurisdiction_codes=[s.jurisdiction_code for s in row.supporting],
        agency_ids=[a.organisation_id for a in row.agencies],
        deadline=row.deadline,
        status=row.status,
        indicator_codes=sorted(link.indicator.code for link in row.indicator_links),
        source_locator=row.source_locator,
        updated_at=row.updated_at,
    )


def commitment_history(session: Session, *, commitment: Commitment) -> list[StatusChange]:
    return list(
        session.scalars(
            select(StatusChange)
            .where(StatusChange.commitment_id == commitment.id)
            .order_by(StatusChange.changed_on, StatusChange.id)
        )
    )


def commitment_evidence(session: Session, *, commitment: Commitment) -> list[Evidence]:
    return list(
        session.scalars(
            select(Evidence).where(Evidence.commitment_id == commitment.id).order_by(Evidence.id)
        )
    )


def _names_people(actor: Actor | None, base: CommitmentOut) -> bool:
    return policy.sees_usernames(
        actor, organisation_ids=base.agency_ids, jurisdiction_code=base.lead_jurisdiction_code
    )


def history_out(
    session: Session, *, actor: Actor | None, commitment: Commitment
) -> list[StatusChangeOut]:
    """The status changes as ``actor`` reads them: who recorded each one only for those who
    administer the commitment's agencies or lead jurisdiction (``policy.sees_usernames``)."""
    named = _names_people(actor, commitment_out(session, commitment))
    return [
        _recorded(StatusChangeOut.model_validate(h), named=named)
        for h in commitment_history(session, commitment=commitment)
    ]


def _recorded(change: StatusChangeOut, *, named: bool) -> StatusChangeOut:
    return change if named else change.model_copy(update={"recorded_by": None})


def _added(evidence: EvidenceOut, *, named: bool) -> EvidenceOut:
    return evidence if named else evidence.model_copy(update={"added_by": None})


def commitment_detail(
    session: Session, row: Commitment, *, actor: Actor | None
) -> CommitmentDetail:
    """A commitment with its history and evidence as ``actor`` reads them (usernames only for
    those who administer it, see :func:`history_out`)."""
    base = commitment_out(session, row)
    named = _names_people(actor, base)
    return CommitmentDetail(
        **base.model_dump(),
        history=[
            _recorded(StatusChangeOut.model_validate(h), named=named)
            for h in commitment_history(session, commitment=row)
        ],
        evidence=[
            _added(EvidenceOut.model_validate(e), named=named)
            for e in commitment_evidence(session, commitment=row)
        ],
    )
