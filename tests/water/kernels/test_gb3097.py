"""GB 3097-1997 class II for coastal waters, and the optional file of the other classes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from jingjinji.water import kernels


def test_class_ii_limits() -> None:
    limits = kernels.COASTAL_CLASS_II
    assert (limits["do"].op, limits["do"].limit) == (">", 5.0)
    assert {k: (b.op, b.limit) for k, b in limits.items() if k != "do"} == {
        "cod": ("<=", 3.0),
        "bod5": ("<=", 3.0),
        "inorganic_nitrogen": ("<=", 0.30),
        "active_phosphate": ("<=", 0.030),
        "petroleum": ("<=", 0.05),
    }


@pytest.mark.parametrize(
    ("item", "meets", "fails"),
    [
        ("do", np.nextafter(5.0, 6.0), 5.0),  # strictly above 5
        ("cod", 3.0, np.nextafter(3.0, 4.0)),
        ("bod5", 3.0, np.nextafter(3.0, 4.0)),
        ("inorganic_nitrogen", 0.30, np.nextafter(0.30, 1.0)),
        ("active_phosphate", 0.030, np.nextafter(0.030, 1.0)),
        ("petroleum", 0.05, np.nextafter(0.05, 1.0)),
    ],
)
def test_class_ii_at_each_bound(item: str, meets: float, fails: float) -> None:
    assert kernels.coastal_meets_class_ii({item: [meets, fails]}).tolist() == [True, False]


def test_missing_items_are_not_judged() -> None:
    values = {"do": [6.0, math.nan, math.nan], "cod": [math.nan, 2.0, math.nan]}
    assert kernels.coastal_meets_class_ii(values).tolist() == [True, True, False]
    with pytest.raises(ValueError, match="'nh3n'"):
        kernels.coastal_meets_class_ii({"nh3n": [1.0]})
    with pytest.raises(ValueError, match="negative"):
        kernels.coastal_meets_class_ii({"cod": [-1.0]})


def test_default_limits_are_class_ii_only() -> None:
    assert list(kernels.load_coastal_limits(None)) == ["II"]


def test_other_classes_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "coastal.json"
    path.write_text(json.dumps({"I": {"do": [">", 6], "cod": ["<=", 2]}}), encoding="utf-8")
    classes = kernels.load_coastal_limits(path)
    assert list(classes) == ["I", "II"]
    assert kernels.coastal_meets({"do": [6.5, 6.0], "cod": [2.0, 2.0]}, classes["I"]).tolist() == [
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"II": {"cod": ["<=", 4]}}, "class II is fixed"),
        ({"V": {}}, "unknown class 'V'"),
        ({"I": {"zinc": ["<=", 1]}}, "unknown item 'zinc'"),
        ({"I": {"cod": ["=", 1]}}, "unknown operator '='"),
        ({"I": {"cod": ["<=", -1]}}, "non-negative"),
        ({"I": {"cod": 2}}, "[operator, limit]"),
        ([1], "class -> limits"),
    ],
)
def test_bad_files_are_refused(tmp_path: Path, document: object, fragment: str) -> None:
    path = tmp_path / "coastal.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        kernels.load_coastal_limits(path)
    assert fragment in str(caught.value)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable JSON file"):
        kernels.load_coastal_limits(path)
