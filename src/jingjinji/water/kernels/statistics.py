"""Period values and rounding of water-quality data (2020 technical rules of surface-water
assessment, as summarised in ``shared/reference/standards.md`` section 4).

* A period value (month, season, year; or a mean over sections) is the arithmetic mean of the
  values present; pH is averaged through the hydrogen-ion concentration,
  ``-log10(mean(10**-pH))``.
* Values reported below the detection limit count as half the limit by default. That choice is
  OPEN in the fact sheet: ``below_detection`` also accepts ``"zero"`` and ``"limit"``.
* Results are rounded half to even ("四舍六入五成双") to the decimals of :data:`DECIMALS`.
  Rounding works on the value as written, not on its binary float: a float is turned into the
  shortest decimal text that reads back as the same float (Python's ``repr``) and that text is
  rounded. So 2.675, whose binary float is slightly below 2.675, rounds to 2.68 as a laboratory
  would round the written figure, and 0.125 rounds to 0.12.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from types import MappingProxyType
from typing import Literal, get_args

import numpy as np

from jingjinji.water.kernels.gb3838 import ArrayLike, FloatArray

#: Decimals each item is reported with.
DECIMALS: Mapping[str, int] = MappingProxyType(
    {
        "ph": 0,
        "do": 1,
        "codmn": 1,
        "cod": 1,
        "bod5": 1,
        "nh3n": 2,
        "tp": 3,
        "tn": 2,
        "cu": 3,
        "zn": 3,
        "f": 3,
        "se": 4,
        "as": 4,
        "hg": 5,
        "cd": 5,
        "cr6": 3,
        "pb": 3,
        "cn": 3,
        "phenol": 4,
        "petroleum": 2,
        "las": 2,
        "sulfide": 3,
        "fecal_coliform": 0,
    }
)

BelowDetection = Literal["half", "zero", "limit"]
BELOW_DETECTION_RULES: tuple[BelowDetection, ...] = get_args(BelowDetection)
_SUBSTITUTE_SHARE: dict[str, float] = {"half": 0.5, "zero": 0.0, "limit": 1.0}


def _round_one(value: float, quantum: Decimal) -> float:
    if not math.isfinite(value):
        return value
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_EVEN))


def round_decimals(values: ArrayLike, decimals: int) -> FloatArray:
    """Round half to even at ``decimals`` on each value's shortest decimal text; NaN stays."""
    if decimals < 0:
        raise ValueError(f"decimals must be 0 or more, not {decimals}")
    array = np.asarray(values, dtype=np.float64)
    quantum = Decimal(1).scaleb(-decimals)
    flat = [_round_one(float(v), quantum) for v in array.ravel()]
    return np.asarray(flat, dtype=np.float64).reshape(array.shape)


def round_item(item: str, values: ArrayLike) -> FloatArray:
    """Round values of ``item`` to its reporting decimals (:data:`DECIMALS`)."""
    if item not in DECIMALS:
        raise ValueError(f"unknown water item {item!r}; expected one of {', '.join(DECIMALS)}")
    return round_decimals(values, DECIMALS[item])


def period_value(
    item: str,
    values: ArrayLike,
    *,
    below: ArrayLike | None = None,
    detection_limit: float | ArrayLike | None = None,
    below_detection: str = "half",
) -> float:
    """The period value of ``item``: the mean of the values present (NaN when none).

    ``below`` flags the values reported below the detection limit; they count as
    ``below_detection`` ("half", "zero" or "limit") times ``detection_limit`` (one limit, or one
    per value), whatever number they carry. The result is unrounded (see :func:`round_item`).
    """
    if item not in DECIMALS:
        raise ValueError(f"unknown water item {item!r}; expected one of {', '.join(DECIMALS)}")
    if below_detection not in _SUBSTITUTE_SHARE:
        raise ValueError(
            f"unknown below-detection rule {below_detection!r}; "
            f"expected one of {', '.join(BELOW_DETECTION_RULES)}"
        )
    array = np.asarray(values, dtype=np.float64).ravel()
    if below is not None:
        flags = np.asarray(below, dtype=bool).ravel()
        if flags.shape != array.shape:
            raise ValueError(f"{item}: {flags.size} below-detection flags for {array.size} values")
        if flags.any():
            if detection_limit is None:
                raise ValueError(f"{item}: values below detection need the detection limit")
            limit = np.broadcast_to(np.asarray(detection_limit, dtype=np.float64), array.shape)
            if np.isnan(limit[flags]).any() or (limit[flags] < 0).any():
                raise ValueError(f"{item}: detection limits must be non-negative numbers")
            array = np.where(flags, limit * _SUBSTITUTE_SHARE[below_detection], array)
    present = array[~np.isnan(array)]
    if present.size == 0:
        return math.nan
    if item == "ph":
        return float(-np.log10(np.mean(np.power(10.0, -present))))
    return float(np.mean(present))
