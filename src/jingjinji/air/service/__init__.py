"""Air-quality service: station registry, daily statistics, AQI series, rankings, compliance.

Times: observations are stored by the UTC beginning of their hour. Days are local dates in China
Standard Time (UTC+8, no daylight saving), as GB 3095 and HJ 633 count them: the day 2015-12-01
covers the hours beginning 2015-12-01 00:00 to 23:00 CST, i.e. 2015-11-30 16:00 to 2015-12-01
15:00 UTC.

AQI arithmetic, GB 3095 validity and compliance come from :mod:`jingjinji.air.kernels`; this
package only selects data, aggregates cities and calls the kernels. By topic:

- ``stations``: the station registry, its lookups and who writes a station's data;
- ``periods``: local days, standards and the checks of dates, years and standards;
- ``frames``: hourly observations read into frames, and the AQI of a frame;
- ``daily_cache``: the GB 3095 daily statistics cached per station and date;
- ``daily`` and ``hourly``: station and city series, each station's latest hour;
- ``ranges``: the default period of a request; ``series``: the series the API serves;
- ``ranking`` and ``compliance``: cities of a day, and the annual GB 3095 assessment;
- ``hourly_ranking``: cities of an hour (the public air page's real-time ranking).

Other modules and domains import this package (``from jingjinji.air import service``) and call
``service.<name>``; every name below stays importable from here.
"""

from jingjinji.air.kernels import COMPLIANCE_STANDARDS, STANDARDS
from jingjinji.air.schemas import HourlyRankingOut, LevelAdviceOut, LevelOut
from jingjinji.air.service.compliance import compliance_report
from jingjinji.air.service.daily import (
    CITY_DAILY_WEATHER,
    DAILY_COLUMNS,
    MIN_VALID_STATION_SHARE,
    DataDays,
    city_aqi_days,
    city_daily_frame,
    city_summaries,
    data_days,
    date_span,
    has_data_between,
    latest_day,
    station_daily_frame,
)
from jingjinji.air.service.daily_cache import recompute_all, recompute_daily
from jingjinji.air.service.frames import AQI_INPUTS, observations_frame, with_aqi
from jingjinji.air.service.hourly import (
    LOOKBACK,
    LatestValue,
    city_hourly_frame,
    hourly_aqi,
    latest,
    latest_in_area,
    station_hourly_frame,
)
from jingjinji.air.service.hourly_ranking import (
    HourRanking,
    advice_out,
    advice_table,
    hourly_ranking,
    hourly_ranking_out,
    latest_hour,
    level_out,
)
from jingjinji.air.service.periods import (
    MAX_DATE,
    MIN_DATE,
    check_date_bounds,
    check_range,
    check_standard,
    check_year,
    local_day_bounds_utc,
    local_naive,
    utc_from_local_naive,
)
from jingjinji.air.service.ranges import (
    MAX_DAILY_DAYS,
    MAX_HOURLY_DAYS,
    PagePeriod,
    compliance_years,
    page_period,
    resolve_range,
)
from jingjinji.air.service.ranking import DayRanking, ranking, ranking_of_day
from jingjinji.air.service.series import Kind, Scope, Series, scope_codes, series, series_frame
from jingjinji.air.service.stations import (
    ATTRIBUTION,
    CITY_CODES,
    STATION_FILE,
    STATION_SOURCE,
    check_area,
    check_city,
    cities_with_data,
    ensure_can_write_station,
    get_station,
    list_stations,
    load_stations,
    parse_bbox,
    station_codes_of_city,
    station_counts_by_city,
    station_definitions,
    station_page,
    stations_for_upload,
    uci_station_codes,
)

__all__ = [
    "AQI_INPUTS",
    "ATTRIBUTION",
    "CITY_CODES",
    "CITY_DAILY_WEATHER",
    "COMPLIANCE_STANDARDS",
    "DAILY_COLUMNS",
    "LOOKBACK",
    "MAX_DAILY_DAYS",
    "MAX_DATE",
    "MAX_HOURLY_DAYS",
    "MIN_DATE",
    "MIN_VALID_STATION_SHARE",
    "STANDARDS",
    "STATION_FILE",
    "STATION_SOURCE",
    "DataDays",
    "DayRanking",
    "HourRanking",
    "HourlyRankingOut",
    "Kind",
    "LatestValue",
    "LevelAdviceOut",
    "LevelOut",
    "PagePeriod",
    "Scope",
    "Series",
    "advice_out",
    "advice_table",
    "check_area",
    "check_city",
    "check_date_bounds",
    "check_range",
    "check_standard",
    "check_year",
    "cities_with_data",
    "city_aqi_days",
    "city_daily_frame",
    "city_hourly_frame",
    "city_summaries",
    "compliance_report",
    "compliance_years",
    "data_days",
    "date_span",
    "ensure_can_write_station",
    "get_station",
    "has_data_between",
    "hourly_aqi",
    "hourly_ranking",
    "hourly_ranking_out",
    "latest",
    "latest_day",
    "latest_hour",
    "latest_in_area",
    "level_out",
    "list_stations",
    "load_stations",
    "local_day_bounds_utc",
    "local_naive",
    "observations_frame",
    "page_period",
    "parse_bbox",
    "ranking",
    "ranking_of_day",
    "recompute_all",
    "recompute_daily",
    "resolve_range",
    "scope_codes",
    "series",
    "series_frame",
    "station_codes_of_city",
    "station_counts_by_city",
    "station_daily_frame",
    "station_definitions",
    "station_hourly_frame",
    "station_page",
    "stations_for_upload",
    "uci_station_codes",
    "utc_from_local_naive",
    "with_aqi",
]
