"""Credit data in the data catalog: four datasets per provincial market-regulation agency.

- ``CREDIT-<province>-LICENCES``, ``-PENALTIES``, ``-RED-LIST``, ``-BLACK-LIST``: the records of
  that kind whose source agency is in the province and which the public sees today (published,
  inside their publicity period).
- Field-level sharing classes: the fields Credit China publishes are unconditional; the
  legal representative's name and the facts are conditional (another jurisdiction's agency
  reads them with a grant); the identity document type and number of a natural person are
  personal data and not shared.

The rows are served from the credit tables through a record source
(``register_record_source("CREDIT-", ...)``, registered when this module is imported: the
domain's ``jobs_handlers`` imports it in every process), so the catalog decides who reads
which field and audits cross-jurisdiction reads like for every other dataset.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DatasetIn, FieldIn
from jingjinji.credit.models import CreditRecord, CreditSubject, RecordStatus
from jingjinji.credit.service import records, subjects
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import check_limit, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor
from jingjinji.timezone import china_today

PREFIX = "CREDIT-"
PROVINCES: dict[str, tuple[str, str]] = {
    "110000": ("北京市", "Beijing"),
    "120000": ("天津市", "Tianjin"),
    "130000": ("河北省", "Hebei"),
}
#: Dataset kind -> (record kind, zh title, en title).
KINDS: dict[str, tuple[str, str, str]] = {
    "LICENCES": ("licence", "行政许可信息", "administrative licences"),
    "PENALTIES": ("penalty", "行政处罚信息", "administrative penalties"),
    "RED-LIST": ("red_list", "守信激励（红名单）", "red list (joint incentives)"),
    "BLACK-LIST": ("black_list", "严重失信主体名单", "black list (seriously untrustworthy)"),
}
#: (name, type, sharing class, description, description in Chinese)
FIELDS: tuple[tuple[str, str, str, str, str], ...] = (
    ("record_id", "integer", "unconditional", "platform record id", "平台记录编号"),
    (
        "uscc",
        "string",
        "unconditional",
        "Unified Social Credit Code of the subject",
        "主体统一社会信用代码",
    ),
    ("subject_name", "string", "unconditional", "registered name of the subject", "主体登记名称"),
    ("document_number", "string", "unconditional", "decision document number", "决定文书号"),
    ("title", "string", "unconditional", "licence / penalty / list name", "许可、处罚或名单名称"),
    ("category", "string", "unconditional", "licence or penalty category", "许可或处罚类别"),
    ("legal_basis", "string", "unconditional", "legal basis", "法律依据"),
    ("content", "string", "unconditional", "content of the decision", "决定内容"),
    ("fine_10k_cny", "number", "unconditional", "fine, 10k CNY", "罚款金额（万元）"),
    ("licence_number", "string", "unconditional", "licence number", "许可证编号"),
    (
        "measures",
        "string",
        "unconditional",
        "measures of a list entry, ';'-separated",
        "名单所列措施，以“;”分隔",
    ),
    ("decision_date", "date", "unconditional", "decision date", "决定日期"),
    (
        "publicity_end",
        "date",
        "unconditional",
        "first day no longer public",
        "公示期满后不再公示的第一天",
    ),
    ("source_agency", "string", "unconditional", "data source agency", "数据来源单位"),
    (
        "source_agency_uscc",
        "string",
        "unconditional",
        "USCC of the data source agency",
        "数据来源单位的统一社会信用代码",
    ),
    ("facts", "string", "conditional", "facts of the case", "案件事实"),
    (
        "legal_representative",
        "string",
        "conditional",
        "legal representative (name)",
        "法定代表人（姓名）",
    ),
    (
        "id_type",
        "string",
        "not_shared",
        "identity document type of a natural person",
        "自然人身份证件类型",
    ),
    (
        "id_number",
        "string",
        "not_shared",
        "identity document number of a natural person",
        "自然人身份证件号码",
    ),
)
FILTERS = ("uscc", "decision_date")


def dataset_code(province_code: str, kind: str) -> str:
    return catalog.provincial_code(PREFIX, province_code, kind)


def parse_code(code: str) -> tuple[str, str]:
    """``CREDIT-130000-BLACK-LIST`` -> (``130000``, ``black_list``)."""
    province, kind = catalog.split_provincial_code(
        code, prefix=PREFIX, provinces=PROVINCES, kinds=KINDS, what="credit dataset"
    )
    return province, KINDS[kind][0]


def definitions(province_code: str, owner_id: int) -> list[DatasetIn]:
    name_zh, name_en = PROVINCES[province_code]
    out = []
    for kind, (_, title_zh, title_en) in KINDS.items():
        out.append(
            DatasetIn(
                code=dataset_code(province_code, kind),
                title_zh=f"{name_zh}{title_zh}",
                title_en=f"{name_en} {title_en}",
                description_zh="信用记录（公示期内），由信用库直接提供；自然人身份信息不共享。",
                description_en="Credit records in their publicity period, served from the "
                "credit registry; identity data of natural persons is not shared.",
                owner_organisation_id=owner_id,
                domain="credit",
                update_cycle="daily",
                sharing_class="unconditional",
                open_to_public=True,
                fields=[
                    FieldIn.model_validate(
                        {
                            "name": n,
                            "type": t,
                            "description": d,
                            "description_zh": dzh,
                            "sharing_class": c,
                        }
                    )
                    for n, t, c, d, dzh in FIELDS
                ],
            )
        )
    return out


def register_datasets(session: Session, *, actor: Actor | None) -> list[str]:
    """Register (idempotently) the credit datasets of every provincial market regulator."""
    codes: list[str] = []
    for province in PROVINCES:
        org = regions.find_organisation(
            session, jurisdiction_code=province, kind="market_regulation"
        )
        if org is None:
            continue
        for data in definitions(province, org.id):
            catalog.ensure_dataset(session, actor=actor, data=data)
            codes.append(data.code)
    return codes


def _row(record: CreditRecord, subject: CreditSubject, agency: Any) -> dict[str, Any]:
    details = record.details or {}
    return {
        "record_id": record.id,
        "uscc": subject.uscc,
        "subject_name": subject.name,
        "document_number": record.document_number,
        "title": record.title,
        "category": record.category,
        "legal_basis": record.legal_basis,
        "content": record.content,
        "fine_10k_cny": float(record.fine_10k_cny) if record.fine_10k_cny is not None else None,
        "licence_number": record.licence_number,
        "measures": ";".join(record.measures) if record.measures else None,
        "decision_date": record.decision_date.isoformat(),
        "publicity_end": record.publicity_end.isoformat() if record.publicity_end else None,
        "source_agency": agency.name_zh,
        "source_agency_uscc": agency.uscc,
        "facts": record.facts,
        "legal_representative": details.get("legal_representative") or subject.legal_representative,
        "id_type": details.get("id_type"),
        "id_number": details.get("id_number"),
    }


def read_records(
    session: Session,
    *,
    dataset_code: str,
    filters: dict[str, str],
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """The record source of the ``CREDIT-`` datasets (the catalog reduces the fields)."""
    check_limit(limit)
    province, kind = parse_code(dataset_code)
    day = china_today()
    stmt = select(CreditRecord).where(
        CreditRecord.kind == kind,
        CreditRecord.status == RecordStatus.PUBLISHED.value,
        records.visible_clause(None, day),
        records.province_clause(CreditRecord.jurisdiction_code, province),
    )
    if "uscc" in filters:
        subject = subjects.find_subject(session, uscc=filters["uscc"])
        stmt = stmt.where(CreditRecord.subject_id == (subject.id if subject else -1))
    if "decision_date" in filters:
        try:
            day_filter = dt.date.fromisoformat(filters["decision_date"])
        except ValueError as exc:
            raise InvalidInput(
                msg("decision_date must be an ISO date"),
                errors=[field_error(["query", "decision_date"], msg("expected YYYY-MM-DD"))],
            ) from exc
        stmt = stmt.where(CreditRecord.decision_date == day_filter)
    page = paginate(session, stmt, CreditRecord.id, cursor=cursor, limit=limit)
    subject_rows = subjects.subjects_by_id(session, ids={r.subject_id for r in page.items})
    agencies = regions.organisations_by_id(
        session, ids={r.source_organisation_id for r in page.items}
    )
    rows = [
        _row(r, subject_rows[r.subject_id], agencies[r.source_organisation_id]) for r in page.items
    ]
    return rows, page.next_cursor


catalog.register_record_source(PREFIX, read_records)
