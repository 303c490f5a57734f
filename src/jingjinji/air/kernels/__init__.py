"""Pure numeric kernels for air quality: AQI (HJ 633-2012 / HJ 633-2026) and GB 3095 statistics.

Everything here is vectorised (numpy / polars) and free of I/O and database access. The rules
implemented, and every convention chosen where the standards leave room, are described in
``docs/aqi.md``; the reference is the project's fact sheet (``shared/reference/standards.md``).

Conventions in brief:

* Concentrations in ug/m3, CO in mg/m3. NaN (or null) means missing; negative and non-finite
  values are treated as missing as well.
* IAQI = piecewise-linear interpolation on continuous segments, then ceiling. Values within
  1e-9 of an integer count as that integer before the ceiling, so float noise
  (``50.000000000001``) never lifts an IAQI into the next integer or level.
* HJ 633-2026 daily reports round concentrations half-up (away from zero) to integers, CO to one
  decimal, before the IAQI; HJ 633-2012 uses the values as given.
* Missing data: 2012 -> AQI is the maximum over the available IAQIs (NaN when none);
  2026 -> AQI only when the available IAQIs already give AQI > 100, else NaN.

The package by topic: ``standards`` (names, the switch date), ``breakpoints`` (HJ 633 tables),
``iaqi`` (one indicator), ``levels``, ``advice`` (health effects and measures per level),
``hj633`` (the AQI report), ``averages`` (GB 3095 data validity: daily means, moving averages),
``gb3095`` (limits and compliance) and ``period_means`` (monthly and annual means with GB 3095's
day counts).
"""

from jingjinji.air.kernels.advice import (
    HEALTH_ADVICE,
    HealthAdvice,
    advice_for,
    advice_for_level,
)
from jingjinji.air.kernels.averages import (
    HOURLY_POLLUTANTS,
    MEAN_24H_POLLUTANTS,
    MIN_HOURS_8H,
    MIN_HOURS_24H,
    daily_means,
    moving_average,
    moving_average_8h,
    moving_average_24h,
)
from jingjinji.air.kernels.breakpoints import (
    AUXILIARY,
    IAQI_POINTS,
    INDICATORS,
    KNOWN_KEYS,
    ROUND_DECIMALS_2026,
    TABLES,
    TRUNCATED_TABLES,
    accepted_keys,
    indicators,
)
from jingjinji.air.kernels.gb3095 import (
    DAILY_LIMIT_COLUMNS,
    LIMITS,
    MIN_DAYS_FEBRUARY,
    MIN_DAYS_MONTH,
    MIN_DAYS_YEAR,
    PERCENTILES,
    IndicatorResult,
    PercentileMethod,
    YearCompliance,
    compliance,
    compliance_table,
)
from jingjinji.air.kernels.hj633 import AqiResult, compute_aqi, compute_aqi_by_date
from jingjinji.air.kernels.iaqi import (
    LOOKUP_DECIMALS,
    LOOKUP_MAX_ENTRIES,
    iaqi_from_table,
    round_half_up,
)
from jingjinji.air.kernels.levels import (
    LEVELS,
    AqiLevel,
    category_en,
    category_zh,
    colour_hex,
    level_of,
)
from jingjinji.air.kernels.period_means import MEAN_COLUMNS, period_means
from jingjinji.air.kernels.standards import (
    COMPLIANCE_STANDARDS,
    REPORTS,
    STANDARDS,
    SWITCH_DATE,
    ArrayLike,
    ComplianceStandard,
    FloatArray,
    Report,
    Standard,
    standard_for,
    standards_for,
)

__all__ = [
    "AUXILIARY",
    "COMPLIANCE_STANDARDS",
    "DAILY_LIMIT_COLUMNS",
    "HEALTH_ADVICE",
    "HOURLY_POLLUTANTS",
    "IAQI_POINTS",
    "INDICATORS",
    "KNOWN_KEYS",
    "LEVELS",
    "LIMITS",
    "LOOKUP_DECIMALS",
    "LOOKUP_MAX_ENTRIES",
    "MEAN_24H_POLLUTANTS",
    "MEAN_COLUMNS",
    "MIN_DAYS_FEBRUARY",
    "MIN_DAYS_MONTH",
    "MIN_DAYS_YEAR",
    "MIN_HOURS_8H",
    "MIN_HOURS_24H",
    "PERCENTILES",
    "REPORTS",
    "ROUND_DECIMALS_2026",
    "STANDARDS",
    "SWITCH_DATE",
    "TABLES",
    "TRUNCATED_TABLES",
    "AqiLevel",
    "AqiResult",
    "ArrayLike",
    "ComplianceStandard",
    "FloatArray",
    "HealthAdvice",
    "IndicatorResult",
    "PercentileMethod",
    "Report",
    "Standard",
    "YearCompliance",
    "accepted_keys",
    "advice_for",
    "advice_for_level",
    "category_en",
    "category_zh",
    "colour_hex",
    "compliance",
    "compliance_table",
    "compute_aqi",
    "compute_aqi_by_date",
    "daily_means",
    "iaqi_from_table",
    "indicators",
    "level_of",
    "moving_average",
    "moving_average_8h",
    "moving_average_24h",
    "period_means",
    "round_half_up",
    "standard_for",
    "standards_for",
]
