"""Presentation shared by the air API and pages: the label and colour of an AQI level."""

from __future__ import annotations

from jingjinji.air import kernels

#: Colour of "no AQI" (level 0) on maps, badges and charts.
NO_LEVEL_COLOUR = "#B0B0B0"


def level_info(level: int) -> dict[str, str]:
    """``category_en``, ``category_zh`` and ``colour`` (HJ 633) of an AQI level."""
    return {
        "category_en": kernels.category_en(level),
        "category_zh": kernels.category_zh(level),
        "colour": kernels.colour_hex(level) or NO_LEVEL_COLOUR,
    }
