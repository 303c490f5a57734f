"""The datasets a DCAT-AP feed describes: those the reader may see in the catalog (anonymous
harvesters: the datasets open to the public; logged-in users: every entry, as the catalog
list shows them)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jingjinji.catalog.schemas import DatasetOut
from jingjinji.catalog.service.datasets import list_datasets, visible_dataset
from jingjinji.catalog.service.shapes import dataset_out, dataset_outs
from jingjinji.pagination import MAX_LIMIT
from jingjinji.security import Actor


def catalog_feed(session: Session, *, actor: Actor | None) -> list[DatasetOut]:
    """Every dataset listed to ``actor``, oldest first (one statement per thousand)."""
    out: list[DatasetOut] = []
    cursor: str | None = None
    while True:
        page = list_datasets(session, actor=actor, cursor=cursor, limit=MAX_LIMIT)
        out.extend(dataset_outs(session, page.items))
        cursor = page.next_cursor
        if cursor is None:
            return out


def feed_entry(session: Session, *, actor: Actor | None, code: str) -> DatasetOut:
    """One dataset, if ``actor`` may see its catalogue entry (401 otherwise, 404 unknown)."""
    return dataset_out(session, visible_dataset(session, actor=actor, code=code))
