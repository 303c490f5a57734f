"""Linked enforcement cases (联合执法案件): opened from exceedance events of one enterprise,
involving the lead, border, park and added jurisdictions, with tasks for their agencies, a
timeline and a conclusion. Every write and every refusal is audited; who may not read a case
gets a 404, who may not do a write a 403.

Modules: ``opening`` (open, involve), ``tasks`` (add, complete), ``closing``, ``reading``
(list, detail), ``access`` (visibility, refusals, steps), ``states``."""

from __future__ import annotations

from jingjinji.sources.service.cases.closing import close_case
from jingjinji.sources.service.cases.opening import automatic_involvements, involve, open_case
from jingjinji.sources.service.cases.reading import case_detail, list_cases, overdue_case_ids
from jingjinji.sources.service.cases.tasks import add_task, complete_task, is_overdue

__all__ = [
    "add_task",
    "automatic_involvements",
    "case_detail",
    "close_case",
    "complete_task",
    "involve",
    "is_overdue",
    "list_cases",
    "open_case",
    "overdue_case_ids",
]
