"""GB 3095 annual assessment of a city-year under every compliance standard."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from jingjinji.air import kernels
from jingjinji.air.schemas import ComplianceOut, ComplianceRow
from jingjinji.air.service.daily import DAILY_COLUMNS, city_daily_frame
from jingjinji.air.service.periods import check_year
from jingjinji.air.service.stations import check_city


def compliance_report(session: Session, *, city_code: str, year: int) -> ComplianceOut:
    """GB 3095 assessment of a city-year (``kernels.compliance_table``) under every standard.

    Returns ``days`` (days with data), ``level_days`` (days per AQI level, by the standard in
    force on each date) and per compliance standard the long table of indicators (annual means,
    percentiles, exceedance days against the grade II limits, validity and reasons). 404 for a
    city without stations, 422 for a year outside 1990..2100.
    """
    check_city(session, city_code=city_code)
    check_year(year)
    frame = city_daily_frame(
        session, city_code=city_code, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31)
    )
    levels = (
        {int(k): int(v) for k, v in frame.group_by("level").len().iter_rows()}
        if frame.height
        else {}
    )
    standards: dict[str, list[ComplianceRow]] = {}
    for standard in kernels.COMPLIANCE_STANDARDS:
        if frame.is_empty():
            standards[standard] = []
            continue
        table = kernels.compliance_table(
            frame.select("date", *DAILY_COLUMNS),
            standard=standard,
        )
        standards[standard] = [ComplianceRow.model_validate(r) for r in table.to_dicts()]
    return ComplianceOut(
        city_code=city_code,
        year=year,
        days=frame.height,
        level_days={str(k): levels.get(k, 0) for k in range(0, 7)},
        standards=standards,
    )
