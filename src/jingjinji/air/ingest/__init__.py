"""Ingestion of hourly observations: normalise, validate (per-row report), authorise, merge.

Every path (REST batch, CSV upload, the Beijing multi-site importer) ends here:

1. ``normalise_*`` turns the input into one polars frame: ``row`` (1-based position in the
   batch: array index + 1, or the CSV file's line, the header being line 1), ``station_code``,
   ``ts`` (UTC, beginning of the hour), the value columns in stored units (ug/m3, CO mg/m3) and the
   issues found while parsing (unparseable numbers or timestamps, unknown columns or units).
2. :func:`validate` applies the rules (unknown station, timestamp not on the hour or in the
   future, negative or implausible values, duplicates within the batch) vectorised.
3. :func:`merge` stores the accepted rows set-based: rows go to a staging table (SQLite
   ``executemany``, PostgreSQL ``COPY``), then one statement copies changed current rows into
   ``air_observation_revisions`` (who and when), one updates them, one inserts the new ones. An
   identical row is left alone: sending the same observation twice stores it once.

Batch policy: by default a batch with any bad row is rejected whole (HTTP 422 listing every bad
row; nothing stored). With ``partial=True`` the good rows are stored and the report lists the
rejected ones. Either way nothing stored earlier is lost: changes are revisions, never deletes.

The package by step: ``parsing`` (names, units, time zones, numbers), ``normalise`` (JSON rows
and CSV files) and ``uci`` (the Beijing multi-site layout), ``validation`` (the rules),
``store`` (the set-based merge, with revisions) and ``batch`` (the whole path, on record).
"""

from jingjinji.air.ingest.batch import (
    MAX_ISSUES_RETURNED,
    MAX_ISSUES_STORED,
    IngestResult,
    authorise,
    ingest,
)
from jingjinji.air.ingest.chunks import (
    CHUNK_BYTES,
    SeenKeys,
    count_rows,
    line_blocks,
    read_ahead,
    read_csv_chunks,
)
from jingjinji.air.ingest.normalise import normalise_csv, normalise_csv_file, normalise_records
from jingjinji.air.ingest.parsing import (
    ALIASES,
    STORED_UNIT,
    UNITS,
    Normalised,
    canonical,
    issue,
    normalise_unit,
    parse_timezone,
)
from jingjinji.air.ingest.store import MergeCounts, bulk_load_mode, merge
from jingjinji.air.ingest.uci import UCI_COLUMNS, uci_frame
from jingjinji.air.ingest.validation import (
    BOUNDS,
    CO_SUSPECT_MG,
    EARLIEST_TS,
    WIND_DIRECTIONS,
    validate,
)

__all__ = [
    "ALIASES",
    "BOUNDS",
    "CHUNK_BYTES",
    "CO_SUSPECT_MG",
    "EARLIEST_TS",
    "MAX_ISSUES_RETURNED",
    "MAX_ISSUES_STORED",
    "STORED_UNIT",
    "UCI_COLUMNS",
    "UNITS",
    "WIND_DIRECTIONS",
    "IngestResult",
    "MergeCounts",
    "Normalised",
    "SeenKeys",
    "authorise",
    "bulk_load_mode",
    "canonical",
    "count_rows",
    "ingest",
    "issue",
    "line_blocks",
    "merge",
    "normalise_csv",
    "normalise_csv_file",
    "normalise_records",
    "normalise_unit",
    "parse_timezone",
    "read_ahead",
    "read_csv_chunks",
    "uci_frame",
    "validate",
]
