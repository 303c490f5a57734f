"""Monitoring indicators of the pollution sources for a China-time day or month, per province,
per city and for the region:

- *online rate*: active loggers registered before the period ended that stored at least one
  data packet (any command) with a data time inside it, over those loggers;
- *transmission effectiveness*: valid real-time packets (CN 2011 whose every value is flagged
  N or carries no flag) stored for the period, over the packets expected from each logger's
  real-time interval over the part of the period it was registered (and, for the current
  period, up to now). Each logger counts at most its expected packets (a logger sending more
  often than registered cannot make up for a silent one), so the rate is at most 100 %;
- *exceedances*: events that began in the period, by kind.

Public: aggregates name no enterprise. Four statements whatever the number of loggers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.security import province_of
from jingjinji.sources.models import (
    DataCommand,
    Enterprise,
    Exceedance,
    ExceedanceKind,
    Logger,
    Outlet,
    Packet,
    Value,
)
from jingjinji.timezone import CHINA_TZ

PERIOD_KINDS = ("day", "month")
_PATTERNS = {
    "day": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    "month": re.compile(r"[0-9]{4}-[0-9]{2}"),
}
VALID_FLAGS = ("N",)


@dataclass(frozen=True)
class Period:
    """A China-time day (``2026-03-01``) or month (``2026-03``), as UTC bounds."""

    kind: str
    text: str
    start: dt.datetime
    end: dt.datetime


def _check_kind(kind: str) -> None:
    if kind not in PERIOD_KINDS:
        raise InvalidInput(
            msg("unknown period kind {kind}", kind=repr(kind)),
            errors=[field_error(["query", "kind"], msg("day or month"))],
        )


def parse_period(kind: str, text: str, *, loc: str = "period") -> Period:
    """``day`` + ``YYYY-MM-DD`` or ``month`` + ``YYYY-MM``; anything else is a 422 naming
    ``query.<loc>`` (or ``query.kind``)."""
    _check_kind(kind)
    example = "2026-03-01" if kind == "day" else "2026-03"
    try:
        if not _PATTERNS[kind].fullmatch(text):
            raise ValueError(text)
        first = dt.date.fromisoformat(text if kind == "day" else f"{text}-01")
    except ValueError:
        raise InvalidInput(
            msg("{text} is not a {kind}", text=repr(text), kind=kind),
            errors=[
                field_error(
                    ["query", loc], msg("a {kind} like {example}", kind=kind, example=example)
                )
            ],
        ) from None
    if kind == "day":
        following = first + dt.timedelta(days=1)
    else:
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    start = dt.datetime.combine(first, dt.time(), CHINA_TZ).astimezone(dt.UTC)
    end = dt.datetime.combine(following, dt.time(), CHINA_TZ).astimezone(dt.UTC)
    return Period(kind=kind, text=text, start=start, end=end)


def latest_period(session: Session, kind: str) -> Period:
    """The day or month of the latest stored data packet (today's when none is stored)."""
    _check_kind(kind)
    latest = session.scalar(select(func.max(Packet.data_time))) or utcnow()
    local = latest.astimezone(CHINA_TZ).date()
    text = local.isoformat() if kind == "day" else local.strftime("%Y-%m")
    return parse_period(kind, text)


@dataclass
class IndicatorRow:
    """The indicators of one group: ``level`` region, province or city."""

    level: str
    code: str
    loggers: int = 0
    online: int = 0
    expected: float = 0.0
    valid: float = 0.0
    exceedances: dict[str, int] = field(
        default_factory=lambda: {k.value: 0 for k in ExceedanceKind}
    )

    @property
    def online_rate(self) -> float | None:
        """Share of loggers online, 0-1 (None without loggers)."""
        return self.online / self.loggers if self.loggers else None

    @property
    def effectiveness(self) -> float | None:
        """Valid over expected real-time packets, 0-1 (None when none was expected)."""
        return min(1.0, self.valid / self.expected) if self.expected > 0 else None

    @property
    def exceedance_total(self) -> int:
        return sum(self.exceedances.values())


def _expected(registered_at: dt.datetime, interval: int, period: Period, now: dt.datetime) -> float:
    start = max(period.start, registered_at)
    end = min(period.end, now)
    seconds = (end - start).total_seconds()
    return max(0.0, seconds / interval) if interval > 0 else 0.0


def _packet_counts(session: Session, period: Period) -> dict[int, tuple[int, int]]:
    """logger -> (packets stored in the period, valid real-time packets)."""
    invalid_value = exists().where(
        and_(
            Value.logger_id == Packet.logger_id,
            Value.cn == Packet.cn,
            Value.data_time == Packet.data_time,
            Value.flag.is_not(None),
            Value.flag.not_in(VALID_FLAGS),
        )
    )
    valid = case((and_(Packet.cn == DataCommand.REALTIME.value, ~invalid_value), 1), else_=0)
    stmt = (
        select(Packet.logger_id, func.count(), func.sum(valid))
        .where(Packet.data_time >= period.start, Packet.data_time < period.end)
        .group_by(Packet.logger_id)
    )
    return {logger: (int(n), int(v or 0)) for logger, n, v in session.execute(stmt)}


def compute(
    session: Session, *, period: Period, now: dt.datetime | None = None
) -> list[IndicatorRow]:
    """The indicators of ``period``: the region first, then each province and its cities
    (a municipality's enterprises without a city count under the province only)."""
    now = now or utcnow()
    rows: dict[tuple[str, str], IndicatorRow] = {}
    region = regions.region_code(session)

    def groups(jurisdiction: str, city: str | None) -> list[IndicatorRow]:
        province = province_of(jurisdiction)
        keys = [("region", region), ("province", province)]
        if city and city != province:
            keys.append(("city", city))
        return [rows.setdefault(k, IndicatorRow(level=k[0], code=k[1])) for k in keys]

    loggers = session.execute(
        select(
            Logger.id,
            Logger.realtime_interval_seconds,
            Logger.registered_at,
            Enterprise.jurisdiction_code,
            Enterprise.city_code,
        )
        .join(Outlet, Outlet.id == Logger.outlet_id)
        .join(Enterprise, Enterprise.id == Outlet.enterprise_id)
        .where(Logger.active.is_(True), Logger.registered_at < period.end)
    ).all()
    counts = _packet_counts(session, period)
    for logger_id, interval, registered_at, jurisdiction, city in loggers:
        stored, valid = counts.get(logger_id, (0, 0))
        expected = _expected(registered_at, interval, period, now)
        for row in groups(jurisdiction, city):
            row.loggers += 1
            row.online += stored > 0
            row.expected += expected
            row.valid += min(valid, expected)
    events = session.execute(
        select(Enterprise.jurisdiction_code, Enterprise.city_code, Exceedance.kind, func.count())
        .join(Enterprise, Enterprise.id == Exceedance.enterprise_id)
        .where(Exceedance.started_at >= period.start, Exceedance.started_at < period.end)
        .group_by(Enterprise.jurisdiction_code, Enterprise.city_code, Exceedance.kind)
    )
    for jurisdiction, city, kind, n in events:
        for row in groups(jurisdiction, city):
            row.exceedances[kind] = row.exceedances.get(kind, 0) + int(n)
    order = {"region": 0, "province": 1, "city": 2}
    return sorted(
        rows.values(),
        key=lambda r: (order[r.level] > 0, r.code[:2], order[r.level], r.code),
    )
