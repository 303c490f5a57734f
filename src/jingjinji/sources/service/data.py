"""Reading the stored monitoring data: a paged listing of values and the series of an outlet for
the charts (the streamed CSV/Parquet export is :mod:`.values_export`).

Every read names its scope: an enterprise, an outlet or a logger (MN), given together they must
agree. The reader must read that enterprise's data (``registry_reading.ensure_may_read_data``:
the office, the enterprise's province, a jurisdiction involved in a case about it; audited
when it crosses jurisdictions, audited 403 otherwise). Periods are half open, [start, end), in
aware UTC (the schemas turn a time without a zone into China Standard Time first).

A chart's period is capped by its command (:data:`SERIES_DAYS`) and its size by
:data:`MAX_SERIES_VALUES` (a chart is one answer, held whole): a period past either is a 422
naming ``end``, never a cut series. An export has no cap: it is streamed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jingjinji.db import utcnow
from jingjinji.errors import InvalidInput, field_error
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.security import Actor
from jingjinji.sources.models import DataCommand, Enterprise, Logger, MonitoredFactor, Outlet, Value
from jingjinji.sources.service.registry import get_outlet
from jingjinji.sources.service.registry_reading import ensure_may_read_data

#: The longest period one chart covers, in days, by command. A real-time logger at 30 s sends
#: ~2,900 packets a day.
SERIES_DAYS: dict[int, int] = {
    DataCommand.REALTIME: 31,
    DataCommand.MINUTE: 92,
    DataCommand.HOURLY: 366,
    DataCommand.DAILY: 3660,
}
#: At most this many values in one chart (more is refused, never cut short).
MAX_SERIES_VALUES = 1_000_000
#: The period a chart shows when none is asked: up to the latest stored value, by command.
DEFAULT_SERIES_DAYS: dict[int, int] = {
    DataCommand.REALTIME: 1,
    DataCommand.MINUTE: 1,
    DataCommand.HOURLY: 7,
    DataCommand.DAILY: 92,
}

#: The value columns of :class:`Value` shared by the listing and the export.
VALUE_COLUMNS = (
    "cn",
    "data_time",
    "factor",
    "rtd",
    "avg",
    "min",
    "max",
    "cou",
    "zs_rtd",
    "zs_avg",
    "zs_min",
    "zs_max",
    "flag",
)


@dataclass(frozen=True)
class Scope:
    """What a read covers: one enterprise and the loggers (id -> MN) in scope."""

    enterprise: Enterprise
    loggers: dict[int, str]


def _invalid(parameter: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[field_error(["query", parameter], message)])


def _outlet_ids(session: Session, enterprise_id: int) -> list[int]:
    return list(session.scalars(select(Outlet.id).where(Outlet.enterprise_id == enterprise_id)))


def _resolve(
    session: Session, *, enterprise_id: int | None, outlet_id: int | None, mn: str | None
) -> tuple[int, list[int], str | None]:
    """(enterprise id, outlet ids, MN) of a scope, each given part checked against the others
    (an unknown or disagreeing one is a 422 naming it)."""
    if mn is not None:
        logger = session.scalar(select(Logger).where(Logger.mn == mn))
        if logger is None:
            raise _invalid("logger", f"no data logger {mn!r}")
        if outlet_id is not None and outlet_id != logger.outlet_id:
            raise _invalid("logger", f"logger {mn!r} is not on outlet {outlet_id}")
        outlet_id = logger.outlet_id
    if outlet_id is not None:
        outlet = session.get(Outlet, outlet_id)
        if outlet is None:
            raise _invalid("outlet", f"no outlet {outlet_id}")
        if enterprise_id is not None and enterprise_id != outlet.enterprise_id:
            parameter = "outlet" if mn is None else "logger"
            raise _invalid(parameter, f"not an outlet of enterprise {enterprise_id}")
        return outlet.enterprise_id, [outlet_id], mn
    if enterprise_id is None:
        raise _invalid("outlet", "name an enterprise, an outlet or a logger")
    if session.get(Enterprise, enterprise_id) is None:
        raise _invalid("enterprise", f"no enterprise {enterprise_id}")
    return enterprise_id, _outlet_ids(session, enterprise_id), None


def resolve_scope(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    enterprise_id: int | None = None,
    outlet_id: int | None = None,
    mn: str | None = None,
) -> Scope:
    """The loggers a read covers, once the reader is allowed (see the module docstring)."""
    owner_id, outlets, only_mn = _resolve(
        session, enterprise_id=enterprise_id, outlet_id=outlet_id, mn=mn
    )
    enterprise = session.get(Enterprise, owner_id)
    assert enterprise is not None  # _resolve checked it
    object_id = only_mn or (f"outlet {outlets[0]}" if outlet_id else f"enterprise {owner_id}")
    ensure_may_read_data(session, actor, enterprise=enterprise, action=action, object_id=object_id)
    stmt = select(Logger.id, Logger.mn).where(Logger.outlet_id.in_(outlets or [-1]))
    if only_mn is not None:
        stmt = stmt.where(Logger.mn == only_mn)
    return Scope(enterprise=enterprise, loggers={lid: m for lid, m in session.execute(stmt)})


def check_period(start: dt.datetime | None, end: dt.datetime | None) -> None:
    if start is not None and end is not None and end <= start:
        raise _invalid("end", "must be later than start")


def _check_span(start: dt.datetime, end: dt.datetime, cn: int) -> None:
    days = SERIES_DAYS[cn]
    if end - start > dt.timedelta(days=days):
        raise _invalid("end", f"the period is longer than {days} days: ask for shorter periods")


def filtered_values(
    stmt: Select[Any],
    scope: Scope,
    *,
    cn: int | None,
    factor: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> Select[Any]:
    stmt = stmt.where(Value.logger_id.in_(sorted(scope.loggers) or [-1]))
    if cn is not None:
        stmt = stmt.where(Value.cn == int(cn))
    if factor is not None:
        stmt = stmt.where(Value.factor == factor)
    if start is not None:
        stmt = stmt.where(Value.data_time >= start)
    if end is not None:
        stmt = stmt.where(Value.data_time < end)
    return stmt


def list_values(
    session: Session,
    *,
    actor: Actor | None,
    enterprise_id: int | None = None,
    outlet_id: int | None = None,
    mn: str | None = None,
    cn: int | None = None,
    factor: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Paged[Any]:
    """Stored values oldest first, paged on (data time, logger, command, factor). The items
    are rows with ``mn``, ``logger_id`` and the columns of :data:`VALUE_COLUMNS`."""
    check_limit(limit)
    check_period(start, end)
    scope = resolve_scope(
        session,
        actor=actor,
        action="sources.values.read",
        enterprise_id=enterprise_id,
        outlet_id=outlet_id,
        mn=mn,
    )
    columns = [getattr(Value, name) for name in VALUE_COLUMNS]
    stmt = select(Logger.mn, Value.logger_id, *columns).join(Logger, Logger.id == Value.logger_id)
    stmt = filtered_values(stmt, scope, cn=cn, factor=factor, start=start, end=end)
    return paginate(
        session,
        stmt,
        Value.data_time,
        Value.logger_id,
        Value.cn,
        Value.factor,
        cursor=cursor,
        limit=limit,
        scalars=False,
        key=lambda r: (r.data_time, r.logger_id, r.cn, r.factor),
    )


@dataclass(frozen=True)
class FactorSeries:
    """One factor's values in time order, with its registration (unit and limits) if any."""

    factor: str
    unit: str | None
    hourly_limit: float | None
    daily_limit: float | None
    times: list[dt.datetime]
    values: list[float | None]
    zs: list[float | None]
    flags: list[str | None]


@dataclass(frozen=True)
class OutletSeries:
    outlet_id: int
    cn: int
    start: dt.datetime
    end: dt.datetime
    series: list[FactorSeries]


def _default_period(
    session: Session,
    scope: Scope,
    cn: int,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> tuple[dt.datetime, dt.datetime]:
    """A chart's period: up to the latest stored value (or now) when no end is asked, back
    :data:`DEFAULT_SERIES_DAYS` when no start is."""
    if end is None:
        latest = session.scalar(
            filtered_values(
                select(func.max(Value.data_time)), scope, cn=cn, factor=None, start=start, end=None
            )
        )
        end = latest + dt.timedelta(seconds=1) if latest is not None else utcnow()
    if start is None:
        try:
            start = end - dt.timedelta(days=DEFAULT_SERIES_DAYS[cn])
        except OverflowError as exc:  # an end in year 1: no period fits before it
            raise _invalid("end", "the time is out of range") from exc
    return start, end


def outlet_series(
    session: Session,
    *,
    actor: Actor | None,
    outlet_id: int,
    cn: int = DataCommand.HOURLY,
    factor: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> OutletSeries:
    """The outlet's values of one command in [start, end), one series per factor (registered
    factors first, by code): ``rtd`` for real-time data, ``avg`` otherwise; ``zs`` the
    corrected value. The period is capped (:data:`SERIES_DAYS`, :data:`MAX_SERIES_VALUES`)."""
    check_period(start, end)
    get_outlet(session, outlet_id=outlet_id)  # the path's outlet: a 404, not a 422
    scope = resolve_scope(session, actor=actor, action="sources.series.read", outlet_id=outlet_id)
    start, end = _default_period(session, scope, cn, start, end)
    check_period(start, end)
    _check_span(start, end, cn)
    realtime = cn == DataCommand.REALTIME
    value = Value.rtd if realtime else Value.avg
    zs = Value.zs_rtd if realtime else Value.zs_avg
    stmt = filtered_values(
        cast(Select[Any], select(Value.factor, Value.data_time, value, zs, Value.flag)),
        scope,
        cn=cn,
        factor=factor,
        start=start,
        end=end,
    ).order_by(Value.factor, Value.data_time, Value.logger_id)
    rows = session.execute(stmt.limit(MAX_SERIES_VALUES + 1)).all()
    if len(rows) > MAX_SERIES_VALUES:
        raise _invalid("end", f"more than {MAX_SERIES_VALUES} values: ask for a shorter period")
    registered = {
        f.code: f
        for f in session.scalars(
            select(MonitoredFactor).where(MonitoredFactor.outlet_id == outlet_id)
        )
    }
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    if factor is not None:
        grouped.setdefault(factor, [])
    order = sorted(grouped, key=lambda code: (code not in registered, code))
    series = []
    for code in order:
        found = registered.get(code)
        points = grouped[code]
        series.append(
            FactorSeries(
                factor=code,
                unit=found.unit if found else None,
                hourly_limit=found.hourly_limit if found else None,
                daily_limit=found.daily_limit if found else None,
                times=[p[1] for p in points],
                values=[p[2] for p in points],
                zs=[p[3] for p in points],
                flags=[p[4] for p in points],
            )
        )
    return OutletSeries(outlet_id=outlet_id, cn=int(cn), start=start, end=end, series=series)
