"""Credit demo: the one-stop services on the registry's demo records (``demo/registry.py``
loads those first). Everything goes through the services, as a user would:

- a pending objection by a Hebei subject to a Tianjin agency's penalty, and an answered one;
- a pending and an approved credit repair (penalties past their minimum publicity period);
- three commitments: one active, one kept, one broken (which becomes a record);
- two self-declarations;
- the risk class of every subject recomputed.

Parts whose records the registry's demo does not provide are left out (and said so).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from jingjinji.accounts import service as accounts
from jingjinji.credit.models import CreditRecord, CreditSubject, RecordKind, RecordStatus
from jingjinji.credit.schemas.services import (
    CommitmentIn,
    CommitmentOutcomeIn,
    DeclarationIn,
    ObjectionAnswerIn,
    ObjectionIn,
    RepairDecisionIn,
    RepairIn,
)
from jingjinji.credit.service import commitments, declarations, objections, repairs, scoring
from jingjinji.security import Actor
from jingjinji.timezone import china_today

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.demo import DemoContext


def _actor(session: Session, username: str) -> Actor:
    return accounts.actor_of(accounts.get_user(session, username=username), channel="web")


def _say(ctx: DemoContext, text: str) -> None:
    if ctx.console is not None:
        ctx.console.print(text)


def _penalties(session: Session) -> list[tuple[CreditRecord, CreditSubject]]:
    rows = session.execute(
        select(CreditRecord, CreditSubject)
        .join(CreditSubject, CreditSubject.id == CreditRecord.subject_id)
        .where(
            CreditRecord.kind == RecordKind.PENALTY,
            CreditRecord.status == RecordStatus.PUBLISHED,
        )
        .order_by(CreditRecord.id)
    ).all()
    return [(r, s) for r, s in rows]


def load(session: Session, ctx: DemoContext) -> None:
    organisations: dict[str, int] = ctx.values.get("organisations", {})
    if "tj_samr" not in organisations:
        _say(ctx, "credit services demo: no market-regulation agencies, skipped")
        return
    _objections(session, ctx)
    _repairs(session, ctx)
    _commitments(session, ctx, organisations)
    _declarations(session, ctx)
    for subject_id in session.scalars(select(CreditSubject.id).order_by(CreditSubject.id)):
        scoring.recompute_subject(session, subject_id=subject_id)
    session.commit()
    counts = scoring.class_distribution(session, jurisdiction=None)
    _say(ctx, f"credit services demo: risk classes {counts}")


def _objections(session: Session, ctx: DemoContext) -> None:
    tianjin_on_hebei = [
        r
        for r, s in _penalties(session)
        if r.jurisdiction_code.startswith("12") and s.jurisdiction_code.startswith("13")
    ]
    if not tianjin_on_hebei:
        _say(ctx, "credit services demo: no Tianjin penalty of a Hebei subject, no objections")
        return
    pending = tianjin_on_hebei[0]
    objections.submit_objection(
        session,
        actor=None,
        data=ObjectionIn(
            record_id=pending.id,
            objector_name="王五（示例企业联系人）",
            objector_contact="0311-00000000",
            reason="处罚决定书载明的违法事实与我公司无关，系同名企业（示例）。",
        ),
    )
    session.commit()
    others = [r for r, _s in _penalties(session) if r.id != pending.id and not r.under_objection]
    if others:
        decided = others[-1]
        source = decided.source_organisation_id
        objection = objections.submit_objection(
            session,
            actor=None,
            data=ObjectionIn(
                record_id=decided.id,
                objector_name="赵六（示例企业联系人）",
                objector_contact="022-00000000",
                reason="罚款金额有误（示例）。",
            ),
        )
        steward = _steward_of(session, source)
        if steward is not None:
            objections.answer_objection(
                session,
                actor=steward,
                objection_id=objection.id,
                data=ObjectionAnswerIn(
                    outcome="upheld", answer="经复核，处罚事实清楚，维持（示例）。"
                ),
            )
        session.commit()


def _steward_of(session: Session, organisation_id: int) -> Actor | None:
    for username in ("bj-samr", "tj-samr", "he-samr"):
        actor = _actor(session, username)
        if actor.organisation_id == organisation_id:
            return actor
    return _actor(session, "office")


def _repairs(session: Session, ctx: DemoContext) -> None:
    on = china_today()
    ready = [
        r
        for r, _s in _penalties(session)
        if r.publicity_min_end is not None and r.publicity_min_end <= on and not r.under_objection
    ]
    if len(ready) < 2:
        _say(ctx, "credit services demo: fewer than two penalties past their minimum period")
    for index, record in enumerate(ready[:2]):
        repair = repairs.apply_for_repair(
            session,
            actor=None,
            data=RepairIn(
                record_id=record.id,
                applicant_name="示例企业",
                evidence="罚款已全额缴纳，整改报告经现场复查合格（示例）。",
            ),
        )
        if index == 1:
            steward = _steward_of(session, record.source_organisation_id)
            repairs.decide_repair(
                session,
                actor=steward,
                repair_id=repair.id,
                data=RepairDecisionIn(
                    outcome="approved", note="整改到位，同意提前停止公示（示例）。"
                ),
            )
        session.commit()


def _commitments(session: Session, ctx: DemoContext, organisations: dict[str, int]) -> None:
    subjects = list(session.scalars(select(CreditSubject).order_by(CreditSubject.id).limit(3)))
    if not subjects:
        _say(ctx, "credit services demo: no subjects, no commitments")
        return
    due = china_today() + dt.timedelta(days=90)
    made = []
    for subject, agency in zip(subjects, ("bj_samr", "tj_samr", "he_samr"), strict=False):
        made.append(
            commitments.sign_commitment(
                session,
                actor=None,
                data=CommitmentIn(
                    uscc=subject.uscc,
                    representative_name="李四（示例）",
                    purpose="食品经营许可告知承诺（示例）",
                    content="承诺九十日内补齐冷链设施并接受现场核查。",
                    organisation_id=organisations[agency],
                    due_date=due,
                ),
            )
        )
    session.commit()
    outcomes = [("broken", "bj-samr"), ("kept", "tj-samr")]
    for commitment, (outcome, username) in zip(made, outcomes, strict=False):
        commitments.decide_commitment(
            session,
            actor=_actor(session, username),
            commitment_id=commitment.id,
            data=CommitmentOutcomeIn(outcome=outcome, note="到期现场核查（示例）"),
        )
        session.commit()


def _declarations(session: Session, ctx: DemoContext) -> None:
    subjects = list(session.scalars(select(CreditSubject).order_by(CreditSubject.id).limit(2)))
    items = [
        ("honour", "守合同重信用企业（示例）", "市场监管部门公示名单（示例）"),
        ("qualification", "ISO 9001 质量管理体系认证（示例）", "证书编号 DEMO-0001"),
    ]
    for subject, (kind, title, content) in zip(subjects, items, strict=False):
        declarations.declare(
            session,
            actor=None,
            data=DeclarationIn(
                uscc=subject.uscc,
                kind=kind,
                title=title,
                content=content,
                declared_by_name="示例企业",
            ),
        )
    session.commit()
