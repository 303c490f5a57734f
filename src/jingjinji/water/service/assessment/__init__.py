"""Water assessment from the stored samples: section classes over a month or a year, the
monthly class calendar, an item's series against its limits (``periods``); the status of
rivers, basins and jurisdictions and target compliance year on year (``standing``). All reads
are open data: no actor is needed."""

from __future__ import annotations

from jingjinji.water.service.assessment.periods import (
    assess_sections,
    class_history,
    item_series,
    monthly_assessments,
    period_bounds,
    section_period,
)
from jingjinji.water.service.assessment.standing import compliance, status_table, thresholds

__all__ = [
    "assess_sections",
    "class_history",
    "compliance",
    "item_series",
    "monthly_assessments",
    "period_bounds",
    "section_period",
    "status_table",
    "thresholds",
]
