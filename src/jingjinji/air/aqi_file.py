"""`jjj air aqi`: IAQI, AQI, level, category and primary pollutants for each row of a CSV file.

Reading and writing go through polars; the numbers come from :func:`kernels.compute_aqi`.
Headers are matched case-insensitively (``PM2.5``, ``pm2_5``, ``PM25`` and ``pm-2.5`` all name
``pm2_5``); columns that are not pollutant inputs of the chosen standard and report pass through
unchanged and in order. Empty cells are missing values and give empty outputs; any other text
that is not a non-negative number is an error naming the line (the header is line 1) and the column.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import cast

import numpy as np
import polars as pl
import typer

from jingjinji.air import kernels
from jingjinji.csv_input import read_text_csv

#: Standards the command accepts; "auto" picks HJ 633-2012/2026 per row from a ``date`` column.
STANDARD_CHOICES: tuple[str, ...] = (*kernels.STANDARDS, "auto")
OUTPUT_COLUMNS: tuple[str, ...] = ("aqi", "level", "category", "primary_pollutants")
_ALIASES = {"pm25": "pm2_5", "pm25_24h": "pm2_5_24h"}
_NUMBER = r"^\+?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"


class AqiFileError(ValueError):
    """Bad input to the AQI file command; ``param`` names the offending CLI parameter."""

    def __init__(self, message: str, *, param: str = "INPUT_CSV") -> None:
        super().__init__(message)
        self.param = param


def normalise_header(name: str) -> str:
    """Header as a column key: lower case, spaces/dots/dashes as underscores, aliases applied."""
    key = re.sub(r"[\s.\-]+", "_", name.strip().lstrip("\ufeff").lower()).strip("_")
    key = re.sub(r"_+", "_", key)
    return _ALIASES.get(key, key)


def _pollutant_keys(standard: str, report: kernels.Report) -> tuple[str, ...]:
    if standard == "auto":
        keys = [*kernels.accepted_keys("hj633-2012", report)]
        keys += [k for k in kernels.accepted_keys("hj633-2026", report) if k not in keys]
        return tuple(keys)
    return kernels.accepted_keys(cast(kernels.Standard, standard), report)


def _check_choices(standard: str, report: str) -> kernels.Report:
    if standard not in STANDARD_CHOICES:
        raise AqiFileError(
            f"unknown standard {standard!r}; choose one of {', '.join(STANDARD_CHOICES)}",
            param="--standard",
        )
    if report not in kernels.REPORTS:
        raise AqiFileError(
            f"unknown report {report!r}; choose one of {', '.join(kernels.REPORTS)}",
            param="--report",
        )
    return report  # narrowed to Report by the membership test


def _parse_numbers(frame: pl.DataFrame, column: str) -> np.ndarray:
    text = frame[column].str.strip_chars()
    bad = text.is_not_null() & (text != "") & ~text.str.contains(_NUMBER)
    if bad.any():
        index = int(bad.arg_true()[0])
        raise AqiFileError(
            f"line {index + 2}, column {column!r}: "
            f"{frame[column][index]!r} is not a non-negative number"
        )
    values = pl.when(text == "").then(None).otherwise(text).cast(pl.Float64)
    return frame.select(values.alias(column)).to_series().to_numpy().astype(np.float64)


def _parse_days(frame: pl.DataFrame, column: str) -> np.ndarray:
    text = frame[column].str.strip_chars()
    days = frame.select(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias("d"))["d"]
    bad = days.is_null()
    if bad.any():
        index = int(bad.arg_true()[0])
        raise AqiFileError(
            f"line {index + 2}, column {column!r}: "
            f"{frame[column][index]!r} is not a date (YYYY-MM-DD); --standard auto needs one"
        )
    return days.to_numpy().astype("datetime64[D]")


def annotate(frame: pl.DataFrame, *, standard: str, report: str) -> pl.DataFrame:
    """Append ``iaqi_<key>`` per pollutant input, ``aqi``, ``level``, ``category`` and
    ``primary_pollutants`` to a frame of text cells (as read with ``infer_schema=False``)."""
    report_name = _check_choices(standard, report)
    wanted = _pollutant_keys(standard, report_name)
    indicator_keys = set(kernels.INDICATORS[("hj633-2012", report_name)])
    indicator_keys |= set(kernels.INDICATORS[("hj633-2026", report_name)])
    if standard != "auto":
        indicator_keys = set(kernels.indicators(cast(kernels.Standard, standard), report_name))

    by_key: dict[str, str] = {}
    for name in frame.columns:
        key = normalise_header(name)
        if key in wanted:
            if key in by_key:
                raise AqiFileError(f"columns {by_key[key]!r} and {name!r} both give {key}")
            by_key[key] = name
        taken = key in OUTPUT_COLUMNS or (
            key.startswith("iaqi_") and key.removeprefix("iaqi_") in wanted
        )
        if taken:
            raise AqiFileError(f"input already has an output column {name!r}")
    if not any(k in indicator_keys for k in by_key):
        raise AqiFileError(
            f"no pollutant column for a {report} report under {standard}; expected some of "
            f"{', '.join(sorted(indicator_keys))} (headers are case-insensitive)"
        )
    text = frame.select([pl.col(c).cast(pl.String) for c in by_key.values()])
    columns = {key: _parse_numbers(text, name) for key, name in by_key.items()}

    if standard == "auto":
        date_columns = [c for c in frame.columns if normalise_header(c) == "date"]
        if len(date_columns) != 1:
            raise AqiFileError(
                "--standard auto needs exactly one 'date' column", param="--standard"
            )
        days = _parse_days(frame.select(pl.col(date_columns[0]).cast(pl.String)), date_columns[0])
        result = kernels.compute_aqi_by_date(columns, days=days, report=report_name)
    else:
        result = kernels.compute_aqi(
            columns, standard=cast(kernels.Standard, standard), report=report_name
        )

    categories = np.array([None] + [kernels.LEVELS[i].category_en for i in range(1, 7)], object)
    added = [
        pl.Series(f"iaqi_{key}", result.iaqi[key], nan_to_null=True).cast(pl.Int64)
        for key in by_key
        if key in result.iaqi
    ]
    added += [
        pl.Series("aqi", result.aqi, nan_to_null=True).cast(pl.Int64),
        pl.Series("level", result.level, dtype=pl.Int8).replace(0, None),
        pl.Series("category", categories[result.level].tolist(), dtype=pl.String),
        pl.Series(
            "primary_pollutants",
            [p or None for p in result.primary],
            dtype=pl.String,
        ),
    ]
    return frame.with_columns(added)


def read_csv(path: Path) -> pl.DataFrame:
    """All cells as text; empty cells as null."""
    return read_text_csv(path, AqiFileError)


def run(input_csv: Path, *, standard: str, report: str, output: Path | None) -> None:
    """Entry point of ``jjj air aqi``: annotate ``input_csv``, write to ``output`` or stdout.

    Bad input raises :class:`typer.BadParameter` (the CLI prints it and exits with code 2).
    """
    try:
        _check_choices(standard, report)
        annotated = annotate(read_csv(input_csv), standard=standard, report=report)
    except AqiFileError as exc:
        raise typer.BadParameter(str(exc), param_hint=exc.param) from None
    if output is None:
        sys.stdout.write(annotated.write_csv())
        sys.stdout.flush()
        return
    try:
        annotated.write_csv(output)
    except OSError as exc:
        raise typer.BadParameter(f"cannot write {output}: {exc}", param_hint="--output") from None
