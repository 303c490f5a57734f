"""Pure numeric kernels for surface and coastal water quality.

``gb3838`` (GB 3838-2002 classes and the 2011 single-factor assessment), ``statistics`` (2020
technical rules: period values, rounding), ``status`` (rivers, basins and jurisdictions) and
``gb3097`` (coastal waters). The rules and every open choice are described in
``docs/water-kernels.md``.
"""

from jingjinji.water.kernels.gb3838 import (
    EVALUATED_ITEMS,
    GRADES,
    ITEM_NAMES,
    ITEM_UNITS,
    ITEMS,
    NO_MULTIPLE_ITEMS,
    NOT_ASSESSED,
    PH_RANGE,
    REPORTED_SEPARATELY,
    UNGRADED_ITEMS,
    WATERBODIES,
    WORSE_THAN_V,
    Assessment,
    assess,
    exceedance_multiple,
    grade,
    item_class,
    limits,
    main_pollutants,
    section_class,
)

__all__ = [
    "EVALUATED_ITEMS",
    "GRADES",
    "ITEMS",
    "ITEM_NAMES",
    "ITEM_UNITS",
    "NOT_ASSESSED",
    "NO_MULTIPLE_ITEMS",
    "PH_RANGE",
    "REPORTED_SEPARATELY",
    "UNGRADED_ITEMS",
    "WATERBODIES",
    "WORSE_THAN_V",
    "Assessment",
    "assess",
    "exceedance_multiple",
    "grade",
    "item_class",
    "limits",
    "main_pollutants",
    "section_class",
]
