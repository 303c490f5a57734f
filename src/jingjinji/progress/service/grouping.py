"""Grouping commitments and progress rows (an item with several keys is in several groups),
each group with its status counts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from jingjinji.progress import kernels
from jingjinji.progress.models import CommitmentAgency, CommitmentIndicator, Indicator
from jingjinji.progress.schemas import (
    AREAS,
    COMMITMENT_STATUSES,
    CommitmentOut,
    CommitmentQuery,
    Group,
    Grouped,
    ProgressRow,
    SummaryQuery,
)
from jingjinji.progress.service.commitments import commitment_out, list_commitments
from jingjinji.progress.service.inputs import invalid
from jingjinji.progress.service.tracking import progress_rows

T = TypeVar("T")

COMMITMENT_GROUPS: tuple[str, ...] = (
    "area",
    "status",
    "jurisdiction",
    "lead_jurisdiction",
    "agency",
    "agreement",
)
PROGRESS_GROUPS: tuple[str, ...] = (
    "area",
    "status",
    "jurisdiction",
    "agency",
    "indicator",
    "direction",
)
PROGRESS_STATUSES: tuple[str, ...] = kernels.STATUSES_BEST_FIRST


def _check_group_by(group_by: str, choices: Sequence[str], what: str) -> None:
    if group_by not in choices:
        raise invalid(
            ["query", "group_by"],
            f"cannot group {what} by {group_by!r}; one of {', '.join(choices)}",
        )


def indicator_agencies(session: Session) -> dict[str, set[int]]:
    """Indicator code -> responsible agencies of the commitments it measures."""
    out: dict[str, set[int]] = defaultdict(set)
    stmt = (
        select(Indicator.code, CommitmentAgency.organisation_id)
        .join(CommitmentIndicator, CommitmentIndicator.indicator_id == Indicator.id)
        .join(CommitmentAgency, CommitmentAgency.commitment_id == CommitmentIndicator.commitment_id)
    )
    for code, org in session.execute(stmt).all():
        out[code].add(org)
    return dict(out)


def _commitment_keys(c: CommitmentOut, group_by: str) -> list[str]:
    keys: dict[str, Callable[[], list[str]]] = {
        "area": lambda: [c.area],
        "status": lambda: [c.status],
        "jurisdiction": lambda: [c.lead_jurisdiction_code, *c.supporting_jurisdiction_codes],
        "lead_jurisdiction": lambda: [c.lead_jurisdiction_code],
        "agency": lambda: [str(a) for a in c.agency_ids] or ["-"],
        "agreement": lambda: [c.agreement_code],
    }
    return keys[group_by]()


def _progress_keys(
    row: ProgressRow, group_by: str, agencies: Mapping[str, set[int]] | None
) -> list[str]:
    keys: dict[str, Callable[[], list[str]]] = {
        "area": lambda: [row.area],
        "status": lambda: [row.status],
        "jurisdiction": lambda: [row.jurisdiction_code],
        "indicator": lambda: [row.indicator_code],
        "direction": lambda: [row.direction],
        "agency": lambda: (
            [str(a) for a in sorted((agencies or {}).get(row.indicator_code, set()))] or ["-"]
        ),
    }
    return keys[group_by]()


def _group_order(group_by: str, key: str) -> tuple[int, str]:
    if group_by == "area" and key in AREAS:
        return (AREAS.index(key), key)
    if group_by == "status":
        order = [*COMMITMENT_STATUSES, *PROGRESS_STATUSES]
        return (order.index(key) if key in order else 99, key)
    return (0, key)


def _group_items(
    items: Sequence[T],
    *,
    group_by: str,
    keys: Callable[[T], list[str]],
    status: Callable[[T], str],
    statuses: Sequence[str],
    model: type[Group[T]],
) -> list[Group[T]]:
    """Group ``items`` (an item with several keys is in several groups), with status counts."""
    buckets: dict[str, list[T]] = defaultdict(list)
    for item in items:
        for key in dict.fromkeys(keys(item)):
            buckets[key].append(item)
    groups = []
    for key in sorted(buckets, key=lambda k: _group_order(group_by, k)):
        members = buckets[key]
        counts = dict.fromkeys(statuses, 0)
        for m in members:
            counts[status(m)] = counts.get(status(m), 0) + 1
        groups.append(model(key=key, count=len(members), status_counts=counts, items=members))
    return groups


def group_commitments(items: Sequence[CommitmentOut], group_by: str) -> list[Group[CommitmentOut]]:
    _check_group_by(group_by, COMMITMENT_GROUPS, "commitments")
    return _group_items(
        items,
        group_by=group_by,
        keys=lambda c: _commitment_keys(c, group_by),
        status=lambda c: c.status,
        statuses=COMMITMENT_STATUSES,
        model=Group[CommitmentOut],
    )


def group_progress(
    session: Session, rows: Sequence[ProgressRow], group_by: str
) -> list[Group[ProgressRow]]:
    _check_group_by(group_by, PROGRESS_GROUPS, "indicators")
    agencies = indicator_agencies(session) if group_by == "agency" else None
    return _group_items(
        rows,
        group_by=group_by,
        keys=lambda r: _progress_keys(r, group_by, agencies),
        status=lambda r: r.status,
        statuses=PROGRESS_STATUSES,
        model=Group[ProgressRow],
    )


def commitments_grouped(
    session: Session, query: CommitmentQuery, group_by: str
) -> Grouped[CommitmentOut]:
    """Every commitment matching the query's filters, grouped by ``group_by``."""
    items = [
        commitment_out(session, c)
        for c in list_commitments(
            session,
            area=query.area,
            jurisdiction=query.jurisdiction,
            status=query.status,
            agency=query.agency,
            agreement=query.agreement,
        )
    ]
    return Grouped[CommitmentOut](group_by=group_by, groups=group_commitments(items, group_by))


def summary(session: Session, query: SummaryQuery) -> list[ProgressRow] | Grouped[ProgressRow]:
    """Progress rows matching the query, grouped when it asks for ``group_by``."""
    rows = progress_rows(
        session,
        year=query.year,
        jurisdiction=query.jurisdiction,
        area=query.area,
        indicator=query.indicator,
        base_year=query.base_year,
    )
    if query.group_by is None:
        return rows
    return Grouped[ProgressRow](
        group_by=query.group_by, groups=group_progress(session, rows, query.group_by)
    )
