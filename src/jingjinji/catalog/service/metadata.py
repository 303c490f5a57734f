"""Publication metadata of datasets: tags in both languages, record counts and the moment of
the last change (what a dataset page and the DCAT-AP feed show)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, inspect, or_, select
from sqlalchemy.orm import Session, attributes

from jingjinji.catalog.models import Dataset, DatasetField, DatasetTag, Record
from jingjinji.catalog.schemas import DatasetBody
from jingjinji.catalog.service.sources import record_source_for
from jingjinji.errors import field_error
from jingjinji.i18n import msg

TAG_LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class DatasetStats:
    """How many records the catalog holds of a dataset (None: they live in another domain's
    tables, so the catalog cannot count them), and when it last changed."""

    record_count: int | None
    last_updated: dt.datetime


def tags_of(dataset: Dataset, lang: str) -> list[str]:
    return [t.tag for t in dataset.tags if t.lang == lang]


def apply_tags(dataset: Dataset, data: DatasetBody) -> None:
    """Make the dataset's tags those of ``data`` (keeping rows that stay, in the given order)."""
    existing = {(t.lang, t.tag): t for t in dataset.tags}
    tags: list[DatasetTag] = []
    for lang, wanted in (("zh", data.tags_zh), ("en", data.tags_en)):
        for position, tag in enumerate(dict.fromkeys(wanted)):
            row = existing.get((lang, tag)) or DatasetTag(lang=lang, tag=tag)
            row.position = position
            tags.append(row)
    dataset.tags = tags


def metadata_errors(data: DatasetBody) -> list[dict[str, object]]:
    """The temporal coverage ends on or after its start."""
    if data.temporal_start and data.temporal_end and data.temporal_end < data.temporal_start:
        return [field_error(["body", "temporal_end"], msg("the coverage ends before it starts"))]
    return []


def search_clause(q: str) -> ColumnElement[bool]:
    """Datasets whose code, titles, descriptions, field names or descriptions, or tags (either
    language) contain ``q``, ignoring case."""
    text = q.strip()
    return or_(
        Dataset.code.icontains(text, autoescape=True),
        Dataset.title_zh.icontains(text, autoescape=True),
        Dataset.title_en.icontains(text, autoescape=True),
        Dataset.description_zh.icontains(text, autoescape=True),
        Dataset.description_en.icontains(text, autoescape=True),
        exists().where(
            DatasetField.dataset_id == Dataset.id,
            or_(
                DatasetField.name.icontains(text, autoescape=True),
                DatasetField.description.icontains(text, autoescape=True),
            ),
        ),
        exists().where(
            DatasetTag.dataset_id == Dataset.id, DatasetTag.tag.icontains(text, autoescape=True)
        ),
    )


def load_tags(session: Session, datasets: Sequence[Dataset]) -> None:
    """Load the tags of the datasets whose tags are not loaded, in one statement."""
    pending = {d.id: d for d in datasets if "tags" in inspect(d).unloaded}
    if not pending:
        return
    found: dict[int, list[DatasetTag]] = {i: [] for i in pending}
    stmt = (
        select(DatasetTag)
        .where(DatasetTag.dataset_id.in_(pending))
        .order_by(DatasetTag.dataset_id, DatasetTag.lang, DatasetTag.position)
    )
    for tag in session.scalars(stmt):
        found[tag.dataset_id].append(tag)
    for dataset_id, tags in found.items():
        attributes.set_committed_value(pending[dataset_id], "tags", tags)


def dataset_stats(session: Session, datasets: Sequence[Dataset]) -> dict[int, DatasetStats]:
    """Record count and last change of each dataset, in one statement for all of them: the
    later of the last metadata change and the last batch of records written."""
    own = [d.id for d in datasets if record_source_for(d.code) is None]
    counts: dict[int, tuple[int, dt.datetime | None]] = {}
    if own:
        stmt = (
            select(Record.dataset_id, func.count(Record.id), func.max(Record.created_at))
            .where(Record.dataset_id.in_(own))
            .group_by(Record.dataset_id)
        )
        counts = {row[0]: (row[1], row[2]) for row in session.execute(stmt)}
    stats = {}
    for d in datasets:
        if d.id not in own:
            stats[d.id] = DatasetStats(record_count=None, last_updated=d.updated_at)
            continue
        count, last_write = counts.get(d.id, (0, None))
        last = max(d.updated_at, last_write) if last_write else d.updated_at
        stats[d.id] = DatasetStats(record_count=count, last_updated=last)
    return stats
