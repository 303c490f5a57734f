"""The hourly monitoring values of each province's enterprises as a catalog dataset,
``SOURCES-<province>-MONITORING``: per enterprise, outlet, factor and hour (China time) the
hourly average (HJ 212 ``2061``), its corrected value, data flag and the permit's hourly limit.

Every field is conditional (有条件共享) and the dataset is not open to the public: the
provincial environment agency owns it; another organisation reads it only through a grant. A
linked enforcement case grants the involved neighbour's environment agency the rows of the
case's enterprise (a grant scoped to its USCC), so the reader honours row scopes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DatasetIn, FieldIn
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import check_limit, paginate
from jingjinji.sources.flows.datasets import PREFIX, PROVINCES
from jingjinji.sources.models import (
    DataCommand,
    Enterprise,
    Logger,
    MonitoredFactor,
    Outlet,
    Value,
)
from jingjinji.timezone import CHINA_TZ

KIND = "MONITORING"
#: The field of the dataset naming the enterprise (the row scope of a case's grant).
ENTERPRISE_FIELD = "enterprise_uscc"
#: (name, type, unit, description, description in Chinese)
_FIELDS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        ENTERPRISE_FIELD,
        "string",
        "",
        "unified social credit code of the enterprise",
        "企业统一社会信用代码",
    ),
    (
        "enterprise_name",
        "string",
        "",
        "the enterprise's registered name (Chinese)",
        "企业登记名称（中文）",
    ),
    (
        "outlet",
        "string",
        "",
        "the enterprise's outlet number, e.g. DA001",
        "企业排放口编号，如 DA001",
    ),
    (
        "factor",
        "string",
        "",
        "HJ 212-2017 factor code, e.g. a21026",
        "HJ 212-2017 监测因子编码，如 a21026",
    ),
    (
        "hour",
        "datetime",
        "",
        "the hour the average is for, China time (ISO 8601, +08:00)",
        "均值所属小时，北京时间（ISO 8601，+08:00）",
    ),
    (
        "value",
        "number",
        "",
        "hourly average (HJ 212 -Avg), in the factor's unit",
        "小时均值（HJ 212 -Avg），单位为该因子的单位",
    ),
    (
        "corrected_value",
        "number",
        "",
        "corrected hourly average (-ZsAvg) where sent",
        "折算小时均值（-ZsAvg），有上报时提供",
    ),
    (
        "data_flag",
        "string",
        "",
        "HJ 212 data flag (N normal, F stopped, M maintenance, ...)",
        "HJ 212 数据标记（N 正常、F 停运、M 维护等）",
    ),
    (
        "hourly_limit",
        "number",
        "",
        "the permit's hourly concentration limit, if any",
        "排污许可的小时浓度限值（如有）",
    ),
)
#: Fields the reader filters on: field -> column.
_FILTERS: dict[str, Any] = {
    ENTERPRISE_FIELD: Enterprise.uscc,
    "enterprise_name": Enterprise.name_zh,
    "outlet": Outlet.code,
    "factor": Value.factor,
    "data_flag": Value.flag,
}


def dataset_code(province_code: str) -> str:
    """``130000`` -> ``SOURCES-130000-MONITORING``."""
    return catalog.provincial_code(PREFIX, province_code, KIND)


def definition(province_code: str, owner_id: int) -> DatasetIn:
    name_zh, name_en = PROVINCES[province_code]
    return DatasetIn(
        code=dataset_code(province_code),
        title_zh=f"{name_zh}重点污染源小时监测数据",
        title_en=f"{name_en} pollution-source hourly monitoring values",
        description_zh="重点排污单位各排放口各因子的小时均值（HJ 212 2061）、折算值、数据标记和"
        "许可小时限值。有条件共享：联合执法案件涉及的相邻地区环境部门经目录授权读取该企业的数据。",
        description_en="Hourly averages (HJ 212 2061) per enterprise, outlet and factor, with "
        "the corrected value, data flag and the permit's hourly limit. Conditional: the "
        "environment agency of a jurisdiction involved in a linked enforcement case reads the "
        "enterprise's rows through a catalog grant scoped to it (docs/sources.md).",
        owner_organisation_id=owner_id,
        domain="environment",
        update_cycle="hourly",
        sharing_class="conditional",
        open_to_public=False,
        fields=[
            FieldIn(
                name=n,
                type=t,
                unit=u,
                description=d,
                description_zh=dzh,
                sharing_class="conditional",
            )
            for n, t, u, d, dzh in _FIELDS
        ],
    )


def _scope_clause(scopes: tuple[Mapping[str, Sequence[str]], ...]) -> ColumnElement[bool]:
    """Rows in one of the scopes; a scope naming a field the reader cannot filter matches
    nothing (the catalog drops rows outside the scopes in any case)."""

    def one(scope: Mapping[str, Sequence[str]]) -> ColumnElement[bool]:
        if any(name not in _FILTERS for name in scope):
            return false()
        return and_(true(), *(_FILTERS[name].in_(list(v)) for name, v in scope.items()))

    return or_(false(), *(one(s) for s in scopes))


def read_records(
    session: Session,
    *,
    dataset_code: str,
    filters: dict[str, str],
    cursor: str | None,
    limit: int,
    row_scopes: tuple[Mapping[str, Sequence[str]], ...] | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The record source of ``SOURCES-<province>-MONITORING``: hourly values of the province's
    enterprises ordered by (USCC, logger, hour, factor), within ``row_scopes`` when given;
    filters on the enterprise, outlet, factor and data flag."""
    check_limit(limit)
    province = dataset_code.removeprefix(PREFIX).removesuffix(f"-{KIND}")
    unknown = sorted(set(filters) - set(_FILTERS))
    if unknown:
        raise InvalidInput(
            msg(
                "dataset {dataset_code} is filtered on {filters} only",
                dataset_code=dataset_code,
                filters=", ".join(_FILTERS),
            ),
            errors=[
                field_error(["query", n], msg("not a filter of this dataset")) for n in unknown
            ],
        )
    stmt = (
        select(
            Enterprise.uscc,
            Enterprise.name_zh,
            Outlet.code.label("outlet"),
            Value.logger_id,
            Value.data_time,
            Value.factor,
            Value.avg,
            Value.zs_avg,
            Value.flag,
            MonitoredFactor.hourly_limit,
        )
        .join(Logger, Logger.id == Value.logger_id)
        .join(Outlet, Outlet.id == Logger.outlet_id)
        .join(Enterprise, Enterprise.id == Outlet.enterprise_id)
        .outerjoin(
            MonitoredFactor,
            and_(MonitoredFactor.outlet_id == Outlet.id, MonitoredFactor.code == Value.factor),
        )
        .where(
            Value.cn == DataCommand.HOURLY.value,
            Enterprise.jurisdiction_code.like(f"{province[:2]}%"),
            *(_FILTERS[name] == value for name, value in filters.items()),
        )
    )
    if row_scopes is not None:
        stmt = stmt.where(_scope_clause(row_scopes))
    page = paginate(
        session,
        cast(Select[Any], stmt),
        Enterprise.uscc,
        Value.logger_id,
        Value.data_time,
        Value.factor,
        cursor=cursor,
        limit=limit,
        scalars=False,
        key=lambda r: (r.uscc, r.logger_id, r.data_time, r.factor),
    )
    return [
        {
            ENTERPRISE_FIELD: r.uscc,
            "enterprise_name": r.name_zh,
            "outlet": r.outlet,
            "factor": r.factor,
            "hour": r.data_time.astimezone(CHINA_TZ).isoformat(),
            "value": r.avg,
            "corrected_value": r.zs_avg,
            "data_flag": r.flag,
            "hourly_limit": r.hourly_limit,
        }
        for r in page.items
    ], page.next_cursor


for _province in PROVINCES:
    catalog.register_record_source(dataset_code(_province), read_records, honours_row_scopes=True)
