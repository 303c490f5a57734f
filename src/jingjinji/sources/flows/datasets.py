"""The pollution-source monitoring indicators in the data catalog: two datasets per provincial
environment agency, open to the public (aggregates name no enterprise), served from the
sources tables through a record source (``register_record_source("SOURCES-", ...)``,
registered when this module is imported: the domain's ``jobs_handlers`` must import it):

- ``SOURCES-<province>-INDICATORS-DAILY``: each China-time day with stored data, the province
  and each of its cities: loggers, online, online rate, expected and valid real-time packets,
  transmission effectiveness, exceedance events by kind;
- ``SOURCES-<province>-INDICATORS-MONTHLY``: the same per month.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DatasetIn, FieldIn
from jingjinji.pagination import check_limit, decode_key, encode_key
from jingjinji.security import Actor, province_of
from jingjinji.sources.models import ExceedanceKind, Packet
from jingjinji.sources.service import indicators
from jingjinji.timezone import CHINA_TZ

PREFIX = "SOURCES-"
PROVINCES: dict[str, tuple[str, str]] = {
    "110000": ("北京市", "Beijing"),
    "120000": ("天津市", "Tianjin"),
    "130000": ("河北省", "Hebei"),
}
#: The exceedance kinds as the fields' Chinese descriptions name them.
_EXCEEDANCES_ZH: dict[ExceedanceKind, str] = {
    ExceedanceKind.HOURLY_LIMIT: "小时均值超过小时限值",
    ExceedanceKind.DAILY_LIMIT: "日均值超过日限值",
    ExceedanceKind.SILENT: "数采仪超时未上报",
    ExceedanceKind.INVALID_FLAGS: "连续异常数据标记（D/F/M/C）",
}
#: (name, type, description, description in Chinese)
_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    (
        "period",
        "string",
        "China-time day YYYY-MM-DD or month YYYY-MM",
        "北京时间的日（YYYY-MM-DD）或月（YYYY-MM）",
    ),
    ("jurisdiction_code", "string", "the province, or one of its cities", "省级行政区或其下属城市"),
    ("level", "string", "province or city", "层级：`province`（省级）或 `city`（市级）"),
    (
        "loggers",
        "integer",
        "active loggers registered before the period ended",
        "统计期结束前登记的在用数采仪数",
    ),
    (
        "online",
        "integer",
        "of which stored at least one data packet in the period",
        "其中统计期内至少存储了一个数据包的数采仪数",
    ),
    ("online_rate", "number", "online / loggers, 0-1", "联网率：在线数采仪数/数采仪数，0-1"),
    (
        "expected_packets",
        "number",
        "real-time packets expected from the loggers' intervals",
        "按数采仪上报间隔应收到的实时数据包数",
    ),
    (
        "valid_packets",
        "number",
        "valid real-time packets stored (each logger at most expected)",
        "已存储的有效实时数据包数（每台数采仪不超过应收数）",
    ),
    (
        "transmission_effectiveness",
        "number",
        "valid / expected packets, 0-1",
        "传输有效率：有效数据包数/应收数据包数，0-1",
    ),
    *(
        (
            f"exceedances_{k.value}",
            "integer",
            f"exceedance events ({k.value}) that began",
            f"统计期内开始的{_EXCEEDANCES_ZH[k]}事件数",
        )
        for k in ExceedanceKind
    ),
)
#: Dataset kind -> (zh title, en title, update cycle, period kind).
KINDS: dict[str, tuple[str, str, str, str]] = {
    "INDICATORS-DAILY": (
        "重点污染源在线监控日指标",
        "pollution-source monitoring, daily",
        "daily",
        "day",
    ),
    "INDICATORS-MONTHLY": (
        "重点污染源在线监控月指标",
        "pollution-source monitoring, monthly",
        "monthly",
        "month",
    ),
}

Rows = tuple[list[dict[str, Any]], str | None]


def dataset_code(province_code: str, kind: str) -> str:
    return catalog.provincial_code(PREFIX, province_code, kind)


def parse_code(code: str) -> tuple[str, str]:
    """``SOURCES-130000-INDICATORS-DAILY`` -> (``130000``, ``INDICATORS-DAILY``)."""
    province, kind = catalog.split_provincial_code(
        code, prefix=PREFIX, provinces=PROVINCES, kinds=KINDS, what="sources dataset"
    )
    return province, kind


def definitions(province_code: str, owner_id: int) -> list[DatasetIn]:
    """The indicator datasets and the hourly values (``flows.monitoring``) of a province."""
    from jingjinji.sources.flows import monitoring  # it builds on this module

    name_zh, name_en = PROVINCES[province_code]
    return [
        DatasetIn(
            code=dataset_code(province_code, kind),
            title_zh=f"{name_zh}{title_zh}",
            title_en=f"{name_en} {title_en}",
            description_zh="由HJ 212在线监控数据计算的联网率、传输有效率和超标事件数。",
            description_en="Online rate, transmission effectiveness and exceedance events, "
            "computed from the stored HJ 212 online-monitoring data (docs/sources.md).",
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
                for n, t, d, dzh in _FIELDS
            ],
        )
        for kind, (title_zh, title_en, cycle, _) in KINDS.items()
    ] + [monitoring.definition(province_code, owner_id)]


def register_datasets(session: Session, *, actor: Actor | None) -> list[str]:
    """Register (idempotently) the sources datasets of every provincial environment agency."""
    return catalog.register_provincial_datasets(
        session, actor=actor, provinces=PROVINCES, definitions=definitions
    )


# --------------------------------------------------------------------------- record source


def periods(session: Session, kind: str) -> list[str]:
    """The days or months from the first to the latest stored data packet (China time)."""
    first, last = session.execute(
        select(func.min(Packet.data_time), func.max(Packet.data_time))
    ).one()
    if first is None or last is None:
        return []
    day, end = first.astimezone(CHINA_TZ).date(), last.astimezone(CHINA_TZ).date()
    found: list[str] = []
    while day <= end:
        text = day.isoformat() if kind == "day" else day.strftime("%Y-%m")
        if not found or found[-1] != text:
            found.append(text)
        day += dt.timedelta(days=1)
    return found


def record(period: str, row: indicators.IndicatorRow) -> dict[str, Any]:
    """One dataset record of a computed indicator row."""
    return {
        "period": period,
        "jurisdiction_code": row.code,
        "level": row.level,
        "loggers": row.loggers,
        "online": row.online,
        "online_rate": None if row.online_rate is None else round(row.online_rate, 4),
        "expected_packets": round(row.expected, 1),
        "valid_packets": round(row.valid, 1),
        "transmission_effectiveness": None
        if row.effectiveness is None
        else round(row.effectiveness, 4),
        **{f"exceedances_{k}": n for k, n in row.exceedances.items()},
    }


def read_records(
    session: Session,
    *,
    dataset_code: str,
    filters: dict[str, str],
    cursor: str | None,
    limit: int,
) -> Rows:
    """The record source of the ``SOURCES-`` datasets, ordered by (period, jurisdiction);
    filters on ``period`` and ``jurisdiction_code``. A period at a time until the page is full."""
    check_limit(limit)
    province, kind = parse_code(dataset_code)
    period_kind = KINDS[kind][3]
    after = decode_key(cursor, (str, str))
    found: list[dict[str, Any]] = []
    for text in periods(session, period_kind):
        if (after and text < after[0]) or filters.get("period", text) != text:
            continue
        period = indicators.parse_period(period_kind, text)
        for row in indicators.compute(session, period=period):
            if row.level == "region" or province_of(row.code) != province:
                continue
            rec = record(text, row)
            key = (text, row.code)
            if filters.get("jurisdiction_code", row.code) == row.code and (
                after is None or key > after
            ):
                found.append(rec)
        if len(found) > limit:
            break
    if len(found) > limit:
        last = found[limit - 1]
        return found[:limit], encode_key((last["period"], last["jurisdiction_code"]))
    return found, None


catalog.register_record_source(PREFIX, read_records)
