"""Exceedance events (超标/异常事件): detection after each loader batch (hourly and daily
values above their permit limits, runs of invalid flags), silent loggers (a periodic job), and
the listing. The rules themselves are ``kernels.limits``.

An event's ``status`` says what enforcement did with it: ``open`` (nobody took it up yet),
``in_case`` (taken into a linked enforcement case), ``closed`` (its case closed). When the
episode itself ended (the value came back under the limit, the logger spoke again) is
``ended_at``; an ended event stays open until a case takes it up."""

from __future__ import annotations

from jingjinji.sources.service.exceedances.detection import DETECT_JOB, detect_for_batch
from jingjinji.sources.service.exceedances.events import EVENT_TYPES, OPENED
from jingjinji.sources.service.exceedances.reading import (
    exceedance_rows,
    in_province,
    list_exceedances,
)
from jingjinji.sources.service.exceedances.silent import SILENT_JOB, detect_silent

__all__ = [
    "DETECT_JOB",
    "EVENT_TYPES",
    "OPENED",
    "SILENT_JOB",
    "detect_for_batch",
    "detect_silent",
    "exceedance_rows",
    "in_province",
    "list_exceedances",
]
