"""Coastal waters, GB 3097-1997: whether samples meet a sea-water class.

GB 3097 has four classes (I fisheries and reserves; II aquaculture and bathing; III general
industry and coastal tourism; IV ports). The fact sheet gives class II only:
DO above 5 (strictly), COD, BOD5 at most 3, inorganic nitrogen at most 0.30, active phosphate at
most 0.030 and petroleum at most 0.05 (mg/L). The other classes are OPEN: they are read from an
optional JSON file (:func:`load_coastal_limits`) shaped as::

    {"I": {"do": [">", 6], "cod": ["<=", 2]}, "III": {...}}

with the operators ``>``, ``>=``, ``<``, ``<=``. Class II is fixed by the standard; a file
may not redefine it. Rivers flowing into the sea are assessed by GB 3838, not here.

A sample meets a class when every item it measured meets that item's bound; items it did not
measure (NaN) are not judged, and a sample that measured none of the class's items does not
meet it (nothing shows that it does).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from jingjinji.water.kernels.gb3838 import ArrayLike

COASTAL_ITEMS: tuple[str, ...] = (
    "do",
    "cod",
    "bod5",
    "inorganic_nitrogen",
    "active_phosphate",
    "petroleum",
)
COASTAL_CLASSES: tuple[str, ...] = ("I", "II", "III", "IV")
_OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass(frozen=True)
class Bound:
    """A value meets the bound when ``value <op> limit`` holds."""

    op: str
    limit: float

    def __post_init__(self) -> None:
        if self.op not in _OPERATORS:
            raise ValueError(
                f"unknown operator {self.op!r}; expected one of {', '.join(_OPERATORS)}"
            )
        if not np.isfinite(self.limit) or self.limit < 0:
            raise ValueError(f"limit {self.limit!r} is not a non-negative number")


CoastalLimits = Mapping[str, Bound]

COASTAL_CLASS_II: CoastalLimits = MappingProxyType(
    {
        "do": Bound(">", 5.0),
        "cod": Bound("<=", 3.0),
        "bod5": Bound("<=", 3.0),
        "inorganic_nitrogen": Bound("<=", 0.30),
        "active_phosphate": Bound("<=", 0.030),
        "petroleum": Bound("<=", 0.05),
    }
)


def coastal_meets(values: Mapping[str, ArrayLike], limits: CoastalLimits) -> npt.NDArray[np.bool_]:
    """Per sample, whether the measured items meet every bound of ``limits``."""
    unknown = sorted(set(values) - set(COASTAL_ITEMS))
    if unknown:
        raise ValueError(
            f"unknown coastal item {unknown[0]!r}; expected some of {', '.join(COASTAL_ITEMS)}"
        )
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in values.items() if k in limits}
    if not arrays:
        raise ValueError(f"no item of the class given; expected some of {', '.join(limits)}")
    shapes = {a.shape for a in arrays.values()}
    if len(shapes) != 1:
        raise ValueError("items have different numbers of samples")
    shape = shapes.pop()
    meets = np.ones(shape, dtype=bool)
    measured = np.zeros(shape, dtype=bool)
    for item, array in arrays.items():
        with np.errstate(invalid="ignore"):
            if (array < 0).any():
                raise ValueError(f"{item}: negative values")
        present = ~np.isnan(array)
        bound = limits[item]
        ok = _OPERATORS[bound.op](np.where(present, array, 0.0), bound.limit)
        meets &= ~present | ok
        measured |= present
    return meets & measured


def coastal_meets_class_ii(values: Mapping[str, ArrayLike]) -> npt.NDArray[np.bool_]:
    """Per sample, whether it meets GB 3097 class II on the items it measured."""
    return coastal_meets(values, COASTAL_CLASS_II)


def _class_from_json(name: str, body: object) -> CoastalLimits:
    if not isinstance(body, dict):
        raise ValueError(f"class {name}: expected an object of item -> [operator, limit]")
    bounds: dict[str, Bound] = {}
    for item, pair in body.items():
        if item not in COASTAL_ITEMS:
            raise ValueError(f"class {name}: unknown item {item!r}")
        valid = (
            isinstance(pair, list)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and isinstance(pair[1], int | float)
            and not isinstance(pair[1], bool)
        )
        if not valid:
            raise ValueError(f"class {name}, item {item}: expected [operator, limit]")
        try:
            bounds[item] = Bound(pair[0], float(pair[1]))
        except ValueError as exc:
            raise ValueError(f"class {name}, item {item}: {exc}") from None
    return MappingProxyType(bounds)


def load_coastal_limits(path: Path | None) -> Mapping[str, CoastalLimits]:
    """Class name -> limits: class II from the standard, plus the classes a JSON file gives."""
    classes: dict[str, CoastalLimits] = {"II": COASTAL_CLASS_II}
    if path is None:
        return MappingProxyType(classes)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable JSON file ({exc})") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected an object of class -> limits")
    for name, body in document.items():
        if name == "II":
            raise ValueError(f"{path}: class II is fixed by GB 3097 and cannot be redefined")
        if name not in COASTAL_CLASSES:
            raise ValueError(f"{path}: unknown class {name!r}; expected I, III or IV")
        classes[name] = _class_from_json(name, body)
    return MappingProxyType({c: classes[c] for c in COASTAL_CLASSES if c in classes})
