"""Pure numeric kernels for surface and coastal water quality.

``gb3838`` (GB 3838-2002 classes and the 2011 single-factor assessment), ``statistics`` (2020
technical rules: period values, rounding), ``status`` (rivers, basins and jurisdictions) and
``gb3097`` (coastal waters). The rules and every open choice are described in
``docs/water-kernels.md``.
"""

from jingjinji.water.kernels.gb3097 import (
    COASTAL_CLASS_II,
    COASTAL_CLASSES,
    COASTAL_ITEMS,
    Bound,
    CoastalLimits,
    coastal_meets,
    coastal_meets_class_ii,
    load_coastal_limits,
)
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
from jingjinji.water.kernels.statistics import (
    BELOW_DETECTION_RULES,
    DECIMALS,
    period_value,
    round_decimals,
    round_item,
)
from jingjinji.water.kernels.status import (
    BodyStatus,
    Compliance,
    StatusThresholds,
    river_main_pollutants,
    small_body_status,
    target_compliance,
    water_body_status,
)

__all__ = [
    "BELOW_DETECTION_RULES",
    "COASTAL_CLASSES",
    "COASTAL_CLASS_II",
    "COASTAL_ITEMS",
    "DECIMALS",
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
    "BodyStatus",
    "Bound",
    "CoastalLimits",
    "Compliance",
    "StatusThresholds",
    "assess",
    "coastal_meets",
    "coastal_meets_class_ii",
    "exceedance_multiple",
    "grade",
    "item_class",
    "limits",
    "load_coastal_limits",
    "main_pollutants",
    "period_value",
    "river_main_pollutants",
    "round_decimals",
    "round_item",
    "section_class",
    "small_body_status",
    "target_compliance",
    "water_body_status",
]
