"""The standards and reports the AQI kernels know, and which HJ 633 version a date falls under."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from jingjinji.timezone import CHINA_TZ

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]

Standard = Literal["hj633-2012", "hj633-2026"]
Report = Literal["daily", "hourly"]
ComplianceStandard = Literal["gb3095-2012", "gb3095-2026", "gb3095-2026-2031"]

STANDARDS: tuple[Standard, ...] = get_args(Standard)
REPORTS: tuple[Report, ...] = get_args(Report)
COMPLIANCE_STANDARDS: tuple[ComplianceStandard, ...] = get_args(ComplianceStandard)

#: First day on which HJ 633-2026 applies (data before it: HJ 633-2012).
SWITCH_DATE = date(2026, 3, 1)


def standard_for(day: date) -> Standard:
    """HJ 633 version in force on ``day`` (a datetime is taken in China Standard Time)."""
    if isinstance(day, datetime):
        day = (day.astimezone(CHINA_TZ) if day.tzinfo is not None else day).date()
    return "hj633-2012" if day < SWITCH_DATE else "hj633-2026"


def standards_for(days: np.ndarray) -> np.ndarray:
    """Vectorised :func:`standard_for` for datetime64 values (naive, local time).

    Returns an object array of standard names; ``None`` where the input is NaT.
    """
    as_days = np.asarray(days).astype("datetime64[D]")
    out = np.where(as_days < np.datetime64(SWITCH_DATE, "D"), "hj633-2012", "hj633-2026")
    result = out.astype(object)
    result[np.isnat(as_days)] = None
    return result


def check_standard(standard: str) -> None:
    if standard not in STANDARDS:
        raise ValueError(f"unknown standard {standard!r}; expected one of {', '.join(STANDARDS)}")


def check_report(report: str) -> None:
    if report not in REPORTS:
        raise ValueError(f"unknown report {report!r}; expected one of {', '.join(REPORTS)}")
