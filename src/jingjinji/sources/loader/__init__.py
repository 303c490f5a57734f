"""The loader: the JetStream stream of HJ 212 packets into the database, exactly once
(``consume``), set-based (``store``), with monthly partitions (``partitions``) and retention
(``retention``) on PostgreSQL. docs/sources.md, "The loader"."""

from jingjinji.sources.loader.batch import PreparedBatch, StreamMessage, frames_sha256, prepare
from jingjinji.sources.loader.consume import consume, run_loader, start_loader_thread
from jingjinji.sources.loader.partitions import (
    MadeMonth,
    ensure_month_partitions,
    existing_months,
    plan_months,
)
from jingjinji.sources.loader.pipeline import BatchLoader
from jingjinji.sources.loader.retention import RetentionReport, apply_retention
from jingjinji.sources.loader.store import StoredBatch, store_batch

__all__ = [
    "BatchLoader",
    "MadeMonth",
    "PreparedBatch",
    "RetentionReport",
    "StoredBatch",
    "StreamMessage",
    "apply_retention",
    "consume",
    "ensure_month_partitions",
    "existing_months",
    "frames_sha256",
    "plan_months",
    "prepare",
    "run_loader",
    "start_loader_thread",
    "store_batch",
]
