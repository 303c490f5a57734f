"""API of the one-stop services: the joint check, objections, credit repair, commitments,
self-declarations, the measures and the risk-class distribution (mounted by ``credit.router``
under ``/api/v1/credit``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from jingjinji.credit.schemas.services import (
    CheckOut,
    CheckQuery,
    ClassDistributionOut,
    ClassFilter,
    CommitmentFilter,
    CommitmentIn,
    CommitmentOut,
    CommitmentOutcomeIn,
    DeclarationFilter,
    DeclarationIn,
    DeclarationOut,
    DeskFilter,
    MeasureOut,
    ObjectionAnswerIn,
    ObjectionIn,
    ObjectionOut,
    RepairDecisionIn,
    RepairIn,
    RepairOut,
)
from jingjinji.credit.service import (
    checks,
    commitments,
    declarations,
    forms,
    objections,
    repairs,
    scoring,
    subjects,
)
from jingjinji.credit.service import measures as measures_service
from jingjinji.db import DbId
from jingjinji.deps import DbSession, OptionalActor, RequiredActor
from jingjinji.pagination import Page
from jingjinji.refusals import client_address

router = APIRouter()


@router.get("/check", response_model=CheckOut)
def joint_check(
    session: DbSession, actor: OptionalActor, params: Annotated[CheckQuery, Query()]
) -> CheckOut:
    """The joint check before a decision: list status, measures for the purpose, risk class."""
    return checks.joint_check(session, actor=actor, uscc=params.uscc, purpose=params.purpose)


@router.get("/measures", response_model=list[MeasureOut])
def list_measures() -> list[MeasureOut]:
    """The joint measures of the red and black lists and the purposes they apply to."""
    return [
        MeasureOut(
            code=m.code,
            kind=m.kind,
            name_zh=m.name_zh,
            name_en=m.name_en,
            purposes=list(m.purposes),
        )
        for m in measures_service.all_measures()
    ]


@router.get("/classes", response_model=ClassDistributionOut)
def class_distribution(
    session: DbSession, params: Annotated[ClassFilter, Query()]
) -> ClassDistributionOut:
    """Subjects per risk class, of one jurisdiction or the region."""
    counts = scoring.class_distribution(session, jurisdiction=params.jurisdiction)
    return ClassDistributionOut(jurisdiction=params.jurisdiction, counts=counts)


# --- objections ------------------------------------------------------------------------------


@router.post("/objections", response_model=ObjectionOut, status_code=201)
def submit_objection(
    request: Request, session: DbSession, actor: OptionalActor, body: ObjectionIn
) -> ObjectionOut:
    """Object to a record (anyone it names; anonymous allowed; rate-limited)."""
    limiter = forms.form_limiter(request.app.state)
    objection = objections.submit_objection(
        session, actor=actor, data=body, address=client_address(request), limiter=limiter
    )
    return objections.objection_outs(session, actor=actor, objections=[objection])[0]


@router.get("/objections", response_model=Page[ObjectionOut])
def list_objections(
    session: DbSession, actor: RequiredActor, params: Annotated[DeskFilter, Query()]
) -> Page[ObjectionOut]:
    """The objection desk (agencies): ``overdue=true`` lists pending ones past due."""
    page = objections.list_objections(
        session,
        actor=actor,
        status=params.status,
        overdue=params.overdue,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[ObjectionOut](
        items=objections.objection_outs(session, actor=actor, objections=page.items),
        next_cursor=page.next_cursor,
    )


@router.get("/objections/{objection_id}", response_model=ObjectionOut)
def get_objection(session: DbSession, actor: RequiredActor, objection_id: DbId) -> ObjectionOut:
    objection = objections.get_objection(session, actor=actor, objection_id=objection_id)
    return objections.objection_outs(session, actor=actor, objections=[objection])[0]


@router.post("/objections/{objection_id}/answer", response_model=ObjectionOut)
def answer_objection(
    session: DbSession, actor: RequiredActor, objection_id: DbId, body: ObjectionAnswerIn
) -> ObjectionOut:
    """The source agency answers: corrected or upheld."""
    objection = objections.answer_objection(
        session, actor=actor, objection_id=objection_id, data=body
    )
    return objections.objection_outs(session, actor=actor, objections=[objection])[0]


# --- repairs ---------------------------------------------------------------------------------


@router.post("/repairs", response_model=RepairOut, status_code=201)
def apply_for_repair(
    request: Request, session: DbSession, actor: OptionalActor, body: RepairIn
) -> RepairOut:
    """Apply for credit repair (after the record's minimum publicity period)."""
    repair = repairs.apply_for_repair(
        session,
        actor=actor,
        data=body,
        address=client_address(request),
        limiter=forms.form_limiter(request.app.state),
    )
    return repairs.repair_outs(session, actor=actor, repairs=[repair])[0]


@router.get("/repairs", response_model=Page[RepairOut])
def list_repairs(
    session: DbSession, actor: RequiredActor, params: Annotated[DeskFilter, Query()]
) -> Page[RepairOut]:
    """The repair desk (agencies)."""
    page = repairs.list_repairs(
        session, actor=actor, status=params.status, cursor=params.cursor, limit=params.limit
    )
    return Page[RepairOut](
        items=repairs.repair_outs(session, actor=actor, repairs=page.items),
        next_cursor=page.next_cursor,
    )


@router.get("/repairs/{repair_id}", response_model=RepairOut)
def get_repair(session: DbSession, actor: RequiredActor, repair_id: DbId) -> RepairOut:
    repair = repairs.get_repair(session, actor=actor, repair_id=repair_id)
    return repairs.repair_outs(session, actor=actor, repairs=[repair])[0]


@router.post("/repairs/{repair_id}/decision", response_model=RepairOut)
def decide_repair(
    session: DbSession, actor: RequiredActor, repair_id: DbId, body: RepairDecisionIn
) -> RepairOut:
    """The source agency approves (public display ends) or rejects with a note."""
    repair = repairs.decide_repair(session, actor=actor, repair_id=repair_id, data=body)
    return repairs.repair_outs(session, actor=actor, repairs=[repair])[0]


# --- commitments -----------------------------------------------------------------------------


@router.post("/commitments", response_model=CommitmentOut, status_code=201)
def sign_commitment(
    request: Request, session: DbSession, actor: OptionalActor, body: CommitmentIn
) -> CommitmentOut:
    """A subject's representative signs a credit commitment to an agency."""
    commitment = commitments.sign_commitment(
        session,
        actor=actor,
        data=body,
        address=client_address(request),
        limiter=forms.form_limiter(request.app.state),
    )
    return commitments.commitment_outs(session, actor=actor, commitments=[commitment])[0]


@router.get("/commitments", response_model=Page[CommitmentOut])
def list_commitments(
    session: DbSession, actor: OptionalActor, params: Annotated[CommitmentFilter, Query()]
) -> Page[CommitmentOut]:
    """A subject's commitments (``uscc``, anyone), or those made to the actor's agency."""
    subject_id = subjects.get_subject(session, uscc=params.uscc).id if params.uscc else None
    page = commitments.list_commitments(
        session,
        actor=actor,
        subject_id=subject_id,
        status=params.status,
        cursor=params.cursor,
        limit=params.limit,
    )
    return Page[CommitmentOut](
        items=commitments.commitment_outs(session, actor=actor, commitments=page.items),
        next_cursor=page.next_cursor,
    )


@router.post("/commitments/{commitment_id}/outcome", response_model=CommitmentOut)
def decide_commitment(
    session: DbSession, actor: RequiredActor, commitment_id: DbId, body: CommitmentOutcomeIn
) -> CommitmentOut:
    """The agency marks a commitment kept or broken (broken: a record)."""
    commitment = commitments.decide_commitment(
        session, actor=actor, commitment_id=commitment_id, data=body
    )
    return commitments.commitment_outs(session, actor=actor, commitments=[commitment])[0]


# --- self-declarations -----------------------------------------------------------------------


@router.post("/declarations", response_model=DeclarationOut, status_code=201)
def declare(
    request: Request, session: DbSession, actor: OptionalActor, body: DeclarationIn
) -> DeclarationOut:
    """A subject publishes a fact about itself (marked self-declared)."""
    declaration = declarations.declare(
        session,
        actor=actor,
        data=body,
        address=client_address(request),
        limiter=forms.form_limiter(request.app.state),
    )
    return declarations.declaration_outs(session, declarations=[declaration])[0]


@router.get("/declarations", response_model=list[DeclarationOut])
def list_declarations(
    session: DbSession, params: Annotated[DeclarationFilter, Query()]
) -> list[DeclarationOut]:
    """A subject's self-declarations in force."""
    subject = subjects.get_subject(session, uscc=params.uscc)
    rows = declarations.declarations_of(session, subject_id=subject.id)
    return declarations.declaration_outs(session, declarations=rows)


@router.post("/declarations/{declaration_id}/withdraw", response_model=DeclarationOut)
def withdraw_declaration(
    session: DbSession, actor: RequiredActor, declaration_id: DbId
) -> DeclarationOut:
    declaration = declarations.withdraw_declaration(
        session, actor=actor, declaration_id=declaration_id
    )
    return declarations.declaration_outs(session, declarations=[declaration])[0]
