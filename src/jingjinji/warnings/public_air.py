"""The public air page (``/air/public``), like CNEMC's: the region's cities ranked by the AQI of
the latest hour with enough data, the health advice of each level (HJ 633), and each city's
public outlook (the stored forecasts of its latest issue day).

The page combines the air domain's ranking (read through :mod:`jingjinji.warnings.flows`) with
this domain's stored forecasts, so it belongs here: air sits below warnings in ``DOMAINS``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from jingjinji.warnings.flows import advice_table, hourly_ranking, latest_hour, level_of
from jingjinji.warnings.forecast_store import public_forecasts

#: Up to this many cities the page shows one ranking; beyond, the best and the worst ten.
WHOLE_RANKING = 20
BEST_WORST = 10


#: How the page writes the pollutants of the AQI report (codes like ``pm2_5_24h``, ``o3_8h``).
POLLUTANT_NAMES = {"pm2_5": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO"}
AVERAGES = {"1h": "1 h", "8h": "8 h", "24h": "24 h"}


def pollutants_shown(codes: str | None) -> str | None:
    """``"pm2_5_24h;o3_8h"`` -> ``"PM2.5 (24 h), O3 (8 h)"``; None when there is none."""
    if not codes:
        return None
    shown = []
    for code in codes.split(";"):
        base, _, average = code.rpartition("_")
        if average not in AVERAGES:
            base, average = code, ""
        name = POLLUTANT_NAMES.get(base, base.upper())
        shown.append(f"{name} ({AVERAGES[average]})" if average else name)
    return ", ".join(shown)


@dataclass(frozen=True)
class Badge:
    """An AQI level as the page shows it: its category in the reader's language and colours."""

    level: int
    category: str
    colour: str
    text_colour: str


def _badge(level: int, category_zh: str, category_en: str, colour: str, lang: str) -> Badge:
    return Badge(
        level=level,
        category=category_zh if lang == "zh_CN" else category_en,
        colour=colour,
        # white on red, purple and maroon; black on green, yellow, orange and grey
        text_colour="#fff" if level >= 4 else "#000",
    )


@dataclass(frozen=True)
class CityRow:
    rank: int
    city_code: str
    name: str
    aqi: int | None
    badge: Badge
    primary_pollutants: str | None
    pm2_5: float | None
    stations: int
    measures: str


@dataclass(frozen=True)
class LevelRow:
    badge: Badge
    roman: str
    aqi_min: int
    aqi_max: int | None
    effects: str
    measures: str


@dataclass(frozen=True)
class ForecastDay:
    target_date: dt.date
    aqi_low: int
    aqi_high: int
    badge: Badge
    low: Badge
    high: Badge


@dataclass(frozen=True)
class CityOutlook:
    city_code: str
    name: str
    issue_date: dt.date | None
    days: list[ForecastDay]


@dataclass(frozen=True)
class PublicAirPage:
    hour: dt.datetime | None
    standard: str | None
    #: one ranking (<= WHOLE_RANKING cities) or the best ten; ``worst`` then the worst ten
    best: list[CityRow]
    worst: list[CityRow]
    levels: list[LevelRow]
    outlooks: list[CityOutlook]
    #: when an hour asked for has no data: the default hour, for a link to it
    latest_hour: dt.datetime | None


def _forecast_day(row_date: dt.date, p10: float, p50: float, p90: float, lang: str) -> ForecastDay:
    def badge(aqi: float) -> Badge:
        level = level_of(aqi)
        return _badge(level.level, level.category_zh, level.category_en, level.colour, lang)

    return ForecastDay(
        target_date=row_date,
        aqi_low=round(p10),
        aqi_high=round(p90),
        badge=badge(p50),
        low=badge(p10),
        high=badge(p90),
    )


def public_air_page(
    session: Session,
    *,
    lang: str,
    hour: dt.datetime | None = None,
    standard: str | None = None,
) -> PublicAirPage:
    """Everything the public air page shows, in ``lang`` (anyone may read it)."""
    ranking = hourly_ranking(session, hour=hour, standard=standard)
    rows = [
        CityRow(
            rank=item.rank,
            city_code=item.city_code,
            name=item.name_zh if lang == "zh_CN" else item.name_en,
            aqi=item.aqi,
            badge=_badge(item.level, item.category_zh, item.category_en, item.colour, lang),
            primary_pollutants=pollutants_shown(item.primary_pollutants),
            pm2_5=item.pm2_5,
            stations=item.stations,
            measures=(
                (item.advice.measures_zh if lang == "zh_CN" else item.advice.measures_en)
                if item.advice is not None
                else ""
            ),
        )
        for item in ranking.items
    ]
    levels = [
        LevelRow(
            badge=_badge(lv.level, lv.category_zh, lv.category_en, lv.colour, lang),
            roman=lv.roman,
            aqi_min=lv.aqi_min,
            aqi_max=lv.aqi_max,
            effects=lv.advice.effects_zh if lang == "zh_CN" else lv.advice.effects_en,
            measures=lv.advice.measures_zh if lang == "zh_CN" else lv.advice.measures_en,
        )
        for lv in advice_table()
    ]
    stored = public_forecasts(session, city_codes=[r.city_code for r in rows])
    outlooks = []
    for row in rows:
        forecasts = stored.get(row.city_code, [])
        outlooks.append(
            CityOutlook(
                city_code=row.city_code,
                name=row.name,
                issue_date=forecasts[0].issue_date if forecasts else None,
                days=[
                    _forecast_day(f.target_date, f.aqi_p10, f.aqi_p50, f.aqi_p90, lang)
                    for f in forecasts
                ],
            )
        )
    whole = len(rows) <= WHOLE_RANKING
    return PublicAirPage(
        hour=ranking.hour,
        standard=ranking.standard,
        best=rows if whole else rows[:BEST_WORST],
        worst=[] if whole else rows[-BEST_WORST:],
        levels=levels,
        outlooks=sorted(outlooks, key=lambda o: o.city_code),
        latest_hour=latest_hour(session) if hour is not None and not rows else None,
    )
