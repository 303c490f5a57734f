"""Work of the sources domain that spans other domains: its monitoring indicators as datasets
in the data catalog (``datasets``: served from the sources tables, registered as a record
source on import; ``monitoring``: the enterprises' hourly values, granted per enterprise to
the neighbours of a linked enforcement case) and in the progress tracker (``indicators``)."""

from __future__ import annotations

from jingjinji.sources.flows import monitoring
from jingjinji.sources.flows.datasets import (
    KINDS,
    PREFIX,
    PROVINCES,
    dataset_code,
    definitions,
    parse_code,
    read_records,
    register_datasets,
)
from jingjinji.sources.flows.indicators import (
    INDICATORS,
    PublishedIndicators,
    ensure_indicators,
    publish_indicators,
    source_text,
)

__all__ = [
    "INDICATORS",
    "KINDS",
    "PREFIX",
    "PROVINCES",
    "PublishedIndicators",
    "dataset_code",
    "definitions",
    "ensure_indicators",
    "monitoring",
    "parse_code",
    "publish_indicators",
    "read_records",
    "register_datasets",
    "source_text",
]
