"""Output and filter models of the water assessment: section classes over a period, the monthly
class calendar, an item's series against its class limits, status tables and target
compliance."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from jingjinji.inputs import IsoDate

#: Years the assessment accepts (the same span as section targets).
YEAR_MIN, YEAR_MAX = 1900, 2200

StatusGrouping = Literal["river", "river_system", "basin", "jurisdiction"]
STATUS_GROUPINGS: tuple[StatusGrouping, ...] = ("river", "river_system", "basin", "jurisdiction")
ComplianceScope = Literal["all", "cross_border"]


class SampleUse(BaseModel):
    """Which stored samples an assessment rests on."""

    manual: int = Field(description="manual sampling moments that counted")
    automatic: int = Field(description="automatic-station readings that counted")
    months_manual: list[int] = Field(description="months assessed from manual samples")
    months_automatic: list[int] = Field(
        description="months without a manual sample, assessed from automatic-station readings"
    )
    origins: list[str] = Field(description="origins of the samples: measured, published, synthetic")
    synthetic: bool = Field(description="some values were made up for the demo")
    published: bool = Field(description="some values were copied from a public bulletin")


class SectionAssessment(BaseModel):
    """One section over a period (a month or a year) by GB 3838 and the 2011 method.

    ``section_class`` 0 means not assessed (no sample in the period, or a coastal point, which
    GB 3097 grades instead); 6 is inferior V. Multiples are ``(C - limit) / limit`` to two
    decimals, against class III and against the section's target class for the year.
    """

    section_code: str
    name_zh: str
    name_en: str
    river_zh: str
    river_en: str
    river_system: str
    basin: str
    kind: str
    waterbody: str
    jurisdiction_code: str
    start: dt.date
    end: dt.date = Field(description="last day of the period (inclusive)")
    values: dict[str, float] = Field(description="period value per item, rounded per item")
    classes: dict[str, int] = Field(description="class per graded item (6: inferior V)")
    section_class: int
    grade: str = Field(description="excellent ... heavily_polluted; empty when not assessed")
    target_class: int | None
    meets_target: bool | None = Field(description="null without a target or an assessment")
    multiples: dict[str, float] = Field(description="items above class III: their multiple")
    target_multiples: dict[str, float] = Field(description="items above the target class")
    main_pollutants: list[str] = Field(
        description="up to 3 items above III (section worse than III)"
    )
    target_pollutants: list[str] = Field(description="up to 3 items above the target class")
    samples: SampleUse


class MonthClass(BaseModel):
    month: int
    section_class: int = Field(description="0: no sample that month")
    grade: str
    meets_target: bool | None


class SeriesPoint(BaseModel):
    sampled_at: dt.datetime
    kind: str
    value: float
    below_detection: bool
    origin: str


class ItemSeries(BaseModel):
    """Values of one item at one section, with the class limits to draw them against."""

    section_code: str
    item: str
    unit: str
    limits: list[float] = Field(description="limits of classes I-V (DO: lower limits)")
    lower_bound: bool = Field(description="true for DO: a value must stay above its limit")
    ph_range: list[float] | None = Field(description="pH: the 6-9 range instead of limits")
    points: list[SeriesPoint]


class StatusRow(BaseModel):
    """Status of a river, river system, basin or jurisdiction (its monitoring province)."""

    by: str
    key: str
    name_zh: str
    name_en: str
    n_sections: int = Field(description="sections assessed in the period")
    share_i_iii: float | None
    share_inferior_v: float | None
    status: str = Field(description="grade word; empty when no section was assessed")
    method: Literal["shares", "averaged", "none"] = Field(
        description="shares of sections (5 or more), item averages (fewer), none"
    )
    averaged_class: int | None
    main_pollutants: list[str]


class ComplianceFigures(BaseModel):
    year: int
    sections_assessed: int
    sections_meeting: int
    share_meeting: float | None
    inferior_v: int


class ComplianceRow(BaseModel):
    """Sections meeting their target in a province or the region, this year and the year
    before. ``scope`` is ``all`` or ``cross_border`` (sections on a border between two of the
    jurisdictions: the office's key indicator)."""

    jurisdiction_code: str = Field(description="a province, or the region's code")
    scope: ComplianceScope
    current: ComplianceFigures
    previous: ComplianceFigures
    change_points: float | None = Field(
        description="change of the share meeting the target, in percentage points"
    )


class AssessmentFilter(BaseModel):
    """The query of ``GET /water/assessments``."""

    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    month: int | None = Field(default=None, ge=1, le=12)
    section: str | None = Field(default=None, min_length=1, max_length=20)


class PeriodQuery(BaseModel):
    """The period of one section's assessment: a year, or a month of it."""

    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    month: int | None = Field(default=None, ge=1, le=12)


class YearQuery(BaseModel):
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)


class StatusQuery(BaseModel):
    """The query of ``GET /water/status``."""

    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    month: int | None = Field(default=None, ge=1, le=12)
    by: StatusGrouping = "river"


class SeriesQuery(BaseModel):
    """The query of ``GET /water/sections/{code}/series``: one item over a date span."""

    item: str = Field(min_length=1, max_length=20)
    start: IsoDate
    end: IsoDate
