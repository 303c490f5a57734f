"""Reading the CSV files the pure CLI computations take (`jjj air aqi`, `jjj water assess`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl


def read_text_csv(path: Path, error: Callable[[str], Exception]) -> pl.DataFrame:
    """All cells as text and empty cells as null; a missing, empty or unreadable file raises
    ``error(message)`` naming the file and what is wrong with it."""
    if not path.is_file():
        raise error(f"{path}: no such file")
    try:
        return pl.read_csv(path, infer_schema=False, raise_if_empty=True)
    except pl.exceptions.NoDataError as exc:
        raise error(f"{path}: empty file, expected a header row") from exc
    except (pl.exceptions.ComputeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not a readable CSV file ({exc})") from exc
