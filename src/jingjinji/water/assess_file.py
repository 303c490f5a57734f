"""`jjj water assess`: GB 3838 classes, grade, multiples and main pollutants for each row of a CSV.

Pure computation for use outside the platform. Headers are matched case-insensitively
(spaces, dots, dashes and brackets read as underscores, so ``NH3-N``, ``COD-Mn`` and ``Cr(VI)``
are understood); the item columns are the codes of :data:`kernels.ITEMS` in mg/L (fecal
coliform per L, pH without unit), plus the optional ``waterbody`` (river, the default, or lake)
and ``target_class`` (1-5). Other columns pass through unchanged and in order. Empty cells are
not assessed; any other text that is not a non-negative number is an error naming the line (the
header is line 1) and the column.

Multiples are written to two decimals, rounded half to even on the decimal value.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import polars as pl
import typer

from jingjinji.csv_input import read_text_csv
from jingjinji.water import kernels

REFERENCES: tuple[str, ...] = ("iii", "target")
MULTIPLE_DECIMALS = 2
_NATIONAL_REFERENCE = 3
_NUMBER = r"^\+?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
_FIXED_OUTPUTS = ("section_class", "grade", "main_pollutants")
# Common spellings of the item codes in laboratory sheets ("NH3-N", "COD-Mn", "Cr(VI)").
_ALIASES = {
    "nh3_n": "nh3n",
    "cod_mn": "codmn",
    "bod_5": "bod5",
    "cr_vi": "cr6",
    "crvi": "cr6",
    "cr_6": "cr6",
    "fecal_coliforms": "fecal_coliform",
}


class AssessFileError(ValueError):
    """Bad input to the assess command; ``param`` names the offending CLI parameter."""

    def __init__(self, message: str, *, param: str = "INPUT_CSV") -> None:
        super().__init__(message)
        self.param = param


def normalise_header(name: str) -> str:
    """Header as a column key: lower case, spaces/dots/dashes/brackets as underscores, common
    spellings of item codes mapped to the codes."""
    key = re.sub(r"[\s.\-()]+", "_", name.strip().lstrip("\ufeff").lower()).strip("_")
    key = re.sub(r"_+", "_", key)
    return _ALIASES.get(key, key)


def _first_bad(bad: pl.Series, frame: pl.DataFrame, column: str, reason: str) -> AssessFileError:
    index = int(bad.arg_true()[0])
    return AssessFileError(
        f"line {index + 2}, column {column!r}: {frame[column][index]!r} {reason}"
    )


def _parse_numbers(frame: pl.DataFrame, column: str, item: str) -> np.ndarray:
    text = frame[column].str.strip_chars()
    bad = text.is_not_null() & (text != "") & ~text.str.contains(_NUMBER)
    if bad.any():
        raise _first_bad(bad, frame, column, "is not a non-negative number")
    values = pl.when(text == "").then(None).otherwise(text).cast(pl.Float64)
    series = frame.select(values.alias(column)).to_series()
    if item == "ph":
        too_high = series.fill_null(0.0) > kernels.PH_SCALE[1]
        if too_high.any():
            raise _first_bad(too_high, frame, column, "is not a pH (0-14)")
    return series.to_numpy().astype(np.float64)


def _parse_waterbody(frame: pl.DataFrame, column: str | None) -> str | np.ndarray:
    if column is None:
        return "river"
    text = frame[column].str.strip_chars().str.to_lowercase().fill_null("")
    bodies = pl.when(text == "").then(pl.lit("river")).otherwise(text)
    parsed = frame.select(bodies.alias(column)).to_series()
    bad = ~parsed.is_in(list(kernels.WATERBODIES))
    if bad.any():
        raise _first_bad(bad, frame, column, "is not a waterbody (river or lake)")
    return parsed.to_numpy().astype(object)


def _parse_targets(frame: pl.DataFrame, column: str, *, required: bool) -> np.ndarray:
    text = frame[column].str.strip_chars().fill_null("")
    bad = (text != "") & ~text.is_in(["1", "2", "3", "4", "5"])
    if required:
        bad |= text == ""
    if bad.any():
        reason = "is not a target class (1-5)"
        if required:
            reason += "; --reference target needs one on every line"
        raise _first_bad(bad, frame, column, reason)
    return np.array([int(t) if t else 0 for t in text.to_list()], dtype=np.int64)


def _columns_by_key(frame: pl.DataFrame) -> dict[str, str]:
    wanted = {*kernels.ITEMS, "waterbody", "target_class"}
    by_key: dict[str, str] = {}
    for name in frame.columns:
        key = normalise_header(name)
        if key in wanted:
            if key in by_key:
                raise AssessFileError(f"columns {by_key[key]!r} and {name!r} both give {key}")
            by_key[key] = name
        output = key in _FIXED_OUTPUTS or (
            key.startswith(("class_", "multiple_")) and key.split("_", 1)[1] in kernels.ITEMS
        )
        if output:
            raise AssessFileError(f"input already has an output column {name!r}")
    if not any(key in kernels.ITEMS for key in by_key):
        raise AssessFileError(
            f"no water-quality column; expected some of {', '.join(kernels.ITEMS)} "
            "(headers are case-insensitive)"
        )
    return by_key


def _multiple_column(item: str, multiples: np.ndarray) -> pl.Series:
    shown = kernels.round_decimals(multiples, MULTIPLE_DECIMALS)
    return pl.Series(f"multiple_{item}", shown, nan_to_null=True)


def _check_reference(reference: str) -> None:
    if reference not in REFERENCES:
        raise AssessFileError(
            f"unknown reference {reference!r}; choose one of {', '.join(REFERENCES)}",
            param="--reference",
        )


def annotate(frame: pl.DataFrame, *, reference: str = "iii") -> pl.DataFrame:
    """Append ``class_<item>``, ``section_class``, ``grade``, ``multiple_<item>`` and
    ``main_pollutants`` to a frame of text cells (as read with ``infer_schema=False``)."""
    _check_reference(reference)
    by_key = _columns_by_key(frame)
    text = frame.select([pl.col(c).cast(pl.String) for c in by_key.values()])
    items = [i for i in kernels.ITEMS if i in by_key]
    values = {i: _parse_numbers(text, by_key[i], i) for i in items}
    waterbody = _parse_waterbody(text, by_key.get("waterbody"))
    reference_class: int | np.ndarray = _NATIONAL_REFERENCE
    if reference == "target":
        if "target_class" not in by_key:
            raise AssessFileError(
                "--reference target needs a target_class column (1-5)", param="--reference"
            )
        reference_class = _parse_targets(text, by_key["target_class"], required=True)
    elif "target_class" in by_key:
        _parse_targets(text, by_key["target_class"], required=False)
    result = kernels.assess(values, waterbody=waterbody, reference_class=reference_class)

    added = [
        pl.Series(f"class_{i}", result.classes[i], dtype=pl.Int8).replace(0, None) for i in items
    ]
    added += [
        pl.Series("section_class", result.section_class, dtype=pl.Int8).replace(0, None),
        pl.Series("grade", [g or None for g in result.grade.tolist()], dtype=pl.String),
    ]
    added += [_multiple_column(i, result.multiples[i]) for i in items if i in result.multiples]
    added.append(
        pl.Series(
            "main_pollutants",
            [";".join(p) or None for p in result.main_pollutants],
            dtype=pl.String,
        )
    )
    return frame.with_columns(added)


def read_csv(path: Path) -> pl.DataFrame:
    """All cells as text; empty cells as null."""
    return read_text_csv(path, AssessFileError)


def run(input_csv: Path, *, reference: str, output: Path | None) -> None:
    """Entry point of ``jjj water assess``: annotate ``input_csv``, write to ``output`` or stdout.

    Bad input raises :class:`typer.BadParameter` (the CLI prints it and exits with code 2).
    """
    try:
        _check_reference(reference)
        annotated = annotate(read_csv(input_csv), reference=reference)
    except AssessFileError as exc:
        raise typer.BadParameter(str(exc), param_hint=exc.param) from None
    if output is None:
        sys.stdout.write(annotated.write_csv())
        sys.stdout.flush()
        return
    try:
        annotated.write_csv(output)
    except OSError as exc:
        raise typer.BadParameter(f"cannot write {output}: {exc}", param_hint="--output") from None
