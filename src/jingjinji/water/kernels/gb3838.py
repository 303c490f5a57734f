"""GB 3838-2002 Table 1 and the single-factor method of the 2011 surface-water assessment.

Classes are small integers: 1..5 for classes I..V, :data:`WORSE_THAN_V` (6) for "inferior V"
and 0 for "not assessed" (the value is missing). Everything is vectorised over rows; a row is a
sample of one section (a day, a month, a period mean).

Rules (``shared/reference/standards.md`` section 4):

* a value equal to a limit belongs to that class, and where classes share a limit the better
  class wins (COD 15 is class I, fluoride 1.0 is class I);
* dissolved oxygen is a lower bound (7.5 or more is class I, below 2 is worse than V);
* pH between 6 and 9 inclusive is class I, anything else is worse than V;
* lakes and reservoirs use their own total-phosphorus column; total nitrogen is a lake item,
  classified here whenever asked so that it can be reported, but it never sets a section class;
* the section class is the worst class of the 21 evaluated items (all graded items except total
  nitrogen and fecal coliform, which are reported separately);
* the exceedance multiple is ``(C - limit) / limit`` against a reference class (III nationally,
  the section's target class in target assessments); never for temperature, pH or DO;
* main pollutants of a section worse than III: up to three items above the reference class,
  worst class first, then the larger multiple, then the table order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]
ClassArray = npt.NDArray[np.int8]

#: The graded items of Table 1, in the table's order (water temperature is not graded).
ITEMS: tuple[str, ...] = (
    "ph",
    "do",
    "codmn",
    "cod",
    "bod5",
    "nh3n",
    "tp",
    "tn",
    "cu",
    "zn",
    "f",
    "se",
    "as",
    "hg",
    "cd",
    "cr6",
    "pb",
    "cn",
    "phenol",
    "petroleum",
    "las",
    "sulfide",
    "fecal_coliform",
)
#: Items reported separately by the 2011 method: classified, but never part of a section class.
REPORTED_SEPARATELY: tuple[str, ...] = ("tn", "fecal_coliform")
#: The 21 items that make up a section class.
EVALUATED_ITEMS: tuple[str, ...] = tuple(i for i in ITEMS if i not in REPORTED_SEPARATELY)
#: Measured at stations but never graded (GB 3838 has no class limits for them).
UNGRADED_ITEMS: tuple[str, ...] = ("temperature", "conductivity", "turbidity")
#: Items with no exceedance multiple (the 2011 method), hence never a main pollutant.
NO_MULTIPLE_ITEMS: tuple[str, ...] = ("temperature", "ph", "do")

ITEM_NAMES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "ph": ("pH", "pH值"),
        "do": ("Dissolved oxygen", "溶解氧"),
        "codmn": ("Permanganate index", "高锰酸盐指数"),
        "cod": ("Chemical oxygen demand", "化学需氧量"),
        "bod5": ("Five-day biochemical oxygen demand", "五日生化需氧量"),
        "nh3n": ("Ammonia nitrogen", "氨氮"),
        "tp": ("Total phosphorus", "总磷"),
        "tn": ("Total nitrogen", "总氮"),
        "cu": ("Copper", "铜"),
        "zn": ("Zinc", "锌"),
        "f": ("Fluoride", "氟化物"),
        "se": ("Selenium", "硒"),
        "as": ("Arsenic", "砷"),
        "hg": ("Mercury", "汞"),
        "cd": ("Cadmium", "镉"),
        "cr6": ("Chromium (VI)", "铬(六价)"),
        "pb": ("Lead", "铅"),
        "cn": ("Cyanide", "氰化物"),
        "phenol": ("Volatile phenol", "挥发酚"),
        "petroleum": ("Petroleum", "石油类"),
        "las": ("Anionic surfactant", "阴离子表面活性剂"),
        "sulfide": ("Sulfide", "硫化物"),
        "fecal_coliform": ("Fecal coliform", "粪大肠菌群"),
        "temperature": ("Water temperature", "水温"),
        "conductivity": ("Conductivity", "电导率"),
        "turbidity": ("Turbidity", "浊度"),
    }
)
ITEM_UNITS: Mapping[str, str] = MappingProxyType(
    {
        **{item: "mg/L" for item in ITEMS},
        "ph": "",
        "fecal_coliform": "per L",
        "temperature": "°C",
        "conductivity": "µS/cm",
        "turbidity": "NTU",
    }
)

WORSE_THAN_V = 6
NOT_ASSESSED = 0
WATERBODIES: tuple[str, ...] = ("river", "lake")
#: pH range of every class; outside it a sample is worse than V.
PH_RANGE: tuple[float, float] = (6.0, 9.0)
#: The physically possible pH scale: anything outside is a data error, not a class.
PH_SCALE: tuple[float, float] = (0.0, 14.0)

Limits = tuple[float, float, float, float, float]

# Upper limits of classes I..V (DO: lower limits). Values pinned against the fact sheet,
# including the places where copies on the web carry typos (tests/water/kernels).
_LIMITS: dict[str, Limits] = {
    "do": (7.5, 6.0, 5.0, 3.0, 2.0),
    "codmn": (2.0, 4.0, 6.0, 10.0, 15.0),
    "cod": (15.0, 15.0, 20.0, 30.0, 40.0),
    "bod5": (3.0, 3.0, 4.0, 6.0, 10.0),
    "nh3n": (0.15, 0.5, 1.0, 1.5, 2.0),
    "tp": (0.02, 0.1, 0.2, 0.3, 0.4),
    "tn": (0.2, 0.5, 1.0, 1.5, 2.0),
    "cu": (0.01, 1.0, 1.0, 1.0, 1.0),
    "zn": (0.05, 1.0, 1.0, 2.0, 2.0),
    "f": (1.0, 1.0, 1.0, 1.5, 1.5),
    "se": (0.01, 0.01, 0.01, 0.02, 0.02),
    "as": (0.05, 0.05, 0.05, 0.1, 0.1),
    "hg": (0.00005, 0.00005, 0.0001, 0.001, 0.001),
    "cd": (0.001, 0.005, 0.005, 0.005, 0.01),
    "cr6": (0.01, 0.05, 0.05, 0.05, 0.1),
    "pb": (0.01, 0.01, 0.05, 0.05, 0.1),
    "cn": (0.005, 0.05, 0.2, 0.2, 0.2),
    "phenol": (0.002, 0.002, 0.005, 0.01, 0.1),
    "petroleum": (0.05, 0.05, 0.05, 0.5, 1.0),
    "las": (0.2, 0.2, 0.2, 0.3, 0.3),
    "sulfide": (0.05, 0.1, 0.2, 0.5, 1.0),
    "fecal_coliform": (200.0, 2000.0, 10000.0, 20000.0, 40000.0),
}
_LAKE_LIMITS: dict[str, Limits] = {"tp": (0.01, 0.025, 0.05, 0.1, 0.2)}
_LOWER_BOUND_ITEMS = frozenset({"do"})

GRADES: tuple[str, ...] = (
    "excellent",
    "good",
    "lightly_polluted",
    "moderately_polluted",
    "heavily_polluted",
)
# Class -> grade: I and II excellent, III good, IV light, V moderate, inferior V heavy.
_GRADE_OF_CLASS = np.array(["", GRADES[0], GRADES[0], GRADES[1], GRADES[2], GRADES[3], GRADES[4]])


def _check_graded(item: str) -> None:
    if item in ITEMS:
        return
    if item in UNGRADED_ITEMS:
        raise ValueError(f"{item!r} is measured but not graded by GB 3838")
    raise ValueError(f"unknown water item {item!r}; expected one of {', '.join(ITEMS)}")


def _check_waterbody(waterbody: str) -> None:
    if waterbody not in WATERBODIES:
        raise ValueError(
            f"unknown waterbody {waterbody!r}; expected one of {', '.join(WATERBODIES)}"
        )


def limits(item: str, waterbody: str = "river") -> Limits:
    """Limits of classes I..V of ``item`` (DO: lower limits); pH has :data:`PH_RANGE` instead."""
    _check_graded(item)
    _check_waterbody(waterbody)
    if item == "ph":
        raise ValueError(f"pH has a range, not class limits: {PH_RANGE[0]:g}-{PH_RANGE[1]:g}")
    if waterbody == "lake" and item in _LAKE_LIMITS:
        return _LAKE_LIMITS[item]
    return _LIMITS[item]


def _position(mask: np.ndarray) -> str:
    where = np.argwhere(mask)[0]
    return str(int(where[0])) if where.size == 1 else str(tuple(int(i) for i in where))


def _as_values(item: str, values: ArrayLike) -> FloatArray:
    """``values`` as floats; negative or infinite values are refused (NaN stays: not assessed)."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{item}: values must be numbers ({exc})") from None
    with np.errstate(invalid="ignore"):
        low = PH_SCALE[0] if item == "ph" else 0.0
        bad = (array < low) | np.isinf(array)
        if item == "ph":
            bad |= array > PH_SCALE[1]
    if bad.any():
        position = _position(bad)
        wanted = "a pH from 0 to 14" if item == "ph" else "a non-negative finite number"
        raise ValueError(f"{item} at position {position}: {array[bad][0]!r} is not {wanted}")
    return array


def _row_limits(item: str, waterbody: str | ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    """Limits per row, shape ``shape + (5,)``; ``waterbody`` is one name or one per row."""
    if isinstance(waterbody, str):
        return np.asarray(limits(item, waterbody), dtype=np.float64)
    bodies = np.asarray(waterbody, dtype=object)
    for name in set(bodies.ravel().tolist()):
        _check_waterbody(str(name))
    river = np.asarray(limits(item, "river"), dtype=np.float64)
    lake = np.asarray(limits(item, "lake"), dtype=np.float64)
    is_lake = np.broadcast_to(bodies == "lake", shape)
    return np.where(is_lake[..., None], lake, river)


def item_class(item: str, values: ArrayLike, *, waterbody: str | ArrayLike = "river") -> ClassArray:
    """Class (1..5, 6 worse than V, 0 missing) of each value of ``item``.

    ``waterbody`` is ``"river"``, ``"lake"`` or an array of those, one per row.
    """
    _check_graded(item)
    if isinstance(waterbody, str):
        _check_waterbody(waterbody)
    array = _as_values(item, values)
    missing = np.isnan(array)
    if item == "ph":
        inside = (array >= PH_RANGE[0]) & (array <= PH_RANGE[1])
        classes = np.where(inside, 1, WORSE_THAN_V)
    else:
        bounds = _row_limits(item, waterbody, array.shape)
        column = array[..., None]
        # Limits never get better from class I to V, so the class is one plus the number of
        # limits the value is on the wrong side of; an equal value is on the right side.
        with np.errstate(invalid="ignore"):
            wrong = column < bounds if item in _LOWER_BOUND_ITEMS else column > bounds
        classes = 1 + wrong.sum(axis=-1)
    return np.where(missing, NOT_ASSESSED, classes).astype(np.int8)


def _rows(arrays: Mapping[str, ArrayLike]) -> tuple[int, ...]:
    shapes = {key: np.shape(value) for key, value in arrays.items()}
    distinct = set(shapes.values())
    if len(distinct) > 1:
        listed = ", ".join(f"{key} {shape}" for key, shape in shapes.items())
        raise ValueError(f"items have different numbers of rows: {listed}")
    if not distinct:
        raise ValueError("no item given")
    return distinct.pop()


def section_class(classes: Mapping[str, ArrayLike]) -> ClassArray:
    """Worst class of the evaluated items per row (0 where none is assessed).

    Items reported separately (TN, fecal coliform) and ungraded items are ignored.
    """
    shape = _rows(classes)
    worst = np.zeros(shape, dtype=np.int8)
    for item, values in classes.items():
        if item in EVALUATED_ITEMS:
            worst = np.maximum(worst, np.asarray(values, dtype=np.int8))
    return worst


def grade(section_classes: ArrayLike) -> npt.NDArray[np.str_]:
    """The grade word of each section class ("" where not assessed)."""
    array = np.asarray(section_classes)
    if array.size and (array.min() < 0 or array.max() > WORSE_THAN_V):
        raise ValueError(f"section classes run from 0 to {WORSE_THAN_V}")
    return _GRADE_OF_CLASS[array.astype(np.intp)]


def _reference(reference_class: int | ArrayLike, shape: tuple[int, ...]) -> npt.NDArray[np.intp]:
    """Reference classes per row; 0 in an array means "no reference" (no multiple)."""
    array = np.asarray(reference_class)
    if array.ndim == 0 and not 1 <= int(array) <= 5:
        raise ValueError(f"reference class {int(array)} is not one of 1-5")
    if array.size and (array.min() < 0 or array.max() > 5):
        raise ValueError("reference classes must be 1-5 (0: none for that row)")
    return np.broadcast_to(array.astype(np.intp), shape)


def exceedance_multiple(
    item: str,
    values: ArrayLike,
    reference_class: int | ArrayLike,
    *,
    waterbody: str | ArrayLike = "river",
) -> FloatArray:
    """``(C - limit) / limit`` where ``C`` is above the reference class's limit, else NaN.

    Always NaN for temperature, pH and DO. The number is unrounded: reports show it to two
    decimals (:func:`jingjinji.water.kernels.statistics.round_decimals`).
    """
    if item not in NO_MULTIPLE_ITEMS:
        _check_graded(item)
    array = _as_values(item, values)
    if item in NO_MULTIPLE_ITEMS or item in UNGRADED_ITEMS:
        return np.full(array.shape, np.nan)
    reference = _reference(reference_class, array.shape)
    bounds = np.broadcast_to(_row_limits(item, waterbody, array.shape), (*array.shape, 5))
    limit = np.take_along_axis(bounds, np.maximum(reference - 1, 0)[..., None], axis=-1)[..., 0]
    with np.errstate(invalid="ignore"):
        above = (array > limit) & (reference > 0)
    return np.where(above, (array - limit) / limit, np.nan)


def _main_pollutants(
    classes: Mapping[str, ClassArray],
    multiples: Mapping[str, FloatArray],
    section: ClassArray,
    reference: npt.NDArray[np.intp],
) -> list[tuple[str, ...]]:
    candidates = [i for i in EVALUATED_ITEMS if i in classes and i not in NO_MULTIPLE_ITEMS]
    if not candidates:
        return [() for _ in range(section.size)]
    klass = np.stack([classes[i].ravel() for i in candidates], axis=1).astype(np.int64)
    multiple = np.stack([multiples[i].ravel() for i in candidates], axis=1)
    row_reference = reference.ravel()[:, None]
    eligible = (klass > row_reference) & (row_reference > 0) & (section.ravel() > 3)[:, None]
    klass = np.where(eligible, klass, -1)
    multiple = np.where(eligible & ~np.isnan(multiple), multiple, -np.inf)
    order_key = np.broadcast_to(np.arange(len(candidates)), klass.shape)
    # lexsort: the last key is the primary one. Worst class, then largest multiple, then order.
    order = np.lexsort((order_key, -multiple, -klass), axis=-1)[:, :3]
    top_eligible = np.take_along_axis(eligible, order, axis=1)
    names = np.array(candidates, dtype=object)[order]
    return [tuple(row[keep]) for row, keep in zip(names, top_eligible, strict=True)]


def main_pollutants(
    values: Mapping[str, ArrayLike],
    *,
    reference_class: int | ArrayLike = 3,
    waterbody: str | ArrayLike = "river",
) -> list[tuple[str, ...]]:
    """Per row, up to three items above the reference class, for sections worse than III."""
    return assess(values, waterbody=waterbody, reference_class=reference_class).main_pollutants


@dataclass(frozen=True)
class Assessment:
    """Single-factor assessment of a set of samples (one row per sample).

    ``classes`` holds every graded item given (TN and fecal coliform included, for reporting);
    ``multiples`` every item given that can have a multiple (not pH, DO).
    """

    classes: dict[str, ClassArray]
    section_class: ClassArray
    grade: npt.NDArray[np.str_]
    multiples: dict[str, FloatArray]
    main_pollutants: list[tuple[str, ...]]


def assess(
    values: Mapping[str, ArrayLike],
    *,
    waterbody: str | ArrayLike = "river",
    reference_class: int | ArrayLike = 3,
) -> Assessment:
    """Item classes, section class, grade, multiples and main pollutants of each row.

    ``values`` maps item codes to equal-length arrays (NaN: not measured); ungraded items
    (temperature, conductivity, turbidity) are accepted and ignored. ``reference_class`` (one,
    or one per row with 0 for none) is the class multiples and main pollutants are judged
    against: III in the national assessment, the target class in a target assessment.
    """
    for item in values:
        if item not in UNGRADED_ITEMS:
            _check_graded(item)
    shape = _rows(values)
    reference = _reference(reference_class, shape)
    graded = {i: values[i] for i in ITEMS if i in values}
    classes = {i: item_class(i, v, waterbody=waterbody) for i, v in graded.items()}
    multiples = {
        i: exceedance_multiple(i, v, reference, waterbody=waterbody)
        for i, v in graded.items()
        if i not in NO_MULTIPLE_ITEMS
    }
    section = section_class(classes) if classes else np.zeros(shape, dtype=np.int8)
    return Assessment(
        classes=classes,
        section_class=section,
        grade=grade(section),
        multiples=multiples,
        main_pollutants=_main_pollutants(classes, multiples, section, reference),
    )
