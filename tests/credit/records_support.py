"""Helpers of the credit registry and record tests (C2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.audit.models import AuditEntry
from jingjinji.credit.kernels.uscc import synthetic_uscc
from jingjinji.credit.schemas.records import RecordIn

BJ_CO = synthetic_uscc("91", "110105", 101)  # a Beijing enterprise
TJ_CO = synthetic_uscc("91", "120116", 202)  # Tianjin (Binhai)
HE_CO = synthetic_uscc("91", "130100", 303)  # Hebei (Shijiazhuang)
HE_SHOP = synthetic_uscc("92", "130600", 404)  # a Hebei individual business


def id_card_number(first17: str) -> str:
    """``first17`` and the check character of a resident identity card number, computed here
    from ISO 7064 MOD 11-2 (not with the code under test): the c in 0..10 (X for 10) for which
    the sum of the digits weighted 2^(18 - i) mod 11 plus c is 1 mod 11."""
    weighted = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    c = next(c for c in range(11) if (weighted + c) % 11 == 1)
    return first17 + ("X" if c == 10 else str(c))


# Synthetic identity card numbers: address code 99 is no province's, so nobody's number.
ID_NUMBER = id_card_number("99000019900101123")
OTHER_ID_NUMBER = id_card_number("99000019800101111")


def record_in(**overrides: Any) -> RecordIn:
    data: dict[str, Any] = {
        "kind": "penalty",
        "uscc": BJ_CO,
        "subject_name": "测试示例科技有限公司（虚构）",
        "document_number": "京市监罚〔2026〕1号",
        "title": "违反广告法",
        "category": "罚款",
        "severity": "ordinary",
        "facts": "虚假宣传",
        "legal_basis": "《中华人民共和国广告法》第五十五条",
        "content": "罚款人民币2万元",
        "fine_10k_cny": "2",
        "decision_date": "2026-11-02",
        "details": {
            "legal_representative": "张三",
            "id_type": "resident_id_card",
            "id_number": ID_NUMBER,
        },
    }
    data.update(overrides)
    return RecordIn.model_validate(data)


def audit_count(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).where(AuditEntry.action == action)) or 0


def china_noon(day: str) -> dt.datetime:
    """Noon in Beijing of an ISO day, as an aware UTC moment."""
    return dt.datetime.fromisoformat(f"{day}T04:00:00+00:00")
