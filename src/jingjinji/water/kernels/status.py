"""Water-quality status of a river, basin or jurisdiction (2011 assessment method).

With at least five assessed sections the status follows the shares of sections in classes
I-III and worse than V (:func:`water_body_status`); with fewer, each item is averaged over the
sections and the averages are classified like one section (:func:`small_body_status`).

The fact sheet lists the grades as: I-III >= 90 % excellent; 75-90 % good; below 75 % with
inferior V below 20 % light; below 75 % with inferior V 20-40 % moderate; I-III below 60 % with
inferior V >= 40 % heavy. Our reading, which closes the gaps of that list:

* I-III >= 90 %: excellent; 75 % <= I-III < 90 %: good;
* below 75 % the inferior-V share decides: below 20 % light, from 20 % up to 40 % moderate,
  40 % or more heavy. Since the two shares add up to at most 100 %, "inferior V >= 40 %" already
  means "I-III <= 60 %"; the only case the 60 % condition can change is exactly 60 % I-III with
  exactly 40 % inferior V.
* That edge is OPEN: with ``edge_inclusive=True`` (default) exactly 60 % / 40 % is heavily
  polluted (both figures meet "<= 60 %" and ">= 40 %"); with ``False`` heavy needs inferior V
  above 40 % and I-III below 60 %, and the edge is moderately polluted.

Shares are compared exactly (as fractions of whole sections), so 27 of 30 is 90 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from jingjinji.water.kernels.gb3838 import (
    EVALUATED_ITEMS,
    GRADES,
    NO_MULTIPLE_ITEMS,
    WORSE_THAN_V,
    ArrayLike,
    assess,
    grade,
    item_class,
)
from jingjinji.water.kernels.statistics import DECIMALS, period_value

EXCELLENT, GOOD, LIGHT, MODERATE, HEAVY = GRADES


@dataclass(frozen=True)
class StatusThresholds:
    """Shares (0-1) that grade a body of water with ``min_sections`` sections or more."""

    excellent_share: float = 0.90
    good_share: float = 0.75
    light_inferior_share: float = 0.20
    heavy_i_iii_share: float = 0.60
    heavy_inferior_share: float = 0.40
    edge_inclusive: bool = True
    min_sections: int = 5


@dataclass(frozen=True)
class BodyStatus:
    """Status of a river, basin or jurisdiction.

    ``status`` is a grade word; the shares are of the assessed sections. ``averaged_class`` is
    the class of the item averages for a body of fewer than five sections, ``None`` otherwise.
    """

    status: str
    n_sections: int
    share_i_iii: float
    share_inferior_v: float
    averaged_class: int | None = None


@dataclass(frozen=True)
class Compliance:
    """Sections meeting their target class (sections or targets not assessed are left out)."""

    n: int
    n_meeting: int
    share_meeting: float
    n_inferior_v: int


def _exact(share: float) -> Fraction:
    return Fraction(Decimal(repr(share)))


def _classes(section_classes: ArrayLike) -> np.ndarray:
    array = np.asarray(section_classes).ravel()
    if array.size and (array.min() < 0 or array.max() > WORSE_THAN_V):
        raise ValueError(f"section classes run from 0 to {WORSE_THAN_V}")
    return array.astype(np.int64)


def _grade_of_shares(i_iii: Fraction, inferior: Fraction, t: StatusThresholds) -> str:
    if i_iii >= _exact(t.excellent_share):
        return EXCELLENT
    if i_iii >= _exact(t.good_share):
        return GOOD
    if inferior < _exact(t.light_inferior_share):
        return LIGHT
    heavy_inferior, heavy_i_iii = _exact(t.heavy_inferior_share), _exact(t.heavy_i_iii_share)
    if t.edge_inclusive:
        heavy = inferior >= heavy_inferior and i_iii <= heavy_i_iii
    else:
        heavy = inferior > heavy_inferior and i_iii < heavy_i_iii
    return HEAVY if heavy else MODERATE


def water_body_status(
    section_classes: ArrayLike, *, thresholds: StatusThresholds | None = None
) -> BodyStatus:
    """Status from the classes of the sections (0 = not assessed, left out)."""
    t = thresholds or StatusThresholds()
    classes = _classes(section_classes)
    assessed = classes[classes > 0]
    n = int(assessed.size)
    if n < t.min_sections:
        raise ValueError(
            f"{n} assessed sections: the share method needs {t.min_sections} or more; "
            "average the items over the sections instead (small_body_status)"
        )
    i_iii = Fraction(int((assessed <= 3).sum()), n)
    inferior = Fraction(int((assessed == WORSE_THAN_V).sum()), n)
    return BodyStatus(
        status=_grade_of_shares(i_iii, inferior, t),
        n_sections=n,
        share_i_iii=float(i_iii),
        share_inferior_v=float(inferior),
    )


def _section_arrays(values_by_section: Mapping[str, ArrayLike]) -> dict[str, np.ndarray]:
    arrays = {
        item: np.asarray(v, dtype=np.float64).ravel() for item, v in values_by_section.items()
    }
    sizes = {a.size for a in arrays.values()}
    if len(sizes) != 1:
        raise ValueError("give every item one value per section (equal lengths)")
    return arrays


def small_body_status(
    values_by_section: Mapping[str, ArrayLike],
    *,
    waterbody: str = "river",
    thresholds: StatusThresholds | None = None,
) -> BodyStatus:
    """Status of a body with fewer than ``min_sections`` sections: each item's average over the
    sections (pH through the hydrogen ion) is classified like one section."""
    t = thresholds or StatusThresholds()
    arrays = _section_arrays(values_by_section)
    per_section = assess(arrays, waterbody=waterbody).section_class
    assessed = per_section[per_section > 0]
    n = int(assessed.size)
    if n >= t.min_sections:
        raise ValueError(
            f"{n} assessed sections: use the share method (water_body_status) from "
            f"{t.min_sections} sections"
        )
    means = {i: np.array([period_value(i, a)]) for i, a in arrays.items() if i in DECIMALS}
    averaged = int(assess(means, waterbody=waterbody).section_class[0])
    return BodyStatus(
        status=str(grade([averaged])[0]),
        n_sections=n,
        share_i_iii=float((assessed <= 3).sum() / n) if n else float("nan"),
        share_inferior_v=float((assessed == WORSE_THAN_V).sum() / n) if n else float("nan"),
        averaged_class=averaged,
    )


def river_main_pollutants(
    values_by_section: Mapping[str, ArrayLike], *, waterbody: str = "river"
) -> tuple[str, ...]:
    """Up to three items with the highest share of sections above class III (ties: table
    order); items above III in no section are not pollutants. pH and DO are left out, as for a
    section's main pollutants."""
    arrays = _section_arrays(values_by_section)
    rates: list[tuple[Fraction, int, str]] = []
    for order, item in enumerate(EVALUATED_ITEMS):
        if item not in arrays or item in NO_MULTIPLE_ITEMS:
            continue
        classes = item_class(item, arrays[item], waterbody=waterbody)
        assessed = int((classes > 0).sum())
        above = int((classes > 3).sum())
        if above:
            rates.append((Fraction(above, assessed), -order, item))
    rates.sort(reverse=True)
    return tuple(item for _, _, item in rates[:3])


def target_compliance(section_classes: ArrayLike, target_classes: ArrayLike) -> Compliance:
    """How many sections meet their target (class no worse than the target class)."""
    classes = _classes(section_classes)
    targets = np.asarray(target_classes).ravel().astype(np.int64)
    if targets.shape != classes.shape:
        raise ValueError(f"{targets.size} targets for {classes.size} sections")
    if targets.size and (targets.min() < 0 or targets.max() > 5):
        raise ValueError("target classes must be 1-5 (0: no target)")
    counted = (classes > 0) & (targets > 0)
    n = int(counted.sum())
    meeting = int((counted & (classes <= targets)).sum())
    return Compliance(
        n=n,
        n_meeting=meeting,
        share_meeting=meeting / n if n else float("nan"),
        n_inferior_v=int((counted & (classes == WORSE_THAN_V)).sum()),
    )
