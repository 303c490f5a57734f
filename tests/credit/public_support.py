"""Data and keys for the public window and credit report tests (C4), built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import checkpoints
from jingjinji.audit import keys as audit_keys
from jingjinji.credit.schemas.services import DeclarationIn, ObjectionIn
from jingjinji.credit.schemas.subjects import SubjectIn
from jingjinji.credit.service import declarations, objections, records, subjects
from tests.conftest import People
from tests.credit.records_support import BJ_CO, record_in
from tests.credit.records_support import ID_NUMBER as ID_NUMBER  # the tests read it here

FORMER_NAME = "旧名称示例贸易有限公司（虚构）"
CURRENT_NAME = "测试示例科技有限公司（虚构）"
REPRESENTATIVE = "张三"
DECLARANT = "李四"
OBJECTOR_CONTACT = "objector@example.invalid"


@dataclass
class PublicData:
    uscc: str
    current_penalty: int
    old_penalty: int
    black_entry: int


def build_public_data(session_factory: sessionmaker[Session], people: People) -> PublicData:
    """A Beijing enterprise renamed once, with a penalty in its publicity period (under
    objection), one whose period ended long ago (published late, today) and a black-list entry,
    all by Beijing's market regulator, and a self-declared honour; the records, the objection and
    the declaration carry personal data the public must never see."""
    steward = people["bj-samr"]
    with session_factory() as session:
        subjects.register_subject(
            session,
            actor=steward,
            data=SubjectIn(
                uscc=BJ_CO,
                name=FORMER_NAME,
                legal_representative=REPRESENTATIVE,
                address="北京市朝阳区示例路1号",
            ),
        )
        subjects.register_subject(
            session,
            actor=steward,
            data=SubjectIn(uscc=BJ_CO, name=CURRENT_NAME, renamed_on="2025-01-02"),
        )
        current = records.create_record(
            session,
            actor=steward,
            data=record_in(
                publish=True,
                details={
                    "legal_representative": REPRESENTATIVE,
                    "id_type": "resident_id_card",
                    "id_number": ID_NUMBER,
                },
            ),
        )
        old = records.create_record(
            session,
            actor=steward,
            data=record_in(
                publish=True,
                document_number="京市监罚〔2022〕7号",
                title="未按规定公示年度报告",
                decision_date="2022-06-01",
            ),
        )
        black = records.create_record(
            session,
            actor=steward,
            data=record_in(
                kind="black_list",
                document_number="京市监列〔2026〕3号",
                title="严重违法失信名单",
                severity=None,
                fine_10k_cny=None,
                category=None,
                content=None,
                decision_date="2026-11-10",
                details={},
            ),
        )
        declarations.declare(
            session,
            actor=None,
            data=DeclarationIn(
                uscc=BJ_CO, kind="honour", title="守合同重信用企业", declared_by_name=DECLARANT
            ),
        )
        objections.submit_objection(
            session,
            actor=None,
            data=ObjectionIn(
                record_id=current.id,
                objector_name=DECLARANT,
                objector_contact=OBJECTOR_CONTACT,
                reason="罚款金额有误",
            ),
        )
        session.commit()
        return PublicData(
            uscc=BJ_CO, current_penalty=current.id, old_penalty=old.id, black_entry=black.id
        )


def configure_key(key_dir: Path) -> str:
    """Sign with a fresh key in ``key_dir`` (this process); returns its id."""
    key_id = audit_keys.generate(key_dir)
    checkpoints.configure(checkpoints.CheckpointConfig(key_dir=key_dir))
    return key_id
