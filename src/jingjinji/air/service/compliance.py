"""GB 3095 annual assessment of a city-year under every compliance standard."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from jingjinji.air import kernels
from jingjinji.air.schemas import ComplianceOut, ComplianceRow
from jingjinji.air.service.daily import DAILY_COLUMNS, city_daily_frame
from jingjinji.air.service.periods import check_year
from jingjinji.air.service.stations import check_city
from jingjinji.i18n import SemicolonItems, msg

# The kernel's reason for an indicator it does not assess (kernels.gb3095.compliance_table):
# "59 valid daily values (< 324); months short: March 0 (< 27); April 0 (< 27)".
_REASON = re.compile(r"(\d+) valid daily values(?: \(< (\d+)\))?(?:; months short: (.+))?")
_SHORT_MONTH = re.compile(r"([A-Za-z]+) (\d+) \(< (\d+)\)")
_MONTH_NUMBER = {name: n for n, name in enumerate(kernels.gb3095.MONTH_NAMES) if name}


def reason_message(reason: str | None) -> str | None:
    """The kernel's English reason as a message a page shows in the reader's language (the
    API keeps the English text); a reason of another form is passed on as it is."""
    if reason is None:
        return None
    whole = _REASON.fullmatch(reason)
    if whole is None:
        return reason
    days, needed, short = whole.groups()
    valid = (
        msg("{days} valid daily values (< {needed})", days=int(days), needed=int(needed))
        if needed
        else msg("{days} valid daily values", days=int(days))
    )
    if not short:
        return valid
    months = []
    for part in short.split("; "):
        month = _SHORT_MONTH.fullmatch(part)
        if month is None or month.group(1) not in _MONTH_NUMBER:
            return reason
        name, count, least = month.groups()
        months.append(
            msg(
                "{month_name} {days} (< {needed})",
                month_name=name,
                month=_MONTH_NUMBER[name],
                days=int(count),
                needed=int(least),
            )
        )
    return msg("{valid}; months short: {months}", valid=valid, months=SemicolonItems(months))


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
        standards[standard] = [
            ComplianceRow.model_validate({**r, "reason": reason_message(r["reason"])})
            for r in table.to_dicts()
        ]
    return ComplianceOut(
        city_code=city_code,
        year=year,
        days=frame.height,
        level_days={str(k): levels.get(k, 0) for k in range(0, 7)},
        standards=standards,
    )
