"""Work that spans domains: the warnings domain reads the air domain's data here, and only
here, through ``jingjinji.air.service`` (air sits below warnings in ``DOMAINS``).

It holds the daily city series the forecasts learn from, the cities' map positions, the place
names of the pages, the hourly ranking and HJ 633 advice of the public air page, and the replay
of past episodes against a criteria set."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy.orm import Session

from jingjinji.air import service as air
from jingjinji.errors import InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.warnings import forecast as fc
from jingjinji.warnings import kernels, shipped
from jingjinji.warnings.criteria import criteria_codes_on, get_criteria
from jingjinji.warnings.forecast import timing

FloatArray = npt.NDArray[np.float64]

# ------------------------------------------------------------------------------------ cities


def cities_with_data(session: Session) -> list[str]:
    return air.cities_with_data(session)


def city_daily(
    session: Session, *, city_code: str, start: dt.date | None = None, end: dt.date | None = None
) -> pl.DataFrame:
    """The city's daily values start..end (default: every day with data)."""
    if start is None or end is None:
        span = air.date_span(
            session, station_codes=air.station_codes_of_city(session, city_code=city_code)
        )
        if span is None:
            raise NotFound(msg("no air-quality data for city {city_code}", city_code=city_code))
        start = start or span[0]
        end = end or span[1]
    return air.city_daily_frame(session, city_code=city_code, start=start, end=end)


def city_aqi(
    session: Session, *, city_code: str, start: dt.date | None = None, end: dt.date | None = None
) -> pl.DataFrame:
    """The city's ``date`` and daily ``aqi`` start..end (default: every day with data; empty
    when its stations have none), without the rest of :func:`city_daily`'s columns."""
    return air.city_aqi_days(session, city_code=city_code, start=start, end=end)


def city_grid(session: Session, *, city_code: str, end: dt.date | None = None) -> fc.DailyGrid:
    frame = city_daily(session, city_code=city_code, end=end)
    if end is not None:
        frame = frame.filter(pl.col("date") <= end)
    try:
        return fc.grid_from_frame(frame)
    except fc.ForecastError as exc:
        raise NotFound(msg("city {city_code}: {exc}", city_code=city_code, exc=exc.reason)) from exc


CHINA_TIME = dt.timedelta(hours=8)


def _daily_aqi(arrays: Mapping[str, FloatArray], days: list[dt.date]) -> FloatArray:
    """Daily-report AQI of concentration arrays by the standard in force on each day (the air
    domain's kernels)."""
    if not days:
        return np.empty(0)
    frame = pl.DataFrame({name: np.asarray(v, dtype=np.float64) for name, v in arrays.items()})
    frame = frame.fill_nan(None).with_columns(pl.Series("date", days, dtype=pl.Date))
    out = air.with_aqi(frame, report="daily", standard=None)["aqi"]
    return out.cast(pl.Float64).fill_null(np.nan).to_numpy()


def city_hourly_grid(
    session: Session, *, city_code: str, start: dt.date, days: int
) -> timing.HourlyGrid:
    """The city's hourly means over its stations (China time), ``days`` days from ``start``;
    wind as u/v components averaged over the stations."""
    codes = air.station_codes_of_city(session, city_code=city_code)
    lo = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC) - CHINA_TIME
    hi = lo + dt.timedelta(days=days)
    frame = air.observations_frame(session, station_codes=codes, start_utc=lo, end_utc=hi)
    columns = {name: np.full(days * 24, np.nan) for name in timing.HOURLY_COLUMNS}
    if not frame.is_empty():
        speed = frame["wspm"].cast(pl.Float64).fill_null(np.nan).to_numpy()
        u, v = timing.wind_components(frame["wd"].to_list(), speed)
        frame = frame.with_columns(
            pl.Series("wind_u", u).fill_nan(None), pl.Series("wind_v", v).fill_nan(None)
        )
        city = frame.group_by("ts").agg(
            *(pl.col(c).cast(pl.Float64).mean() for c in timing.HOURLY_COLUMNS)
        )
        ts = city["ts"].dt.replace_time_zone(None).to_list()
        base = lo.replace(tzinfo=None)
        index = np.array([int((t - base).total_seconds() // 3600) for t in ts], dtype=np.int64)
        ok = (index >= 0) & (index < days * 24)
        for name in timing.HOURLY_COLUMNS:
            values = city[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
            columns[name][index[ok]] = values[ok]
    return timing.HourlyGrid(
        start=start, columns={k: v.reshape(days, 24) for k, v in columns.items()}
    )


def city_data(session: Session, *, city_code: str, end: dt.date | None = None) -> timing.CityData:
    """The daily grid, the hourly grid on the same days and the AQI function of a city."""
    return city_data_of(session, city_code, city_grid(session, city_code=city_code, end=end))


def city_data_of(session: Session, city_code: str, daily: fc.DailyGrid) -> timing.CityData:
    """A city's daily grid with its hourly grid on the same days."""
    hourly = city_hourly_grid(session, city_code=city_code, start=daily.start, days=daily.size)
    return timing.CityData(daily=daily, hourly=hourly, daily_aqi=_daily_aqi)


@dataclass(frozen=True)
class CityPoint:
    code: str
    name_en: str
    name_zh: str
    lon: float
    lat: float
    source: str


def city_points(session: Session) -> dict[str, CityPoint]:
    """Map positions: mean station coordinates from the air registry, else the shipped table."""
    table = json.loads(shipped.data_text("cities.json"))
    out: dict[str, CityPoint] = {}
    try:
        stations = list(air.list_stations(session))
    except Exception:  # the air registry may be empty or not migrated in a bare database
        stations = []
    by_city: dict[str, list[tuple[float, float]]] = {}
    for st in stations:
        by_city.setdefault(st.city_code, []).append((st.longitude, st.latitude))
    for city in table["cities"]:
        coords = by_city.get(city["code"])
        if coords:
            lon = float(np.mean([c[0] for c in coords]))
            lat = float(np.mean([c[1] for c in coords]))
            source = "air stations"
        else:
            lon, lat, source = city["lon"], city["lat"], "shipped table"
        out[city["code"]] = CityPoint(
            city["code"], city["name_en"], city["name_zh"], round(lon, 4), round(lat, 4), source
        )
    return out


def place_names(session: Session, *, lang: str) -> dict[str, str]:
    """The names of the cities and the provincial-level jurisdictions in ``lang``."""
    out: dict[str, str] = {}
    for point in city_points(session).values():
        out[point.code] = point.name_zh if lang == "zh_CN" else point.name_en
    for j in regions.provinces(session):
        out[j.code] = regions.name(j, lang)
    return out


# ------------------------------------------------------------------------------ public page


def hourly_ranking(
    session: Session, *, hour: dt.datetime | None, standard: str | None
) -> air.HourlyRankingOut:
    """The air domain's hourly city ranking (names, levels, health advice)."""
    return air.hourly_ranking_out(session, hour=hour, standard=standard)


def latest_hour(session: Session) -> dt.datetime | None:
    """The default hour of the air domain's hourly ranking (None without data)."""
    return air.latest_hour(session)


def advice_table() -> list[air.LevelAdviceOut]:
    """HJ 633's six levels with their health effects and recommended measures."""
    return air.advice_table()


def level_of(aqi: float | None) -> air.LevelOut:
    """The HJ 633 level, category and colour of an AQI value (0: none)."""
    return air.level_out(aqi)


# ------------------------------------------------------------------------------------ replay


#: ``criteria_code`` of :func:`replay` meaning: each episode under the set in force then.
IN_FORCE = "in-force"


@dataclass
class Replay:
    episodes: list[kernels.Episode]
    #: the set applied (with ``in-force``: the one in force on the first day)
    criteria: kernels.Criteria
    basis: str
    notes: list[str]
    #: per episode (same order): "code@version" of the set it was judged by
    applied: list[str] = field(default_factory=list)
    in_force: bool = False


def forecast_series_by_expanding_training(
    grid: fc.DailyGrid,
    *,
    start: dt.date,
    end: dt.date,
    horizon: int,
    city_code: str,
    quantile: float = 0.5,
) -> tuple[list[dt.date], list[float], list[str]]:
    """The ``horizon``-day-ahead forecast (``quantile``, default the median) of each target day
    in start..end, as the model would have issued it: one model per calendar year, trained on
    every day before 1 January of that year (expanding window). Years without enough earlier
    data are skipped."""
    dates: list[dt.date] = []
    values: list[float] = []
    notes: list[str] = []
    for year in range(start.year, end.year + 1):
        cutoff = dt.date(year - 1, 12, 31)
        lo = max(start, dt.date(year, 1, 1))
        hi = min(end, dt.date(year, 12, 31))
        try:
            model = fc.train(grid, cutoff=cutoff, city_code=city_code)
        except fc.ForecastError as exc:
            notes.append(f"{year}: no forecasts ({exc})")
            continue
        targets = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
        issues = [t - dt.timedelta(days=horizon) for t in targets]
        idx = [grid.index_of(d) for d in issues if 0 <= grid.index_of(d) < grid.size]
        valid = [d for d in issues if 0 <= grid.index_of(d) < grid.size]
        if not idx:
            continue
        pred = model.predict(grid, idx)[horizon]
        for issue, value in zip(valid, pred.aqi[quantile], strict=True):
            if np.isnan(grid.columns["aqi"][grid.index_of(issue)]):
                continue  # no forecast is issued on a day without data
            dates.append(issue + dt.timedelta(days=horizon))
            values.append(float(value))
        notes.append(f"{year}: model trained on data up to {cutoff}")
    return dates, values, notes


def replay(
    session: Session,
    *,
    city_code: str,
    start: dt.date,
    end: dt.date,
    criteria_code: str,
    use_forecast: bool = False,
    horizon: int = 1,
    quantile: float = 0.5,
) -> Replay:
    """The episodes a criteria set finds in a city's observed (or forecast) daily AQI.

    ``criteria_code`` ``in-force`` (:data:`IN_FORCE`) judges each episode by the set the
    city's jurisdiction (or its province) had adopted on the episode's start date
    (``warning_criteria_adoptions``): every set in force during the window is run over the whole
    series, and an episode is kept under the set in force on its first day."""
    in_force = criteria_code == IN_FORCE
    in_force_on: dict[dt.date, str] = {}
    if in_force:
        days = [start + dt.timedelta(days=i) for i in range(max((end - start).days, 0) + 1)]
        in_force_on = criteria_codes_on(session, jurisdiction_code=city_code, days=days)
        criteria = get_criteria(session, code=in_force_on[start])
    else:
        criteria = get_criteria(session, code=criteria_code)
    if quantile not in fc.QUANTILES:
        raise InvalidInput(
            msg("quantile must be one of {quantiles}", quantiles=list(fc.QUANTILES)),
            errors=[
                field_error(["quantile"], msg("one of {quantiles}", quantiles=list(fc.QUANTILES)))
            ],
        )
    if end < start:
        raise InvalidInput(
            msg("the replay ends before it starts"),
            errors=[field_error(["to"], msg("before --from"))],
        )
    if use_forecast:
        grid = city_grid(session, city_code=city_code, end=end)
        dates, values, notes = forecast_series_by_expanding_training(
            grid, start=start, end=end, horizon=horizon, city_code=city_code, quantile=quantile
        )
        basis = f"forecast (+{horizon} day, quantile {quantile:g})"
    else:
        frame = city_daily(session, city_code=city_code, start=start, end=end)
        dates, values = (
            frame["date"].to_list(),
            [float("nan") if v is None else float(v) for v in frame["aqi"].to_list()],
        )
        notes = []
        basis = "observed"
    if not in_force:
        episodes = kernels.find_episodes(dates, values, criteria) if dates else []
        applied = [f"{criteria.code}@{criteria.version}"] * len(episodes)
        return Replay(episodes, criteria, basis, notes, applied)
    judged: list[tuple[kernels.Episode, str]] = []
    for code in dict.fromkeys(in_force_on.values()):
        crit = get_criteria(session, code=code)
        for ep in kernels.find_episodes(dates, values, crit) if dates else []:
            if in_force_on.get(ep.start, in_force_on[start]) == code:
                judged.append((ep, f"{crit.code}@{crit.version}"))
    judged.sort(key=lambda pair: (pair[0].start, pair[0].end))
    return Replay(
        [ep for ep, _ in judged], criteria, basis, notes, [a for _, a in judged], in_force=True
    )
