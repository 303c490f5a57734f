"""Helpers of the one-stop services tests (C3): records made through the records service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from jingjinji.credit.models import CreditRecord
from jingjinji.credit.schemas.records import RecordIn
from jingjinji.credit.service import records
from jingjinji.security import Actor
from jingjinji.timezone import china_today
from tests.credit.records_support import BJ_CO, HE_CO, TJ_CO

__all__ = ["BJ_CO", "HE_CO", "TJ_CO", "days_ago", "make_record", "today"]


def today() -> dt.date:
    return china_today()


def days_ago(n: int) -> str:
    return (today() - dt.timedelta(days=n)).isoformat()


_counter = iter(range(1, 1_000_000))


def make_record(session: Session, actor: Actor, **overrides: Any) -> CreditRecord:
    """A published record through the records service (committed)."""
    data: dict[str, Any] = {
        "kind": "penalty",
        "uscc": HE_CO,
        "subject_name": "河北测试示例建材有限公司（虚构）",
        "document_number": f"TEST-{next(_counter)}",
        "title": "违反产品质量法",
        "category": "罚款",
        "severity": "ordinary",
        "facts": "生产不合格产品",
        "legal_basis": "《中华人民共和国产品质量法》第四十九条",
        "content": "罚款人民币3万元",
        "fine_10k_cny": "3",
        "decision_date": days_ago(10),
        "publish": True,
    }
    data.update(overrides)
    record = records.create_record(session, actor=actor, data=RecordIn.model_validate(data))
    session.commit()
    return record
