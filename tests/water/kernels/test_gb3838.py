"""GB 3838-2002 item classes at every limit and either side of it, section classes, grades,
multiples and main pollutants."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingjinji.water import kernels
from jingjinji.water.kernels import gb3838

# Table 1 as the fact sheet prints it (shared/reference/standards.md section 4), written out
# here a second time on purpose: the kernel's table is checked against it.
TABLE: dict[str, tuple[float, float, float, float, float]] = {
    "do": (7.5, 6, 5, 3, 2),
    "codmn": (2, 4, 6, 10, 15),
    "cod": (15, 15, 20, 30, 40),
    "bod5": (3, 3, 4, 6, 10),
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
    "fecal_coliform": (200, 2000, 10000, 20000, 40000),
}
LAKE_TP = (0.01, 0.025, 0.05, 0.1, 0.2)
UPPER_BOUND_ITEMS = [i for i in TABLE if i != "do"]


def test_item_lists() -> None:
    assert len(kernels.ITEMS) == 23
    assert kernels.ITEMS[:3] == ("ph", "do", "codmn")
    assert kernels.ITEMS[-1] == "fecal_coliform"
    assert len(kernels.EVALUATED_ITEMS) == 21
    assert "tn" not in kernels.EVALUATED_ITEMS
    assert "fecal_coliform" not in kernels.EVALUATED_ITEMS
    assert set(kernels.ITEM_NAMES) >= set(kernels.ITEMS) | {"temperature"}
    assert kernels.ITEM_NAMES["nh3n"] == ("Ammonia nitrogen", "氨氮")
    assert kernels.ITEM_UNITS["cod"] == "mg/L"
    assert kernels.ITEM_UNITS["ph"] == ""
    assert kernels.ITEM_UNITS["fecal_coliform"] == "per L"


@pytest.mark.parametrize("item", list(TABLE))
def test_limits_match_the_fact_sheet(item: str) -> None:
    assert kernels.limits(item) == pytest.approx(TABLE[item], rel=0, abs=0)


def test_lake_differs_only_for_total_phosphorus() -> None:
    assert kernels.limits("tp", "lake") == LAKE_TP
    for item in TABLE:
        if item != "tp":
            assert kernels.limits(item, "lake") == kernels.limits(item, "river")


@pytest.mark.parametrize(
    ("item", "klass", "value"),
    [
        ("tn", 4, 1.5),  # copies on the web print 105
        ("nh3n", 1, 0.15),  # not 0.015
        ("phenol", 2, 0.002),  # not 0.003
        ("cu", 2, 1.0),  # not 0.1
    ],
)
def test_fact_sheet_typos_are_not_copied(item: str, klass: int, value: float) -> None:
    assert kernels.limits(item)[klass - 1] == value


def _first_class_with(limits: tuple[float, ...], predicate: Callable[[float], bool]) -> int:
    for index, limit in enumerate(limits):
        if predicate(limit):
            return index + 1
    return kernels.WORSE_THAN_V


UPPER_CASES = [
    (item, klass, waterbody)
    for item in UPPER_BOUND_ITEMS
    for klass in range(1, 6)
    for waterbody in (("river", "lake") if item == "tp" else ("river",))
]


@pytest.mark.parametrize(("item", "klass", "waterbody"), UPPER_CASES)
def test_upper_bound_items_at_each_limit_and_either_side(
    item: str, klass: int, waterbody: str
) -> None:
    table = LAKE_TP if (item, waterbody) == ("tp", "lake") else TABLE[item]
    limit = float(table[klass - 1])
    at = _first_class_with(table, lambda x: x == limit)  # shared limits: the better class
    above = _first_class_with(table, lambda x: x > limit)
    values = [np.nextafter(limit, -math.inf), limit, np.nextafter(limit, math.inf)]
    got = kernels.item_class(item, values, waterbody=waterbody)
    assert got.tolist() == [at, at, above]
    assert got.dtype == np.int8


@pytest.mark.parametrize("klass", range(1, 6))
def test_dissolved_oxygen_is_a_lower_bound(klass: int) -> None:
    limit = float(TABLE["do"][klass - 1])
    values = [np.nextafter(limit, math.inf), limit, np.nextafter(limit, -math.inf)]
    below = klass + 1  # DO limits never repeat
    assert kernels.item_class("do", values).tolist() == [klass, klass, below]


@pytest.mark.parametrize(
    ("item", "value", "expected"),
    [
        ("cod", 15, 1),
        ("cod", 33, 5),
        ("f", 1.0, 1),
        ("cu", 1.0, 2),
        ("zn", 2.0, 4),
        ("se", 0.01, 1),
        ("hg", 0.00005, 1),
        ("cn", 0.2, 3),
        ("petroleum", 0.05, 1),
        ("nh3n", 9.74, 6),
        ("do", 20.0, 1),
        ("do", 0.0, 6),
        ("cod", 0.0, 1),
    ],
)
def test_published_and_shared_limit_examples(item: str, value: float, expected: int) -> None:
    assert kernels.item_class(item, [value]).tolist() == [expected]


def test_ph_range() -> None:
    values = [0.0, 5.99, 6.0, 7.0, 9.0, 9.01, 14.0]
    assert kernels.item_class("ph", values).tolist() == [6, 6, 1, 1, 1, 6, 6]


def test_missing_values_are_not_assessed() -> None:
    for item in kernels.ITEMS:
        assert kernels.item_class(item, [math.nan, 0.1]).tolist()[0] == 0


def test_per_row_waterbody() -> None:
    got = kernels.item_class("tp", [0.05, 0.05, 0.1], waterbody=["river", "lake", "lake"])
    assert got.tolist() == [2, 3, 4]


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: kernels.item_class("chlorophyll", [1.0]), "chlorophyll"),
        (lambda: kernels.item_class("temperature", [1.0]), "not graded"),
        (lambda: kernels.item_class("cod", [1.0], waterbody="sea"), "'sea'"),
        (lambda: kernels.item_class("tp", [1.0], waterbody=["pond"]), "'pond'"),
        (lambda: kernels.item_class("cod", [1.0, -0.5]), "cod at position 1"),
        (lambda: kernels.item_class("ph", [7, 14.5]), "pH from 0 to 14"),
        (lambda: kernels.item_class("cod", [math.inf]), "cod at position 0"),
        (lambda: kernels.limits("ph"), "6-9"),
        (lambda: kernels.limits("xx"), "expected one of ph, do"),
    ],
)
def test_actionable_errors(call: Callable[[], object], fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        call()


def test_section_class_is_the_worst_evaluated_item() -> None:
    classes = {
        "cod": np.array([1, 5, 0, 0], dtype=np.int8),
        "nh3n": np.array([3, 6, 0, 2], dtype=np.int8),
        "tn": np.array([6, 6, 6, 6], dtype=np.int8),
        "fecal_coliform": np.array([6, 6, 6, 6], dtype=np.int8),
    }
    assert kernels.section_class(classes).tolist() == [3, 6, 0, 2]
    with pytest.raises(ValueError, match="different numbers of rows"):
        kernels.section_class({"cod": np.array([1]), "tp": np.array([1, 2])})


def test_grades() -> None:
    assert kernels.grade([0, 1, 2, 3, 4, 5, 6]).tolist() == [
        "",
        "excellent",
        "excellent",
        "good",
        "lightly_polluted",
        "moderately_polluted",
        "heavily_polluted",
    ]
    assert kernels.GRADES[0] == "excellent"
    with pytest.raises(ValueError, match="0 to 6"):
        kernels.grade([7])


def test_dongdaqiao_january_2017() -> None:
    """COD 33 (class V, meets a class V target); NH3-N 9.74, 3.87 times its class V limit."""
    result = kernels.assess({"cod": [33.0], "nh3n": [9.74]}, reference_class=5)
    assert result.classes["cod"].tolist() == [5]
    assert result.classes["nh3n"].tolist() == [6]
    assert round(float(result.multiples["nh3n"][0]), 2) == 3.87
    assert math.isnan(result.multiples["cod"][0])
    assert result.section_class.tolist() == [6]
    assert result.main_pollutants == [("nh3n",)]
    compliance = kernels.target_compliance(result.classes["cod"], [5])
    assert compliance.n_meeting == 1


def test_multiples_against_class_iii_and_per_row_reference() -> None:
    got = kernels.exceedance_multiple("cod", [20, 30, 40, 10], [3, 3, 4, 0])
    assert math.isnan(got[0])
    assert got[1] == pytest.approx(0.5)
    assert got[2] == pytest.approx(1 / 3)
    assert math.isnan(got[3])
    for item in ("ph", "do"):
        assert np.isnan(kernels.exceedance_multiple(item, [1.0, 12.0], 3)).all()
    with pytest.raises(ValueError, match="1-5"):
        kernels.exceedance_multiple("cod", [1.0], 6)


def test_main_pollutants_ranked_by_class_then_multiple() -> None:
    values = {
        "ph": [4.0, 7.0, 7.0, 7.0],
        "do": [1.0, 8.0, 1.0, 8.0],
        "cod": [50.0, 25.0, 35.0, 10.0],  # 6 (1.5x), 4, 5, 1
        "nh3n": [3.0, 0.1, 1.8, 0.1],  # 6 (2.0x), 1, 5 (0.8x), 1
        "tp": [0.5, 0.1, 0.1, 0.1],  # 6 (1.5x), 2, 2, 2
        "bod5": [7.0, 3.0, 3.0, 3.0],  # 5 (0.75x)
        "tn": [9.0, 9.0, 9.0, 9.0],  # reported separately: never a main pollutant
    }
    got = kernels.main_pollutants(values)
    assert got[0] == ("nh3n", "cod", "tp")  # four items worse than III: the three class-6 ones
    assert got[1] == ("cod",)
    assert got[2] == ("nh3n", "cod")  # 0.8x before 0.75x; DO (class 6) is never one
    assert got[3] == ()
    # Against a class V target, class V items no longer exceed.
    assert kernels.main_pollutants(values, reference_class=5)[2] == ()
    # A row without a reference (0) has neither multiples nor main pollutants.
    no_reference = kernels.assess(values, reference_class=[0, 3, 3, 3])
    assert no_reference.main_pollutants[0] == ()
    assert np.isnan(no_reference.multiples["cod"][0])


def test_equal_class_and_multiple_follow_the_table_order() -> None:
    # Both class IV and exactly half over class III: CODMn comes first in Table 1.
    got = kernels.main_pollutants({"cod": [30.0], "codmn": [9.0]})
    assert got == [("codmn", "cod")]


def test_section_at_or_better_than_iii_has_no_main_pollutants() -> None:
    assert kernels.main_pollutants({"cod": [20.0]}, reference_class=2) == [()]


def test_assess_ignores_ungraded_items_and_checks_names() -> None:
    result = kernels.assess({"temperature": [25.0], "cod": [16.0]})
    assert set(result.classes) == {"cod"}
    with pytest.raises(ValueError, match="'chl'"):
        kernels.assess({"chl": [1.0]})


ITEM_VALUES = st.fixed_dictionaries(
    {
        item: st.floats(0, 3 * TABLE[item][4], allow_nan=False)
        for item in ("do", "codmn", "cod", "nh3n", "tp", "cd", "fecal_coliform")
    }
)


@settings(max_examples=300, deadline=None)
@given(
    values=ITEM_VALUES,
    item=st.sampled_from(["do", "codmn", "cod", "nh3n", "tp", "cd"]),
    step=st.floats(0, 50, allow_nan=False),
)
def test_worsening_one_item_never_improves_the_section(
    values: dict[str, float], item: str, step: float
) -> None:
    before = kernels.assess({k: [v] for k, v in values.items()}).section_class[0]
    worse = dict(values)
    worse[item] = max(values[item] - step, 0.0) if item == "do" else values[item] + step
    after = kernels.assess({k: [v] for k, v in worse.items()}).section_class[0]
    assert after >= before


def test_module_constants() -> None:
    assert gb3838.WORSE_THAN_V == 6
    assert gb3838.NOT_ASSESSED == 0
