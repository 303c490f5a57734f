"""HJ 633 breakpoint tables and the indicators each standard and report assesses."""

from __future__ import annotations

from jingjinji.air.kernels.standards import Report, Standard, check_report, check_standard

#: IAQI values at the breakpoints, shared by all tables (a table may stop early).
IAQI_POINTS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)

#: Concentration breakpoints at IAQI 0/50/100/150/200/300/400/500 (ug/m3; CO mg/m3).
TABLES: dict[str, tuple[float, ...]] = {
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "pm10_24h_2012": (0, 50, 150, 250, 350, 420, 500, 600),
    "pm10_24h_2026": (0, 50, 120, 250, 350, 420, 500, 600),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm2_5_24h_2012": (0, 35, 75, 115, 150, 250, 350, 500),
    "pm2_5_24h_2026": (0, 35, 60, 115, 150, 250, 350, 500),
}

#: Tables that stop below IAQI 500: above their last breakpoint a special rule applies
#: (SO2 1h > 800: 2012 -> SO2 24h IAQI, 2026 -> 200; O3 8h > 800: 2012 -> O3 1h IAQI, 2026 -> 300).
TRUNCATED_TABLES = frozenset({"so2_1h", "o3_8h"})

#: Indicator column -> breakpoint table, per standard and report. Column keys are the CLI names.
INDICATORS: dict[tuple[Standard, Report], dict[str, str]] = {
    ("hj633-2012", "daily"): {
        "pm2_5": "pm2_5_24h_2012",
        "pm10": "pm10_24h_2012",
        "so2": "so2_24h",
        "no2": "no2_24h",
        "co": "co_24h",
        "o3_1h": "o3_1h",
        "o3_8h": "o3_8h",
    },
    ("hj633-2026", "daily"): {
        "pm2_5": "pm2_5_24h_2026",
        "pm10": "pm10_24h_2026",
        "so2": "so2_24h",
        "no2": "no2_24h",
        "co": "co_24h",
        "o3_8h": "o3_8h",
    },
    # HJ 633-2012 real-time report: 1h SO2/NO2/CO/O3, O3 8h moving average and the PM10/PM2.5
    # 24h moving averages (2012 has no 1h breakpoints for PM, so 1h PM values carry no IAQI).
    ("hj633-2012", "hourly"): {
        "pm2_5_24h": "pm2_5_24h_2012",
        "pm10_24h": "pm10_24h_2012",
        "so2": "so2_1h",
        "no2": "no2_1h",
        "co": "co_1h",
        "o3_1h": "o3_1h",
        "o3_8h": "o3_8h",
    },
    # HJ 633-2026 real-time report: the six 1h values; PM uses the (2026) 24h breakpoints.
    ("hj633-2026", "hourly"): {
        "pm2_5": "pm2_5_24h_2026",
        "pm10": "pm10_24h_2026",
        "so2": "so2_1h",
        "no2": "no2_1h",
        "co": "co_1h",
        "o3_1h": "o3_1h",
    },
}

#: Inputs that feed a rule without being an indicator themselves.
AUXILIARY: dict[tuple[Standard, Report], dict[str, str]] = {
    # 2012 hourly: SO2 1h > 800 -> the SO2 IAQI is taken from the SO2 24h (moving) mean.
    ("hj633-2012", "hourly"): {"so2_24h": "so2_24h"},
}

#: Every column key compute_aqi understands. Keys known but not used by the chosen standard and
#: report (e.g. ``o3_1h`` in a 2026 daily report) are accepted and ignored.
KNOWN_KEYS: tuple[str, ...] = (
    "pm2_5",
    "pm10",
    "so2",
    "no2",
    "co",
    "o3_1h",
    "o3_8h",
    "pm2_5_24h",
    "pm10_24h",
    "so2_1h",
    "so2_24h",
)

#: Decimals kept when HJ 633-2026 rounds daily concentrations (CO one decimal, others integers).
ROUND_DECIMALS_2026: dict[str, int] = {"co": 1}


def indicators(standard: Standard, report: Report) -> tuple[str, ...]:
    """The indicator column keys of a report, in output order."""
    check_standard(standard)
    check_report(report)
    return tuple(INDICATORS[(standard, report)])


def accepted_keys(standard: Standard, report: Report) -> tuple[str, ...]:
    """Keys that influence the result of compute_aqi for this standard and report."""
    return indicators(standard, report) + tuple(AUXILIARY.get((standard, report), {}))
