"""Status of rivers, basins and jurisdictions (2011 method), river main pollutants and target
compliance."""

from __future__ import annotations

import math

import pytest

from jingjinji.water import kernels

S = kernels.StatusThresholds


def sections(i_iii: int, iv_v: int, inferior: int) -> list[int]:
    return [2] * i_iii + [5] * iv_v + [6] * inferior


def test_hebei_published_check() -> None:
    """133 sections, 45.1 % in I-III and 28.6 % inferior V: moderately polluted."""
    status = kernels.water_body_status(sections(60, 35, 38))
    assert status.status == "moderately_polluted"
    assert status.n_sections == 133
    assert round(status.share_i_iii * 100, 1) == 45.1
    assert round(status.share_inferior_v * 100, 1) == 28.6
    assert status.averaged_class is None


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((9, 1, 0), "excellent"),  # exactly 90 %
        ((89, 11, 0), "good"),  # just below 90 %
        ((3, 1, 0), None),  # four sections: not the share method
        ((75, 25, 0), "good"),  # exactly 75 %
        ((74, 26, 0), "lightly_polluted"),
        ((74, 7, 19), "lightly_polluted"),  # inferior V just below 20 %
        ((74, 6, 20), "moderately_polluted"),  # exactly 20 %
        ((50, 11, 39), "moderately_polluted"),
        ((59, 1, 40), "heavily_polluted"),  # 40 % inferior V and below 60 % I-III
        ((6, 0, 4), "heavily_polluted"),  # exactly 60 % / 40 %: inclusive by default
        ((0, 0, 10), "heavily_polluted"),
        ((0, 10, 0), "lightly_polluted"),  # all IV-V, none inferior V
    ],
)
def test_share_grades_at_the_edges(counts: tuple[int, int, int], expected: str | None) -> None:
    classes = sections(*counts)
    if expected is None:
        with pytest.raises(ValueError, match="small_body_status"):
            kernels.water_body_status(classes)
        return
    assert kernels.water_body_status(classes).status == expected


def test_exclusive_edge_is_configurable() -> None:
    exclusive = S(edge_inclusive=False)
    assert kernels.water_body_status(sections(6, 0, 4), thresholds=exclusive).status == (
        "moderately_polluted"
    )
    assert kernels.water_body_status(sections(5, 1, 4), thresholds=exclusive).status == (
        "moderately_polluted"  # inferior V exactly 40 % is not above it
    )
    assert kernels.water_body_status(sections(5, 0, 5), thresholds=exclusive).status == (
        "heavily_polluted"
    )


def test_unassessed_sections_are_left_out() -> None:
    status = kernels.water_body_status([0, 0, *sections(5, 0, 0)])
    assert (status.n_sections, status.status) == (5, "excellent")
    with pytest.raises(ValueError, match="0 to 6"):
        kernels.water_body_status([7, 1, 1, 1, 1])
    assert S().min_sections == 5
    assert kernels.water_body_status(sections(2, 1, 0), thresholds=S(min_sections=3)).status == (
        "lightly_polluted"
    )


def test_small_body_averages_items_over_sections() -> None:
    # One section worse than V, one class I; the averages are class IV (COD 25, NH3-N 1.2).
    values = {"cod": [35.0, 15.0], "nh3n": [2.3, 0.1], "ph": [6.0, 8.0]}
    status = kernels.small_body_status(values)
    assert status.averaged_class == 4
    assert status.status == "lightly_polluted"
    assert status.n_sections == 2
    assert status.share_i_iii == 0.5
    assert status.share_inferior_v == 0.5


def test_small_body_uses_the_lake_column_and_refuses_many_sections() -> None:
    assert kernels.small_body_status({"tp": [0.04, 0.06]}, waterbody="lake").averaged_class == 3
    assert kernels.small_body_status({"tp": [0.04, 0.06]}).averaged_class == 2
    with pytest.raises(ValueError, match="water_body_status"):
        kernels.small_body_status({"cod": [10.0] * 5})
    with pytest.raises(ValueError, match="equal lengths"):
        kernels.small_body_status({"cod": [10.0], "tp": [0.1, 0.1]})


def test_river_main_pollutants_by_exceedance_rate() -> None:
    values = {
        "do": [1.0, 1.0, 1.0, 1.0],  # never a main pollutant
        "cod": [25.0, 25.0, 10.0, 10.0],  # 2 of 4 above III
        "nh3n": [2.0, 0.1, 0.1, 0.1],  # 1 of 4
        "tp": [0.3, 0.3, 0.3, math.nan],  # 3 of 3 assessed
        "codmn": [7.0, 7.0, 1.0, 1.0],  # 2 of 4, before COD in table order
        "cd": [0.001, 0.001, 0.001, 0.001],  # never above III
    }
    assert kernels.river_main_pollutants(values) == ("tp", "codmn", "cod")
    assert kernels.river_main_pollutants({"cd": [0.001, 0.002]}) == ()


def test_target_compliance() -> None:
    got = kernels.target_compliance([5, 6, 3, 0, 2, 4], [5, 5, 3, 3, 0, 3])
    assert (got.n, got.n_meeting, got.n_inferior_v) == (4, 2, 1)
    assert got.share_meeting == 0.5
    empty = kernels.target_compliance([0], [3])
    assert empty.n == 0
    assert math.isnan(empty.share_meeting)
    with pytest.raises(ValueError, match="1-5"):
        kernels.target_compliance([3], [6])
    with pytest.raises(ValueError, match="2 targets for 1 sections"):
        kernels.target_compliance([3], [3, 3])
