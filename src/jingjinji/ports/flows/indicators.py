"""Port indicators in the data catalog and the progress tracker.

Catalog: three datasets of the coordination office, open to the public, read from the stored
indicator values (``service.indicators.stored``, refreshed from the events by a job and by
``jjj ports indicators``) through a record source (``register_record_source("PORTS-IND-",
...)``, registered when this module is imported: ``ports.jobs_handlers`` imports it in every
process):

- ``PORTS-IND-TRANSIT-MONTHLY``: TEU in transit between Tianjin and Hebei ports by month and
  port pair;
- ``PORTS-IND-GREEN-CHANNEL-MONTHLY``: containers arriving through the Xiong'an green channel;
- ``PORTS-IND-DWELL-MONTHLY``: completed stays and their dwell hours by month and terminal.

Progress tracker: :func:`publish_indicators` (``jjj ports indicators``, and the demo once after
its season) submits each year's totals to the Binhai review's indicators
``bh_container_transit`` (million TEU) and ``bh_xiongan_green_channel`` (TEU) for the Binhai
New Area, the review's jurisdiction, with a source saying they were computed from the events
(and which months they cover). Run again, it stores only what changed, as a correction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from jingjinji.catalog import service as catalog
from jingjinji.catalog.schemas import DatasetIn, FieldIn
from jingjinji.errors import NotFound
from jingjinji.i18n import msg
from jingjinji.pagination import check_limit, decode_key, encode_key
from jingjinji.ports.service import indicators
from jingjinji.ports.service.reference import list_locations
from jingjinji.progress import service as progress
from jingjinji.progress.schemas import IndicatorIn, ValueIn
from jingjinji.regions import service as regions
from jingjinji.security import Actor

PREFIX = "PORTS-IND-"
OFFICE_KIND = "coordination_office"
_MONTH = ("month", "string", "", "month, YYYY-MM (China time)", "月份，YYYY-MM（北京时间）")
_VOLUME = (
    ("containers", "integer", "", "container moves counted", "计入的集装箱箱次"),
    ("teu", "number", "TEU", "TEU, empty and laden", "标准箱（含空箱和重箱）"),
    ("laden_teu", "number", "TEU", "of which laden", "其中重箱"),
    ("unsized", "integer", "", "moves without a 20/40/45 ft size code (no TEU)",
     "无20/40/45英尺箱型代码的箱次（不计标准箱）"),
)  # fmt: skip
_PORT = "UN/LOCODE"
#: kind -> (zh title, en title, key columns, fields: (name, type, unit, en, zh)).
KINDS: dict[str, tuple[str, str, tuple[str, ...], tuple[tuple[str, str, str, str, str], ...]]] = {
    "TRANSIT-MONTHLY": (
        "津冀港口集装箱中转量（按月、按港口对）",
        "container transit between Tianjin and Hebei ports, by month and port pair",
        ("month", "from_port", "to_port"),
        (
            _MONTH,
            ("from_port", "string", "", f"port the boxes left ({_PORT})", "起运港（UN/LOCODE）"),
            ("from_name_zh", "string", "", "its name in Chinese", "起运港中文名"),
            ("to_port", "string", "", f"port they arrived at ({_PORT})", "到达港（UN/LOCODE）"),
            ("to_name_zh", "string", "", "its name in Chinese", "到达港中文名"),
            *_VOLUME,
        ),
    ),
    "GREEN-CHANNEL-MONTHLY": (
        "雄安绿色通道集装箱量（按月）",
        "containers through the Xiong'an green channel, by month",
        ("month",),
        (_MONTH, *_VOLUME),
    ),
    "DWELL-MONTHLY": (
        "码头集装箱平均堆存时间（按月）",
        "average container dwell time at each terminal, by month",
        ("month", "location"),
        (
            _MONTH,
            ("location", "string", "", f"terminal ({_PORT})", "码头（UN/LOCODE）"),
            ("name_zh", "string", "", "its name in Chinese", "码头中文名"),
            ("stays", "integer", "", "stays ended by a departure in the month",
             "当月以离港结束的堆存次数"),
            ("mean_hours", "number", "h", "mean hours, first arrival to departure",
             "平均小时数（首次到达至离开）"),
            ("median_hours", "number", "h", "median hours", "中位小时数"),
            ("max_hours", "number", "h", "longest stay, hours", "最长堆存小时数"),
        ),
    ),
}  # fmt: skip
_DESCRIPTION_ZH = (
    "由平台收到的DCSA 2.2集装箱事件（实际发生的卸船、进闸、装船、出闸事件，更正事件替代原事件）"
    "计算；20英尺箱计1标准箱，40和45英尺箱计2标准箱。演示数据为合成数据。"
)
_DESCRIPTION_EN = (
    "Computed from the DCSA 2.2 equipment events the platform holds (actual DISC, GTIN, LOAD "
    "and GTOT; a correction replaces the event it supersedes); 20 ft = 1 TEU, 40 and 45 ft = "
    "2 TEU (docs/ports-indicators.md). The demo's events are synthetic."
)

#: Progress indicators fed (the Binhai review's): code -> (name zh, name en, unit, divisor).
INDICATORS: dict[str, tuple[str, str, str, float]] = {
    "bh_container_transit": (
        "集装箱中转量",
        "Container transit throughput of the Tianjin–Hebei port group hub",
        "million TEU",
        1_000_000.0,
    ),
    "bh_xiongan_green_channel": (
        "雄安绿色通道集装箱量",
        "Containers handled through the Xiong'an green channel",
        "TEU",
        1.0,
    ),
}
#: The review reports both for the Binhai New Area.
JURISDICTION = "120116"

Rows = tuple[list[dict[str, Any]], str | None]


def definitions(owner_id: int) -> list[DatasetIn]:
    return [
        DatasetIn(
            code=f"{PREFIX}{kind}",
            title_zh=title_zh,
            title_en=title_en,
            description_zh=_DESCRIPTION_ZH,
            description_en=_DESCRIPTION_EN,
            owner_organisation_id=owner_id,
            domain="transport",
            update_cycle="monthly",
            sharing_class="unconditional",
            open_to_public=True,
            fields=[
                FieldIn.model_validate(
                    {
                        "name": n,
                        "type": t,
                        "unit": u,
                        "description": en,
                        "description_zh": zh,
                        "sharing_class": "unconditional",
                    }
                )
                for n, t, u, en, zh in fields
            ],
        )
        for kind, (title_zh, title_en, _, fields) in KINDS.items()
    ]


def register_datasets(session: Session, *, actor: Actor | None) -> list[str]:
    """Register (idempotently) the indicator datasets, owned by the coordination office (none
    where there is no office organisation)."""
    office = next((o for o in regions.list_organisations(session) if o.kind == OFFICE_KIND), None)
    if office is None:
        return []
    return [
        catalog.ensure_dataset(session, actor=actor, data=data).code
        for data in definitions(office.id)
    ]


# --------------------------------------------------------------------------- record source


def _names(session: Session) -> dict[str, str]:
    """UN/LOCODE -> Chinese name (the port's, not a land port's facility)."""
    out: dict[str, str] = {}
    for location in list_locations(session):
        out.setdefault(location.un_location_code, location.name_zh)
    return out


def _rounded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()} for r in rows]


def dataset_rows(session: Session, *, kind: str, month: str | None) -> list[dict[str, Any]]:
    """Every record of one dataset kind (of one month, or of all), in key order."""
    found = indicators.stored(session, month=month)
    names = _names(session)
    if kind == "TRANSIT-MONTHLY":
        frame = found.transits.with_columns(
            from_name_zh=pl.col("from_port").replace_strict(names, default=""),
            to_name_zh=pl.col("to_port").replace_strict(names, default=""),
        )
    elif kind == "GREEN-CHANNEL-MONTHLY":
        frame = found.green_channel
    else:
        frame = found.dwell.with_columns(
            name_zh=pl.col("location").replace_strict(names, default="")
        )
    return _rounded(frame.to_dicts())


def read_records(
    session: Session, *, dataset_code: str, filters: dict[str, str], cursor: str | None,
    limit: int,
) -> Rows:  # fmt: skip
    """The record source of the ``PORTS-IND-`` datasets (the catalog reduces the fields)."""
    check_limit(limit)
    kind = dataset_code.removeprefix(PREFIX)
    if kind not in KINDS:
        raise NotFound(msg("no port indicator dataset with code {code}", code=repr(dataset_code)))
    keys = KINDS[kind][2]
    after = decode_key(cursor, [str] * len(keys))
    month = filters.get("month")
    if month is not None and not indicators.is_month(month):
        # An equality filter no row matches (a download has started streaming when the
        # filters are read: a refusal could no longer be sent).
        return [], None
    rows = [
        r
        for r in dataset_rows(session, kind=kind, month=month)
        if all(str(r.get(k)) == v for k, v in filters.items())
    ]
    key: Callable[[dict[str, Any]], tuple[Any, ...]] = lambda r: tuple(r[k] for k in keys)  # noqa: E731
    rows = [r for r in rows if after is None or key(r) > after]
    if len(rows) > limit:
        return rows[:limit], encode_key(key(rows[limit - 1]))
    return rows, None


catalog.register_record_source(PREFIX, read_records)


# --------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class PublishedIndicators:
    """What :func:`publish_indicators` did."""

    created: list[str]
    stored: int
    revised: int
    unchanged: int
    totals: dict[str, dict[str, float]]  # indicator -> year -> value


def ensure_indicators(session: Session, *, actor: Actor | None) -> list[str]:
    """Create the review's port indicators where the progress demo has not (office only)."""
    existing = {i.code for i in progress.list_indicators(session, area="ports")}
    created = []
    for code, (name_zh, name_en, unit, _) in INDICATORS.items():
        if code in existing:
            continue
        data = IndicatorIn.model_validate(
            {
                "code": code, "name_zh": name_zh, "name_en": name_en, "unit": unit,
                "direction": "higher_is_better", "period_type": "year", "area": "ports",
                "description": "Computed from the ports domain's container events; see "
                "docs/ports-indicators.md.",
            }
        )  # fmt: skip
        progress.create_indicator(session, actor=actor, data=data)
        created.append(code)
    return created


def source_text(months: list[str], events: int) -> str:
    """The source of a computed value: the events, and the months they cover."""
    span = f"{months[0]} to {months[-1]}" if months else "no month"
    return (
        f"computed from {events:,} DCSA container events (ports domain, `jjj ports indicators`), "
        f"months with events {span}"
    )


def yearly_totals(found: indicators.PortIndicators) -> dict[str, dict[str, float]]:
    """indicator -> year -> value (in the indicator's unit) of the computed tables."""
    out: dict[str, dict[str, float]] = {}
    tables = {
        "bh_container_transit": found.transits,
        "bh_xiongan_green_channel": found.green_channel,
    }
    for code, frame in tables.items():
        divisor = INDICATORS[code][3]
        by_year = frame.group_by(pl.col("month").str.slice(0, 4).alias("year")).agg(
            pl.col("teu").sum()
        )
        out[code] = {y: round(t / divisor, 6) for y, t in by_year.iter_rows()}
    return out  # fmt: skip


def publish_indicators(
    session: Session, *, actor: Actor | None, year: int | None = None, full: bool = False
) -> PublishedIndicators:
    """Submit each year's (or ``year``'s) computed totals to the review's indicators (creating
    them first if need be). The stored indicators are refreshed from the events first (the
    stale months; every month with ``full``), so what is published is never older than the
    events. A value stored already with the same figure is
    left alone; another figure replaces it as a correction saying it was recomputed from the
    events."""
    created = ensure_indicators(session, actor=actor)
    indicators.refresh(session, full=full)
    found = indicators.stored(session)
    totals = yearly_totals(found)
    months = indicators.stored_months(session)
    values: list[ValueIn] = []
    unchanged = 0
    for code, by_year in totals.items():
        stored = {
            v.period: v.value
            for v in progress.list_values(session, indicator=code, jurisdiction=JURISDICTION)
        }
        for period, figure in sorted(by_year.items()):
            if year is not None and period != str(year):
                continue
            if stored.get(period) == figure:
                unchanged += 1
                continue
            covered = [m for m in months if m.startswith(period)]
            values.append(
                ValueIn(
                    indicator_code=code, jurisdiction_code=JURISDICTION, period=period,
                    value=figure, source=source_text(covered, found.events),
                    note=None if period not in stored else "recomputed from the port events",
                )
            )  # fmt: skip
    if not values:
        return PublishedIndicators(created, 0, 0, unchanged, totals)
    result = progress.submit_values(session, actor=actor, values=values, channel="ports")
    return PublishedIndicators(created, result.stored, result.revised, unchanged, totals)
