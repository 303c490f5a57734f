"""Shaping helpers of the sources pages: labels, colours, names in the reader's language, China
time and rounding for display. Nothing here decides a state or a figure (the overview and
indicator services do)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from jingjinji.labels import register
from jingjinji.sources.models import ExceedanceKind, OutletKind
from jingjinji.timezone import CHINA_TZ
from jingjinji.web import N_

Translate = Callable[[str], str]

# Why the gateway refused a packet (its counters' keys), shown with label("sources.reject", r).
REJECT_LABELS = register(
    "sources.reject",
    {
        "framing": N_("framing error"),
        "length": N_("wrong length"),
        "crc": N_("CRC mismatch"),
        "encoding": N_("not valid text"),
        "field": N_("malformed field"),
        "unknown_logger": N_("unknown data logger"),
        "password": N_("wrong password"),
        "stream_unavailable": N_("message stream unavailable"),
    },
)
STATE_LABELS: Mapping[str, str] = {
    "normal": N_("Normal"),
    "exceedance": N_("Exceedance"),
    "offline": N_("Offline"),
}
STATE_COLOURS: Mapping[str, str] = {
    "normal": "#3fae49",
    "exceedance": "#d7301f",
    "offline": "#8c8c8c",
}
KIND_LABELS: Mapping[str, str] = {
    OutletKind.WASTEWATER.value: N_("Wastewater outlet"),
    OutletKind.FLUE_GAS.value: N_("Flue-gas outlet"),
}
EXCEEDANCE_LABELS: Mapping[str, str] = {
    ExceedanceKind.HOURLY_LIMIT.value: N_("Hourly limit exceeded"),
    ExceedanceKind.DAILY_LIMIT.value: N_("Daily limit exceeded"),
    ExceedanceKind.SILENT.value: N_("Silent logger"),
    ExceedanceKind.INVALID_FLAGS.value: N_("Invalid data flags"),
}
# HJ 212-2017 factor codes of the common factors: (zh, en).
FACTOR_NAMES: Mapping[str, tuple[str, str]] = {
    "w00000": ("废水流量", "wastewater flow"),
    "w01001": ("pH值", "pH"),
    "w01018": ("化学需氧量", "COD"),
    "w21003": ("氨氮", "ammonia nitrogen"),
    "w21011": ("总磷", "total phosphorus"),
    "w21001": ("总氮", "total nitrogen"),
    "a00000": ("废气流量", "flue-gas flow"),
    "a34013": ("烟尘", "dust"),
    "a21026": ("二氧化硫", "SO2"),
    "a21002": ("氮氧化物", "NOx"),
    "a21005": ("一氧化碳", "CO"),
    "a19001": ("氧含量", "O2"),
    "a24088": ("非甲烷总烃", "non-methane hydrocarbons"),
    "w01019": ("高锰酸盐指数", "permanganate index"),
    "w01009": ("溶解氧", "dissolved oxygen"),
    "w01010": ("水温", "water temperature"),
    "w01014": ("电导率", "conductivity"),
    "w20111": ("总汞", "mercury"),
    "w20115": ("总镉", "cadmium"),
    "w20117": ("六价铬", "chromium (VI)"),
    "w20119": ("总砷", "arsenic"),
    "w20120": ("总铅", "lead"),
    "w22001": ("石油类", "petroleum"),
    "w23002": ("挥发酚", "volatile phenol"),
    "a21024": ("氯化氢", "HCl"),
    "a01011": ("烟气流速", "flue-gas velocity"),
    "a01012": ("烟气温度", "flue-gas temperature"),
    "a01013": ("烟气压力", "flue-gas pressure"),
    "a01014": ("烟气湿度", "flue-gas humidity"),
    "a01016": ("烟道截面积", "duct cross-section"),
    "a01017": ("烟气动压", "flue-gas dynamic pressure"),
    "a34004": ("PM2.5", "PM2.5"),
    "a34002": ("PM10", "PM10"),
}


def pick(lang: str, zh: str, en: str) -> str:
    """The name in the reader's language (the Chinese one when there is no English)."""
    return zh if lang == "zh_CN" or not en else en


def factor_name(code: str, lang: str) -> str:
    names = FACTOR_NAMES.get(code)
    return pick(lang, *names) if names else code


def china_time(moment: dt.datetime | None) -> str:
    """``2026-03-01 08:05`` in China time ("–" for none); the page names the zone once."""
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else "–"


def number(value: float | None, digits: int = 2) -> str:
    """A value rounded for display: ``digits`` significant decimals, no trailing zeros."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(share: float | None) -> str:
    """A share 0-1 as ``97.5 %`` ("–" for none)."""
    return "–" if share is None else f"{share * 100:.1f} %"


def state_legend(tr: Translate, counts: Mapping[str, int]) -> list[dict[str, object]]:
    """The states in legend order with their colour and count."""
    return [
        {"state": s, "label": tr(label), "colour": STATE_COLOURS[s], "count": counts.get(s, 0)}
        for s, label in STATE_LABELS.items()
    ]
