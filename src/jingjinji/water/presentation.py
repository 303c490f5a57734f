"""Shaping helpers of the water pages: labels, colours and rounding for display.

Nothing here decides a class or a status (the kernels and the assessment service do); it only
turns their numbers and codes into what a page shows, in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jingjinji import labels
from jingjinji.timezone import china_date, china_today
from jingjinji.water.kernels import DECIMALS, ITEM_NAMES, ITEM_UNITS, NOT_ASSESSED, WORSE_THAN_V
from jingjinji.water.models import SampleOrigin, Section, SectionKind
from jingjinji.web import N_

Translate = Callable[[str], str]

# Class colours as Chinese bulletins draw them: I and II blue, III green, IV yellow, V orange,
# inferior V red; grey where nothing was assessed.
CLASS_COLOURS: Mapping[int, str] = {
    1: "#1f5fbf",
    2: "#63a8e8",
    3: "#3fae49",
    4: "#f2d22e",
    5: "#f28c28",
    WORSE_THAN_V: "#d7301f",
    NOT_ASSESSED: "#b0b0b0",
}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}
_CLASS_WORDS = {
    1: N_("Class I"),
    2: N_("Class II"),
    3: N_("Class III"),
    4: N_("Class IV"),
    5: N_("Class V"),
    WORSE_THAN_V: N_("Inferior V"),
    NOT_ASSESSED: N_("Not assessed"),
}
KIND_LABELS: Mapping[str, str] = labels.register(
    "water.section_kind",
    {
        SectionKind.NATIONAL.value: N_("National section"),
        SectionKind.PROVINCIAL.value: N_("Provincial section"),
        SectionKind.CROSS_BORDER.value: N_("Cross-border section"),
        SectionKind.INTO_SEA.value: N_("River into the sea"),
        SectionKind.COASTAL.value: N_("Coastal point"),
    },
)
GRADE_LABELS: Mapping[str, str] = labels.register(
    "water.grade",
    {
        "excellent": N_("Excellent"),
        "good": N_("Good"),
        "lightly_polluted": N_("Lightly polluted"),
        "moderately_polluted": N_("Moderately polluted"),
        "heavily_polluted": N_("Heavily polluted"),
        "": N_("Not assessed"),
    },
)
RIVER_SYSTEM_LABELS: Mapping[str, str] = {
    "north_three_rivers": N_("North Three Rivers (Chaobai, North Canal, Ji Canal)"),
    "yongding": N_("Yongding River"),
    "daqing": N_("Daqing River"),
    "ziya": N_("Ziya River"),
    "haihe_main": N_("Hai River main stem"),
    "coastal": N_("Coastal waters"),
}
BASIN_LABELS: Mapping[str, str] = {"haihe": N_("Hai River basin")}
ORIGIN_LABELS: Mapping[str, str] = labels.register(
    "water.sample_origin",
    {
        SampleOrigin.MEASURED.value: N_("measured"),
        SampleOrigin.PUBLISHED.value: N_("published bulletin"),
        SampleOrigin.SYNTHETIC.value: N_("synthetic demo data"),
    },
)
# The scopes of the compliance tables (the catalog's WATER-<province>-COMPLIANCE shows them).
labels.register(
    "water.compliance_scope",
    {"all": N_("All sections"), "cross_border": N_("Cross-border sections")},
)
# Text colour readable on each class colour.
_DARK_TEXT = frozenset({3, 4, 5, NOT_ASSESSED})


def class_label(klass: int | None, tr: Translate) -> str:
    """ "II" / "IV" (Roman numerals read the same in both languages), "inferior V", "not
    assessed"."""
    k = int(klass or NOT_ASSESSED)
    return _ROMAN[k] if k in _ROMAN else tr(_CLASS_WORDS[k])


def class_badge(klass: int | None, tr: Translate) -> dict[str, Any]:
    k = int(klass or NOT_ASSESSED)
    return {
        "class": k,
        "label": class_label(k, tr),
        "colour": CLASS_COLOURS[k],
        "text": "#000" if k in _DARK_TEXT else "#fff",
    }


def legend(tr: Translate) -> list[dict[str, Any]]:
    """One entry per class, I to inferior V, then "not assessed"."""
    return [
        {**class_badge(k, tr), "word": tr(_CLASS_WORDS[k])}
        for k in (1, 2, 3, 4, 5, WORSE_THAN_V, NOT_ASSESSED)
    ]


def item_name(item: str, lang: str) -> str:
    names = ITEM_NAMES.get(item)
    if names is None:
        return item
    return names[1] if lang == "zh_CN" else names[0]


#: Units written in words are shown in the reader's language (mg/L is the same in both).
_UNIT_ZH = {"per L": "个/L"}


def item_unit(item: str, lang: str = "en") -> str:
    unit = ITEM_UNITS.get(item, "")
    return _UNIT_ZH.get(unit, unit) if lang == "zh_CN" else unit


def item_names(items: Iterable[str], lang: str) -> str:
    """Main pollutants as one line ("氨氮、总磷" / "Ammonia nitrogen, Total phosphorus")."""
    sep = "、" if lang == "zh_CN" else ", "
    return sep.join(item_name(i, lang) for i in items)


def fmt_value(item: str, value: float | None) -> str:
    """A value with the item's reporting decimals (values arrive rounded by the service; this
    only fixes the number of digits shown). Ungraded items keep two decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{DECIMALS.get(item, 2)}f}"


def fmt_multiple(multiple: float | None) -> str:
    if multiple is None or (isinstance(multiple, float) and math.isnan(multiple)):
        return ""
    return f"{multiple:.2f}"


def section_name(section: Section, lang: str) -> str:
    return section.name_zh if lang == "zh_CN" else section.name_en


def river_name(section: Section, lang: str) -> str:
    return section.river_zh if lang == "zh_CN" else section.river_en


def kind_label(kind: str, tr: Translate) -> str:
    return tr(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def river_system_label(code: str, tr: Translate) -> str:
    return tr(RIVER_SYSTEM_LABELS[code]) if code in RIVER_SYSTEM_LABELS else code


def basin_label(code: str, tr: Translate) -> str:
    return tr(BASIN_LABELS[code]) if code in BASIN_LABELS else code


def grade_label(grade: str | None, tr: Translate) -> str:
    return tr(GRADE_LABELS.get(grade or "", GRADE_LABELS[""]))


def origin_labels(origins: Iterable[str], tr: Translate) -> list[dict[str, str]]:
    """Provenance badges, synthetic first (it must never be missed)."""
    order = [
        SampleOrigin.SYNTHETIC.value,
        SampleOrigin.PUBLISHED.value,
        SampleOrigin.MEASURED.value,
    ]
    present = set(origins)
    return [{"origin": o, "label": tr(ORIGIN_LABELS[o])} for o in order if o in present]


def latest_year(latest: Mapping[str, Mapping[str, tuple[dt.datetime, float]]]) -> int | None:
    """The China-time year of the newest sample in ``service.samples.latest_samples``'s answer."""
    moments = [at for items in latest.values() for at, _ in items.values()]
    return china_date(max(moments)).year if moments else None


def china_year_now() -> int:
    return china_today().year


def year_choices(chosen: int, newest: int | None) -> list[int]:
    """The year selector: five years up to the newest with data (and the chosen one)."""
    last = max(chosen, newest or chosen)
    return sorted({*range(last - 4, last + 1), chosen}, reverse=True)
