"""Water samples: ingestion (JSON batches, CSV files), revisions, reading and export.

``record_samples`` stores a batch whole or not at all (see :mod:`.ingest`); ``samples_frame``
reads a period as a polars frame for the assessment and the charts; ``list_samples`` pages the
stored values; ``latest_samples`` feeds the network map; ``plan_export`` and ``export_chunks``
stream CSV or Parquet with the provenance of every value.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from jingjinji.security import Actor
from jingjinji.water.models import Ingestion
from jingjinji.water.schemas.samples import SampleIn
from jingjinji.water.service.samples import ingest
from jingjinji.water.service.samples.export import export_chunks, plan_export
from jingjinji.water.service.samples.ingest import get_ingestion
from jingjinji.water.service.samples.reading import (
    latest_samples,
    list_samples,
    samples_frame,
    writable_sections,
)

__all__ = [
    "export_chunks",
    "get_ingestion",
    "latest_samples",
    "list_samples",
    "plan_export",
    "record_samples",
    "samples_frame",
    "writable_sections",
]


def record_samples(
    session: Session,
    *,
    actor: Actor | None,
    rows: Sequence[SampleIn],
    channel: str,
    source: str = "",
) -> Ingestion:
    """Store a batch of samples whole or not at all.

    The actor must write every section named (its monitoring agency's stewards, its province's
    administrator, the office): otherwise an audited 403 naming the sections and rows. Any bad
    row (unknown section, a time in the future, one key twice) rejects the batch with a 422
    listing every bad row at ``["body", "rows", index, field]``; the rejected ingestion is kept.
    New keys are inserted, changed values replaced (the old one kept as a revision), the same
    values counted as unchanged, so the same batch sent twice stores nothing new."""
    return ingest.ingest(session, actor=actor, rows=rows, channel=channel, source=source)
