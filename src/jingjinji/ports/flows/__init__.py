"""Work of the ports domain that spans the catalog and the progress tracker.

events.py      the port events as the catalog dataset ``PORTS-EVENTS`` (grants open events)
indicators.py  the indicators computed from the events as ``PORTS-IND-*`` datasets, and
               their yearly totals submitted to the progress tracker
"""

from jingjinji.ports.flows.events import register_events_dataset
from jingjinji.ports.flows.indicators import (
    INDICATORS,
    JURISDICTION,
    KINDS,
    PREFIX,
    dataset_rows,
    definitions,
    ensure_indicators,
    publish_indicators,
    read_records,
    register_datasets,
    source_text,
    yearly_totals,
)

__all__ = [
    "INDICATORS",
    "JURISDICTION",
    "KINDS",
    "PREFIX",
    "dataset_rows",
    "definitions",
    "ensure_indicators",
    "publish_indicators",
    "read_records",
    "register_datasets",
    "register_events_dataset",
    "source_text",
    "yearly_totals",
]
