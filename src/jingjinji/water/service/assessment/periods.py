"""Section classes over a period from the stored samples (GB 3838 and the 2011 method).

The numbers come from the kernels (``jingjinji.water.kernels``); this module decides which
samples count and feeds them in:

* Months are China Standard Time calendar months.
* OPEN, which samples count: the 2011 method assesses the monthly manual samples. A month with
  at least one manual sample at a section is assessed from its manual samples only; a month
  without any manual sample there is assessed from the automatic-station readings of that month
  (their mean), so that a section watched only by a station still gets a class. Pages label
  the months assessed each way (``SampleUse.months_automatic``).
* A month's value of an item is the period value of the month's samples
  (``kernels.period_value``: arithmetic mean, pH through the hydrogen ion, values below
  detection counted by the configured rule, ``JJJ_WATER_BELOW_DETECTION``); a longer period's
  value is the period value of its monthly values, so a month with many station readings weighs
  as much as a month with one manual sample. Values are rounded per item (``round_item``)
  before they are classified.
* Coastal points are graded by GB 3097, not GB 3838: they are left unassessed here (class 0).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from sqlalchemy.orm import Session

from jingjinji.config import get_settings
from jingjinji.errors import InvalidInput, field_error
from jingjinji.i18n import msg
from jingjinji.timezone import CHINA_TZ
from jingjinji.water import kernels
from jingjinji.water.models import SampleKind, SampleOrigin, Section, Waterbody
from jingjinji.water.schemas.assessment import (
    ItemSeries,
    MonthClass,
    SampleUse,
    SectionAssessment,
    SeriesPoint,
)
from jingjinji.water.service import samples, sections

_OFFSET = CHINA_TZ.utcoffset(None)
#: The longest span of an item series (two years of 4-hourly readings: about 4,400 points).
SERIES_DAYS = 731
#: A month as one integer (year * 12 + month - 1), so periods may span years.
MonthKey = int


def month_key(year: int, month: int) -> MonthKey:
    return year * 12 + month - 1


def month_of(key: MonthKey) -> tuple[int, int]:
    return key // 12, key % 12 + 1


def period_bounds(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    """First and last day of a year, or of a month of it."""
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, 1), nxt - dt.timedelta(days=1)


def _utc_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end + 1 day 00:00) China time, as UTC moments."""
    if end < start:
        raise InvalidInput(
            msg("the end of a period comes on or after its start"),
            errors=[field_error(["query", "end"], msg("must not be before start"))],
        )
    first = dt.datetime.combine(start, dt.time(), CHINA_TZ).astimezone(dt.UTC)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CHINA_TZ)
    return first, after.astimezone(dt.UTC)


def _counted_samples(frame: pl.DataFrame) -> pl.DataFrame:
    """The samples that count (module docstring): a month's manual samples where it has any,
    else its automatic readings. Adds ``month`` (a :data:`MonthKey`)."""
    local = pl.col("sampled_at") + _OFFSET
    frame = frame.with_columns(
        (local.dt.year().cast(pl.Int64) * 12 + local.dt.month().cast(pl.Int64) - 1).alias("month")
    )
    manual = pl.col("kind") == SampleKind.MANUAL.value
    frame = frame.with_columns(manual.any().over(["section_code", "month"]).alias("has_manual"))
    return frame.filter(manual | ~pl.col("has_manual")).drop("has_manual")


def _monthly_values(frame: pl.DataFrame, rule: str) -> dict[tuple[str, MonthKey], dict[str, float]]:
    """Unrounded monthly value of each graded item, by (section, month)."""
    graded = frame.filter(pl.col("item").is_in(list(kernels.DECIMALS)))
    groups = graded.group_by(["section_code", "month", "item"]).agg(
        pl.col("value"), pl.col("below_detection")
    )
    out: dict[tuple[str, MonthKey], dict[str, float]] = {}
    for code, month, item, values, below in groups.iter_rows():
        out.setdefault((code, month), {})[item] = kernels.period_value(
            item, values, below=below, detection_limit=values, below_detection=rule
        )
    return out


def _over_months(monthly: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Period value of each item over its monthly values."""
    gathered: dict[str, list[float]] = {}
    for values in monthly:
        for item, value in values.items():
            gathered.setdefault(item, []).append(value)
    return {item: kernels.period_value(item, v) for item, v in gathered.items()}


def _usage(frame: pl.DataFrame) -> dict[str, SampleUse]:
    out: dict[str, SampleUse] = {}
    for (code,), rows in frame.partition_by("section_code", as_dict=True).items():
        moments = rows.select("kind", "sampled_at").unique()
        months = rows.select("kind", "month").unique()
        origins = sorted(set(rows["origin"].to_list()))

        def months_of(kind: str, months: pl.DataFrame = months) -> list[int]:
            keys = months.filter(pl.col("kind") == kind)["month"].to_list()
            return sorted(month_of(k)[1] for k in keys)

        out[str(code)] = SampleUse(
            manual=moments.filter(pl.col("kind") == SampleKind.MANUAL.value).height,
            automatic=moments.filter(pl.col("kind") == SampleKind.AUTOMATIC.value).height,
            months_manual=months_of(SampleKind.MANUAL.value),
            months_automatic=months_of(SampleKind.AUTOMATIC.value),
            origins=origins,
            synthetic=SampleOrigin.SYNTHETIC.value in origins,
            published=SampleOrigin.PUBLISHED.value in origins,
        )
    return out


_NO_SAMPLES = SampleUse(
    manual=0,
    automatic=0,
    months_manual=[],
    months_automatic=[],
    origins=[],
    synthetic=False,
    published=False,
)


@dataclass(frozen=True)
class _Row:
    """One section over one period, ready to classify."""

    section: Section
    start: dt.date
    end: dt.date
    values: dict[str, float]
    target: int | None
    usage: SampleUse


def _rounded(values: Mapping[str, float]) -> dict[str, float]:
    return {
        item: float(kernels.round_item(item, [v])[0])
        for item, v in values.items()
        if not math.isnan(v)
    }


def _multiples(assessment: kernels.Assessment, row: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for item, multiple in assessment.multiples.items():
        value = float(multiple[row])
        if not math.isnan(value):
            out[item] = float(kernels.round_decimals([value], 2)[0])
    return out


def _assessed(
    r: _Row, n: int, national: kernels.Assessment | None, target: kernels.Assessment | None
) -> SectionAssessment:
    klass = int(national.section_class[n]) if national is not None else 0
    s = r.section
    return SectionAssessment(
        section_code=s.code,
        name_zh=s.name_zh,
        name_en=s.name_en,
        river_zh=s.river_zh,
        river_en=s.river_en,
        river_system=s.river_system,
        basin=s.basin,
        kind=s.kind,
        waterbody=s.waterbody,
        jurisdiction_code=s.jurisdiction_code,
        start=r.start,
        end=r.end,
        values=r.values,
        classes={i: int(c[n]) for i, c in national.classes.items() if c[n] > 0}
        if national is not None
        else {},
        section_class=klass,
        grade=str(kernels.grade([klass])[0]),
        target_class=r.target,
        meets_target=klass <= r.target if klass and r.target else None,
        multiples=_multiples(national, n) if national is not None else {},
        target_multiples=_multiples(target, n) if target is not None and r.target else {},
        main_pollutants=list(national.main_pollutants[n]) if national is not None else [],
        target_pollutants=list(target.main_pollutants[n])
        if target is not None and r.target
        else [],
        samples=r.usage,
    )


def _classify(rows: Sequence[_Row]) -> list[SectionAssessment]:
    """Every row through the kernels at once (one ``assess`` per reference class)."""
    graded = [r.section.waterbody in kernels.WATERBODIES for r in rows]
    present = {i for r, ok in zip(rows, graded, strict=True) if ok for i in r.values}
    items = [i for i in kernels.ITEMS if i in present]
    if not items:
        return [_assessed(r, n, None, None) for n, r in enumerate(rows)]
    values = {
        i: np.array(
            [
                r.values.get(i, math.nan) if ok else math.nan
                for r, ok in zip(rows, graded, strict=True)
            ]
        )
        for i in items
    }
    bodies = [r.section.waterbody if ok else "river" for r, ok in zip(rows, graded, strict=True)]
    national = kernels.assess(values, waterbody=bodies, reference_class=3)
    target = kernels.assess(
        values, waterbody=bodies, reference_class=np.array([r.target or 0 for r in rows])
    )
    return [_assessed(r, n, national, target) for n, r in enumerate(rows)]


def _frame(
    session: Session, *, codes: Iterable[str] | None, start: dt.date, end: dt.date
) -> pl.DataFrame:
    first, after = _utc_bounds(start, end)
    return _counted_samples(samples.samples_frame(session, codes=codes, start=first, end=after))


def _assess_period(
    session: Session, *, chosen: Sequence[Section], start: dt.date, end: dt.date
) -> list[SectionAssessment]:
    codes = [s.code for s in chosen]
    frame = _frame(session, codes=codes, start=start, end=end)
    monthly = _monthly_values(frame, get_settings().water_below_detection)
    targets = sections.targets_for(session, year=end.year, codes=codes)
    usage = _usage(frame)
    by_section: dict[str, list[dict[str, float]]] = {}
    for (code, _), values in sorted(monthly.items()):
        by_section.setdefault(code, []).append(values)
    rows = [
        _Row(
            section=s,
            start=start,
            end=end,
            values=_rounded(_over_months(by_section.get(s.code, []))),
            target=targets.get(s.code),
            usage=usage.get(s.code, _NO_SAMPLES),
        )
        for s in chosen
    ]
    return _classify(rows)


def section_period(
    session: Session, *, section_code: str, start: dt.date, end: dt.date
) -> SectionAssessment:
    """One section from ``start`` to ``end`` (both China dates, inclusive); the target is the
    one of ``end``'s year."""
    section = sections.get_section(session, code=section_code)
    return _assess_period(session, chosen=[section], start=start, end=end)[0]


def assess_sections(
    session: Session, *, year: int, month: int | None = None, codes: Iterable[str] | None = None
) -> list[SectionAssessment]:
    """Every active section (or those of ``codes``) over a year or a month of it, by code.
    Three queries whatever the number of sections: sections, targets, samples."""
    start, end = period_bounds(year, month)
    if codes is None:
        chosen = sections.all_sections(session)
    else:
        found = sections.sections_by_code(session, codes=codes)
        chosen = [found[c] for c in sorted(found)]
    return _assess_period(session, chosen=chosen, start=start, end=end)


def monthly_assessments(
    session: Session, *, year: int, codes: Iterable[str] | None = None
) -> list[SectionAssessment]:
    """Each section (active, or those of ``codes``) for each month of ``year`` that has samples
    there, by month then section: the calendar of a section and the monthly dataset."""
    start, end = period_bounds(year, None)
    chosen = (
        sections.all_sections(session)
        if codes is None
        else list(sections.sections_by_code(session, codes=codes).values())
    )
    by_code = {s.code: s for s in chosen}
    frame = _frame(session, codes=sorted(by_code), start=start, end=end)
    monthly = _monthly_values(frame, get_settings().water_below_detection)
    targets = sections.targets_for(session, year=year, codes=by_code)
    rows: list[_Row] = []
    for key in sorted({k for _, k in monthly}):
        _, month = month_of(key)
        first, last = period_bounds(year, month)
        usage = _usage(frame.filter(pl.col("month") == key))
        for code in sorted(c for c, k in monthly if k == key and c in by_code):
            rows.append(
                _Row(
                    section=by_code[code],
                    start=first,
                    end=last,
                    values=_rounded(monthly[(code, key)]),
                    target=targets.get(code),
                    usage=usage.get(code, _NO_SAMPLES),
                )
            )
    return _classify(rows)


def class_history(session: Session, *, section_code: str, year: int) -> list[MonthClass]:
    """The twelve months of ``year`` at a section: class (0 without samples), grade, target met."""
    sections.get_section(session, code=section_code)
    found = {
        a.start.month: a for a in monthly_assessments(session, year=year, codes=[section_code])
    }
    out = []
    for month in range(1, 13):
        a = found.get(month)
        out.append(
            MonthClass(
                month=month,
                section_class=a.section_class if a else 0,
                grade=a.grade if a else "",
                meets_target=a.meets_target if a else None,
            )
        )
    return out


def _check_item(item: str) -> None:
    if item not in kernels.ITEM_NAMES:
        raise InvalidInput(
            msg("unknown water item {item}", item=repr(item[:40])),
            errors=[
                field_error(
                    ["query", "item"],
                    msg("choose one of {item_names}", item_names=", ".join(kernels.ITEM_NAMES)),
                )
            ],
        )


def item_series(
    session: Session, *, section_code: str, item: str, start: dt.date, end: dt.date
) -> ItemSeries:
    """Every stored value of ``item`` at a section from ``start`` to ``end`` (China dates,
    inclusive), manual and automatic, with the item's class limits for the chart."""
    section = sections.get_section(session, code=section_code)
    _check_item(item)
    if (end - start).days > SERIES_DAYS:
        raise InvalidInput(
            msg("a series spans at most {series_days} days", series_days=SERIES_DAYS),
            errors=[
                field_error(
                    ["query", "end"],
                    msg("at most {series_days} days after start", series_days=SERIES_DAYS),
                )
            ],
        )
    first, after = _utc_bounds(start, end)
    frame = samples.samples_frame(session, codes=[section.code], start=first, end=after)
    frame = frame.filter(pl.col("item") == item)
    graded = item in kernels.ITEMS and section.waterbody != Waterbody.COASTAL.value
    limits = list(kernels.limits(item, section.waterbody)) if graded and item != "ph" else []
    return ItemSeries(
        section_code=section.code,
        item=item,
        unit=kernels.ITEM_UNITS.get(item, ""),
        limits=[float(v) for v in limits],
        lower_bound=item == "do",
        ph_range=list(kernels.PH_RANGE) if item == "ph" else None,
        points=[
            SeriesPoint(sampled_at=at, kind=kind, value=value, below_detection=below, origin=origin)
            for at, kind, value, below, origin in frame.select(
                "sampled_at", "kind", "value", "below_detection", "origin"
            ).iter_rows()
        ],
    )
