"""Cities of one hour ranked by their hourly AQI (the real-time report), best first: the
public air page's ranking, like the hourly city ranking CNEMC publishes.

The default hour follows the rule of the default day (:data:`MIN_VALID_STATION_SHARE`): the
latest hour at which at least half of the stations that report at all have a PM2.5 value, so
a few station-hours uploaded for a later hour do not move the ranking to an hour without AQI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.air import kernels
from jingjinji.air.formats import level_info
from jingjinji.air.models import NUMERIC, Observation, StationDaily
from jingjinji.air.schemas import (
    HealthAdviceOut,
    HourlyRankingItem,
    HourlyRankingOut,
    LevelAdviceOut,
    LevelOut,
)
from jingjinji.air.service.daily import MIN_VALID_STATION_SHARE, data_days
from jingjinji.air.service.frames import observations_frame
from jingjinji.air.service.hourly import LOOKBACK, hourly_aqi
from jingjinji.air.service.periods import (
    MAX_DATE,
    MIN_DATE,
    check_standard,
    local_day_bounds_utc,
)
from jingjinji.air.service.stations import list_stations
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions

HOUR = dt.timedelta(hours=1)
#: The columns of a ranking, in order (concentrations: the city means of the hour, ug/m3,
#: CO mg/m3; ``o3`` the 1-hour value).
RANKING_COLUMNS: tuple[str, ...] = (
    "rank",
    "city_code",
    "ts",
    "aqi",
    "level",
    "primary_pollutants",
    "pm2_5",
    "pm10",
    "so2",
    "no2",
    "co",
    "o3",
    "stations",
)
_SCHEMA: dict[str, pl.DataType] = {
    "rank": pl.Int64(),
    "city_code": pl.Utf8(),
    "ts": pl.Datetime("us", "UTC"),
    "aqi": pl.Int64(),
    "level": pl.Int8(),
    "primary_pollutants": pl.Utf8(),
    **{c: pl.Float64() for c in ("pm2_5", "pm10", "so2", "no2", "co", "o3")},
    "stations": pl.Int64(),
}


@dataclass(frozen=True)
class HourRanking:
    """The ranking of one hour (``hour`` None: no observations at all); ``hour`` is the UTC
    beginning of the hour."""

    hour: dt.datetime | None
    standard: str | None
    frame: pl.DataFrame


def latest_hour(session: Session) -> dt.datetime | None:
    """The default hour of the hourly ranking: the latest hour, from the region's last complete
    day on, at which at least half the stations that report at all (any cached day) have a
    PM2.5 value; else the latest hour with any observation in that span; None without data.

    One statement on the daily cache (:func:`data_days`) and one or two range scans of the
    observations' ``ts`` index over the few days from the last complete day to the last day."""
    days = data_days(session)
    if days is None:
        return None
    lo, hi = local_day_bounds_utc(days.default_end, days.last)
    obs = Observation.__table__
    daily = StationDaily.__table__
    reporting = select(func.count(func.distinct(daily.c.station_code))).scalar_subquery()
    in_span = (obs.c.ts >= lo, obs.c.ts < hi)
    enough = (
        select(obs.c.ts)
        .where(*in_span)
        .group_by(obs.c.ts)
        .having(func.count(obs.c.pm2_5) >= reporting * MIN_VALID_STATION_SHARE)
        .order_by(obs.c.ts.desc())
        .limit(1)
    )
    found: dt.datetime | None = session.scalar(enough)
    if found is None:
        found = session.scalar(select(func.max(obs.c.ts)).where(*in_span))
    return found


def check_hour(hour: dt.datetime | None) -> dt.datetime | None:
    """An hour asked for: aware, on the hour, within MIN_DATE..MAX_DATE (UTC), or a 422 naming
    ``query.hour``."""
    if hour is None:
        return None
    reason = None
    if hour.tzinfo is None:
        reason = msg("needs a UTC offset, e.g. 2016-12-20T08:00+08:00")
    elif not MIN_DATE <= hour.astimezone(dt.UTC).date() <= MAX_DATE:
        reason = msg(
            "must lie between {min_date} and {max_date}", min_date=MIN_DATE, max_date=MAX_DATE
        )
    elif (hour.minute, hour.second, hour.microsecond) != (0, 0, 0):
        reason = msg("must be the beginning of an hour")
    if reason is not None:
        raise InvalidInput(
            msg("hour {hour}: {reason}", hour=hour.isoformat(), reason=reason),
            errors=[field_error(["query", "hour"], reason, input=hour.isoformat())],
        )
    return hour.astimezone(dt.UTC)


def hourly_ranking(
    session: Session, *, hour: dt.datetime | None = None, standard: str | None = None
) -> HourRanking:
    """Cities of ``hour`` (default :func:`latest_hour`) by hourly AQI, lowest first, cities
    without an AQI that hour last (then by code); only cities with an observation that hour.

    A city's hour is the mean over its stations of their values of that hour; the moving
    averages of the hourly report (O3 8 h, PM 24 h for HJ 633-2012) run over the city means
    of the 23 hours before, as on the city pages. One read of every station's observations of
    those 24 hours. 422 for a bad hour or standard."""
    standard = check_standard(standard)
    hour = check_hour(hour) or latest_hour(session)
    if hour is None:
        return HourRanking(None, standard, pl.DataFrame(schema=_SCHEMA))
    stations = list_stations(session)
    city_of = pl.DataFrame(
        [(s.code, s.city_code) for s in stations],
        schema={"station_code": pl.Utf8, "city_code": pl.Utf8},
        orient="row",
    )
    frame = observations_frame(
        session,
        station_codes=[s.code for s in stations],
        start_utc=hour - LOOKBACK,
        end_utc=hour + HOUR,
    )
    if frame.is_empty():
        return HourRanking(hour, standard, pl.DataFrame(schema=_SCHEMA))
    city = (
        frame.join(city_of, on="station_code")
        .group_by("city_code", "ts")
        .agg(
            *(pl.col(c).mean() for c in NUMERIC),
            pl.col("pm2_5").is_not_null().sum().cast(pl.Int64).alias("stations"),
        )
    )
    ranked = (
        hourly_aqi(city, standard=standard, group_cols=["city_code"])
        .filter(pl.col("ts") == hour)
        .sort(pl.col("aqi").is_null(), "aqi", "city_code")
    )
    ranked = ranked.with_columns(
        pl.int_range(1, ranked.height + 1, dtype=pl.Int64).alias("rank"),
        pl.col("o3_1h").alias("o3"),
    )
    return HourRanking(hour, standard, ranked.select(RANKING_COLUMNS).cast(_SCHEMA))  # type: ignore[arg-type]


def advice_out(level: int) -> HealthAdviceOut | None:
    """The HJ 633 advice of a level 1..6 as the API shows it; None for level 0 (no AQI)."""
    found = kernels.advice_for_level(level)
    if found is None:
        return None
    return HealthAdviceOut(
        level=found.level,
        effects_zh=found.effects_zh,
        effects_en=found.effects_en,
        measures_zh=found.measures_zh,
        measures_en=found.measures_en,
    )


def level_out(aqi: float | None) -> LevelOut:
    """The HJ 633 level of an AQI value (a forecast's median, say): 0 for a missing one."""
    advice = kernels.advice_for(aqi)
    level = advice.level if advice is not None else 0
    return LevelOut(level=level, **level_info(level))


def advice_table() -> list[LevelAdviceOut]:
    """HJ 633's six levels with their bounds, categories, colours and health advice."""
    out = []
    for number, level in kernels.LEVELS.items():
        advice = advice_out(number)
        assert advice is not None
        out.append(
            LevelAdviceOut(
                level=number,
                **level_info(number),
                roman=level.roman,
                aqi_min=level.aqi_min,
                aqi_max=level.aqi_max,
                advice=advice,
            )
        )
    return out


def hourly_ranking_out(
    session: Session, *, hour: dt.datetime | None = None, standard: str | None = None
) -> HourlyRankingOut:
    """:func:`hourly_ranking` with the cities' names, level labels and colours and the health
    advice of each city's level (one more statement: the cities' jurisdictions)."""
    ranking = hourly_ranking(session, hour=hour, standard=standard)
    rows = list(ranking.frame.iter_rows(named=True))
    places = regions.jurisdictions_by_code(session, codes=[r["city_code"] for r in rows])
    items = []
    for row in rows:
        level = int(row["level"])
        place = places.get(row["city_code"])
        items.append(
            HourlyRankingItem(
                **row,
                name_zh=place.name_zh if place else row["city_code"],
                name_en=place.name_en if place else row["city_code"],
                **level_info(level),
                advice=advice_out(level),
            )
        )
    return HourlyRankingOut(hour=ranking.hour, standard=ranking.standard, items=items)
