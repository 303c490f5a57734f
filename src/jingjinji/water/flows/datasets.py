"""Water quality in the data catalog: three datasets per provincial environment agency (the
agency monitoring the province's sections), open to the public, served from the water tables
through a record source (``register_record_source("WATER-", ...)``, registered when this module
is imported: the domain's ``jobs_handlers`` imports it in every process):

- ``WATER-<province>-SECTION-MONTHLY``: each section monitored in the province, each month with
  samples: class, grade, target, whether it met the target, main pollutants, sample origins;
- ``WATER-<province>-COMPLIANCE``: each year with samples: sections assessed, meeting their
  target, inferior V; all sections and the cross-border ones;
- ``WATER-<province>-INCIDENTS``: each month with incidents at the province's sections: how
  many, how serious, and the median hours from opening to the last neighbour's acknowledgement.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DatasetIn, FieldIn
from jingjinji.pagination import check_limit, decode_key, encode_key
from jingjinji.security import Actor, province_of
from jingjinji.timezone import CHINA_TZ
from jingjinji.water.models import Incident, IncidentNotice, IncidentSeverity, Sample
from jingjinji.water.schemas.assessment import SectionAssessment
from jingjinji.water.service import assessment, sections

PREFIX = "WATER-"
PROVINCES: dict[str, tuple[str, str]] = {
    "110000": ("北京市", "Beijing"),
    "120000": ("天津市", "Tianjin"),
    "130000": ("河北省", "Hebei"),
}
#: Dataset kind -> (zh title, en title, update cycle, fields: (name, type, description,
#: description in Chinese)).
KINDS: dict[str, tuple[str, str, str, tuple[tuple[str, str, str, str], ...]]] = {
    "SECTION-MONTHLY": (
        "地表水断面月度水质类别",
        "surface-water sections, monthly class",
        "monthly",
        (
            ("month", "string", "month, YYYY-MM (China time)", "月份，YYYY-MM（北京时间）"),
            ("section_code", "string", "monitoring section code", "监测断面编码"),
            ("section_name_zh", "string", "section name (Chinese)", "断面名称（中文）"),
            ("section_name_en", "string", "section name (English)", "断面名称（英文）"),
            ("river_en", "string", "river", "所在河流（英文名称）"),
            (
                "kind",
                "string",
                "national, provincial, cross_border, into_sea",
                "断面类型：`national`（国控）、`provincial`（省控）、`cross_border`（跨界）、`into_sea`（入海）",
            ),
            (
                "section_class",
                "integer",
                "GB 3838 class 1-5, 6 = inferior V",
                "GB 3838 水质类别 1-5，6 表示劣V类",
            ),
            (
                "grade",
                "string",
                "excellent ... heavily_polluted",
                "水质状况：`excellent`（优）至 `heavily_polluted`（重度污染）",
            ),
            ("target_class", "integer", "target class of the year", "当年水质目标类别"),
            ("meets_target", "boolean", "class no worse than the target", "水质类别不劣于目标类别"),
            (
                "main_pollutants",
                "string",
                "items above class III, ';'-separated",
                "超过III类标准的项目，以“;”分隔",
            ),
            (
                "origins",
                "string",
                "measured / published / synthetic, ';'-separated",
                "数据来源：`measured`（实测）、`published`（公布）、`synthetic`（合成），以“;”分隔",
            ),
        ),
    ),
    "COMPLIANCE": (
        "地表水断面水质目标达标情况",
        "surface-water sections meeting their targets",
        "yearly",
        (
            ("year", "integer", "calendar year", "年份"),
            (
                "scope",
                "string",
                "all, or cross_border sections only",
                "范围：`all`（全部断面）或 `cross_border`（仅跨界断面）",
            ),
            (
                "sections_assessed",
                "integer",
                "sections with a class and a target",
                "有水质类别和目标的断面数",
            ),
            (
                "sections_meeting",
                "integer",
                "sections meeting their target",
                "达到水质目标的断面数",
            ),
            (
                "share_meeting",
                "number",
                "share meeting their target, 0-1",
                "达到水质目标的断面比例，0-1",
            ),
            ("inferior_v", "integer", "sections worse than class V", "劣V类断面数"),
        ),
    ),
    "INCIDENTS": (
        "跨界水污染事件及响应时间",
        "cross-border water-pollution incidents and response times",
        "monthly",
        (
            (
                "month",
                "string",
                "month the incidents were opened, YYYY-MM (China time)",
                "事件登记月份，YYYY-MM（北京时间）",
            ),
            ("incidents", "integer", "incidents opened", "登记的事件数"),
            ("serious", "integer", "of which serious", "其中重大事件数"),
            ("closed", "integer", "of which closed", "其中已关闭事件数"),
            (
                "acknowledged",
                "integer",
                "incidents every notified jurisdiction acknowledged",
                "所有被通报辖区均已确认的事件数",
            ),
            (
                "median_hours_to_acknowledge",
                "number",
                "median hours, opening to last ack",
                "从登记到最后一个辖区确认的小时数中位数",
            ),
            (
                "late_notices",
                "integer",
                "notices acknowledged after their deadline",
                "超过期限才确认的通报数",
            ),
        ),
    ),
}


def dataset_code(province_code: str, kind: str) -> str:
    return catalog.provincial_code(PREFIX, province_code, kind)


def parse_code(code: str) -> tuple[str, str]:
    """``WATER-130000-SECTION-MONTHLY`` -> (``130000``, ``SECTION-MONTHLY``)."""
    province, kind = catalog.split_provincial_code(
        code, prefix=PREFIX, provinces=PROVINCES, kinds=KINDS, what="water dataset"
    )
    return province, kind


def definitions(province_code: str, owner_id: int) -> list[DatasetIn]:
    name_zh, name_en = PROVINCES[province_code]
    return [
        DatasetIn(
            code=dataset_code(province_code, kind),
            title_zh=f"{name_zh}{title_zh}",
            title_en=f"{name_en} {title_en}",
            description_zh="由水质断面监测数据按GB 3838-2002和2011年评价办法计算。",
            description_en="Computed from the sections' samples by GB 3838-2002 and the 2011 "
            "assessment method; synthetic (demo) values are labelled in 'origins'.",
            owner_organisation_id=owner_id,
            domain="environment",
            update_cycle=cycle,
            sharing_class="unconditional",
            open_to_public=True,
            fields=[
                FieldIn(
                    name=n,
                    type=t,
                    description=d,
                    description_zh=dzh,
                    sharing_class="unconditional",
                )
                for n, t, d, dzh in fields
            ],
        )
        for kind, (title_zh, title_en, cycle, fields) in KINDS.items()
    ]


def register_datasets(session: Session, *, actor: Actor | None) -> list[str]:
    """Register (idempotently) the water datasets of every provincial environment agency."""
    return catalog.register_provincial_datasets(
        session, actor=actor, provinces=PROVINCES, definitions=definitions
    )


# --------------------------------------------------------------------------- record source

Rows = tuple[list[dict[str, Any]], str | None]


def _province_codes(session: Session, province: str) -> list[str]:
    return [
        s.code
        for s in sections.all_sections(session)
        if province_of(s.jurisdiction_code) == province
    ]


def _sample_years(session: Session, codes: list[str]) -> range:
    first, last = session.execute(
        select(func.min(Sample.sampled_at), func.max(Sample.sampled_at)).where(
            Sample.section_code.in_(codes)
        )
    ).one()
    if first is None or last is None:
        return range(0)
    return range(first.astimezone(CHINA_TZ).year, last.astimezone(CHINA_TZ).year + 1)


def _monthly_row(a: SectionAssessment) -> dict[str, Any]:
    return {
        "month": a.start.strftime("%Y-%m"),
        "section_code": a.section_code,
        "section_name_zh": a.name_zh,
        "section_name_en": a.name_en,
        "river_en": a.river_en,
        "kind": a.kind,
        "section_class": a.section_class,
        "grade": a.grade,
        "target_class": a.target_class,
        "meets_target": a.meets_target,
        "main_pollutants": ";".join(a.main_pollutants),
        "origins": ";".join(a.samples.origins),
    }


def _page(
    rows: list[dict[str, Any]],
    key: Callable[[dict[str, Any]], tuple[Any, ...]],
    after: Any,
    limit: int,
) -> Rows:
    rows = sorted((r for r in rows if after is None or key(r) > tuple(after)), key=key)
    if len(rows) > limit:
        return rows[:limit], encode_key(key(rows[limit - 1]))
    return rows, None


def _section_months(
    session: Session, province: str, filters: dict[str, str], cursor: str | None, limit: int
) -> Rows:
    """A year at a time (one assessment pass each) until the page is full."""
    after = decode_key(cursor, (str, str))
    codes = _province_codes(session, province)
    if "section_code" in filters:
        codes = [c for c in codes if c == filters["section_code"]]
    month = filters.get("month")
    found: list[dict[str, Any]] = []
    for year in _sample_years(session, codes) if codes else range(0):
        if (after and year < int(after[0][:4])) or (month and not month.startswith(f"{year}-")):
            continue
        for a in assessment.monthly_assessments(session, year=year, codes=codes):
            row = _monthly_row(a)
            key = (row["month"], row["section_code"])
            if (not month or row["month"] == month) and (after is None or key > after):
                found.append(row)
        if len(found) > limit:
            break
    return _page(found, lambda r: (r["month"], r["section_code"]), None, limit)


def _compliance_rows(
    session: Session, province: str, filters: dict[str, str], cursor: str | None, limit: int
) -> Rows:
    after = decode_key(cursor, (int, str))
    years = _sample_years(session, _province_codes(session, province))
    if "year" in filters:
        years = (
            range(0)
            if not filters["year"].isdigit()
            else range(int(filters["year"]), int(filters["year"]) + 1)
        )
    found = []
    for year in years:
        for row in assessment.compliance(session, year=year):
            if row.jurisdiction_code == province:
                found.append(
                    {
                        "year": year,
                        "scope": row.scope,
                        "sections_assessed": row.current.sections_assessed,
                        "sections_meeting": row.current.sections_meeting,
                        "share_meeting": row.current.share_meeting,
                        "inferior_v": row.current.inferior_v,
                    }
                )
    return _page(found, lambda r: (r["year"], r["scope"]), after, limit)


def _hours(later: dt.datetime, earlier: dt.datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def _incident_rows(
    session: Session, province: str, filters: dict[str, str], cursor: str | None, limit: int
) -> Rows:
    after = decode_key(cursor, (str,))
    incidents = list(
        session.scalars(
            select(Incident).where(Incident.section_code.in_(_province_codes(session, province)))
        )
    )
    notices: dict[int, list[IncidentNotice]] = {}
    for n in session.scalars(
        select(IncidentNotice).where(IncidentNotice.incident_id.in_([i.id for i in incidents]))
    ):
        notices.setdefault(n.incident_id, []).append(n)
    months: dict[str, list[Incident]] = {}
    for i in incidents:
        months.setdefault(i.opened_at.astimezone(CHINA_TZ).strftime("%Y-%m"), []).append(i)
    found = []
    for month, group in months.items():
        if filters.get("month", month) != month:
            continue
        told = [notices.get(i.id, []) for i in group]
        complete = [
            (i, ns)
            for i, ns in zip(group, told, strict=True)
            if ns and all(n.acknowledged_at for n in ns)
        ]
        waits = [
            _hours(max(n.acknowledged_at for n in ns if n.acknowledged_at), i.opened_at)
            for i, ns in complete
        ]
        found.append(
            {
                "month": month,
                "incidents": len(group),
                "serious": sum(i.severity == IncidentSeverity.SERIOUS.value for i in group),
                "closed": sum(i.closed_at is not None for i in group),
                "acknowledged": len(complete),
                "median_hours_to_acknowledge": round(statistics.median(waits), 1)
                if waits
                else None,
                "late_notices": sum(
                    1
                    for ns in told
                    for n in ns
                    if n.acknowledged_at and n.acknowledged_at > n.due_at
                ),
            }
        )
    return _page(found, lambda r: (r["month"],), after, limit)


def read_records(
    session: Session,
    *,
    dataset_code: str,
    filters: dict[str, str],
    cursor: str | None,
    limit: int,
) -> Rows:
    """The record source of the ``WATER-`` datasets (the catalog reduces the fields)."""
    check_limit(limit)
    province, kind = parse_code(dataset_code)
    reader = {
        "SECTION-MONTHLY": _section_months,
        "COMPLIANCE": _compliance_rows,
        "INCIDENTS": _incident_rows,
    }[kind]
    return reader(session, province, filters, cursor, limit)


catalog.register_record_source(PREFIX, read_records)
# The enumerations the dataset pages show by their labels (water/presentation.py registers them);
# section names, item codes and numbers are shown as they are.
catalog.register_value_labels(
    PREFIX,
    {
        "kind": catalog.ValueLabels("water.section_kind"),
        "grade": catalog.ValueLabels("water.grade"),
        "origins": catalog.ValueLabels("water.sample_origin", separator=";"),
        "scope": catalog.ValueLabels("water.compliance_scope"),
    },
)
