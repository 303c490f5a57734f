"""AQI levels (I-VI): categories, colours and the level of an AQI value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jingjinji.air.kernels.standards import ArrayLike

_LEVEL_UPPER = np.array([50.0, 100.0, 150.0, 200.0, 300.0])


@dataclass(frozen=True)
class AqiLevel:
    level: int
    roman: str
    aqi_min: int
    aqi_max: int | None
    category_en: str
    category_zh: str
    rgb: tuple[int, int, int]

    @property
    def colour_hex(self) -> str:
        return "#{:02X}{:02X}{:02X}".format(*self.rgb)


LEVELS: dict[int, AqiLevel] = {
    1: AqiLevel(1, "I", 0, 50, "Excellent", "优", (0, 228, 0)),
    2: AqiLevel(2, "II", 51, 100, "Good", "良", (255, 255, 0)),
    3: AqiLevel(3, "III", 101, 150, "Lightly polluted", "轻度污染", (255, 126, 0)),
    4: AqiLevel(4, "IV", 151, 200, "Moderately polluted", "中度污染", (255, 0, 0)),
    5: AqiLevel(5, "V", 201, 300, "Heavily polluted", "重度污染", (153, 0, 76)),
    6: AqiLevel(6, "VI", 301, None, "Severely polluted", "严重污染", (126, 0, 35)),
}


def _level(level: int) -> AqiLevel | None:
    level = int(level)
    if level == 0:
        return None
    if level not in LEVELS:
        raise ValueError(f"AQI level must be 0 (no AQI) or 1..6, got {level}")
    return LEVELS[level]


def category_en(level: int) -> str:
    """English category of a level 1..6; "" for level 0 (no AQI published)."""
    found = _level(level)
    return "" if found is None else found.category_en


def category_zh(level: int) -> str:
    """Chinese category of a level 1..6; "" for level 0 (no AQI published)."""
    found = _level(level)
    return "" if found is None else found.category_zh


def colour_hex(level: int) -> str:
    """Colour "#RRGGBB" of a level 1..6; "" for level 0 (no AQI published)."""
    found = _level(level)
    return "" if found is None else found.colour_hex


def level_of(aqi: ArrayLike) -> npt.NDArray[np.int8]:
    """Level 1..6 for each AQI value, 0 where the AQI is NaN."""
    values = np.asarray(aqi, dtype=np.float64)
    level = np.ones(values.shape, dtype=np.int8)
    for upper in _LEVEL_UPPER:
        np.add(level, values > upper, out=level, casting="unsafe")
    level[np.isnan(values)] = 0
    return level
