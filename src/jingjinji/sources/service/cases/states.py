"""A closed case takes no more steps: every write on one is an audited 409."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji.errors import Conflict
from jingjinji.i18n import msg
from jingjinji.security import Actor
from jingjinji.sources.models import Case, CaseStatus
from jingjinji.sources.service.cases.access import refuse_as


def is_open(case: Case) -> bool:
    return case.status == CaseStatus.OPEN.value


def ensure_open(session: Session, actor: Actor, case: Case, action: str) -> None:
    if not is_open(case):
        raise refuse_as(
            session,
            actor,
            case,
            action,
            Conflict(msg("case {case_id} is closed; it takes no steps", case_id=case.id)),
        )
