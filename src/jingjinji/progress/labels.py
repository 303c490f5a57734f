"""Display labels (English source strings; zh_CN in ``progress.po``) and number formatting."""

from __future__ import annotations

import datetime as dt

from jingjinji import i18n
from jingjinji import labels as shared
from jingjinji.labels import N_
from jingjinji.timezone import CHINA_TZ


def tr(lang: str, message: str) -> str:
    """Translate an English source string into ``lang``."""
    return i18n.gettext_for(lang, message)


AREA_LABELS: dict[str, str] = {
    "planning": N_("Planning"),
    "transport": N_("Transport"),
    "ecology": N_("Ecology and environment"),
    "industry": N_("Industry"),
    "innovation": N_("Science and innovation"),
    "ports": N_("Ports and shipping"),
    "investment_trade": N_("Investment and trade"),
    "factor_markets": N_("Factor markets"),
    "public_services": N_("Public services"),
    "working_mechanism": N_("Working mechanism"),
}
STATUS_LABELS: dict[str, str] = {
    "target_achieved": N_("target achieved"),
    "substantial": N_("substantial progress"),
    "moderate": N_("moderate progress"),
    "limited": N_("limited progress"),
    "deterioration": N_("deterioration"),
    "no_data": N_("no data"),
    "not_started": N_("not started"),
    "in_progress": N_("in progress"),
    "completed": N_("completed"),
    "delayed": N_("delayed"),
    "cancelled": N_("cancelled"),
}
GROUP_LABELS: dict[str, str] = {
    "area": N_("area"),
    "status": N_("status"),
    "jurisdiction": N_("jurisdiction"),
    "lead_jurisdiction": N_("lead jurisdiction"),
    "agency": N_("responsible agency"),
    "agreement": N_("agreement"),
    "indicator": N_("indicator"),
    "direction": N_("direction"),
}
DIRECTION_LABELS: dict[str, str] = {
    "higher_is_better": N_("higher is better"),
    "lower_is_better": N_("lower is better"),
}
METHOD_LABELS: dict[str, str] = {
    "none": N_("no values"),
    "target": N_("target"),
    "trend": N_("trend"),
    "target_cagr": N_("growth rate against the target"),
    "target_linear": N_("linear progress against the target"),
    "trend_cagr": N_("growth-rate trend"),
    "trend_symmetric": N_("relative-change trend"),
}
# Units of the indicators as the Chinese interface and report name them (English source
# strings; a unit not listed is shown as stored).
UNIT_LABELS: dict[str, str] = {
    "count": N_("count"),
    "km": N_("km"),
    "% yoy": N_("% yoy"),
    "billion yuan": N_("billion yuan"),
    "trillion yuan": N_("trillion yuan"),
    "households": N_("households"),
    "rank": N_("rank"),
    "million orders": N_("million orders"),
    "m²": N_("m²"),
    "m² per person": N_("m² per person"),
    "containers/hour": N_("containers/hour"),
    "million TEU": N_("million TEU"),
    "TEU": N_("TEU"),
    "units": N_("units"),
    "index": N_("index"),
    "μg/m³": N_("μg/m³"),
    "million t": N_("million t"),
    "million": N_("million"),
    "mu": N_("mu"),
    "ha": N_("ha"),
    "events": N_("events"),
    "sections": N_("sections"),
}
PERIOD_TYPE_LABELS: dict[str, str] = {
    "year": N_("year"),
    "quarter": N_("quarter"),
    "month": N_("month"),
}
# Colours of the statuses in charts (bar fill): one colour per status, none shared, so that a
# chart stacking indicator and commitment statuses tells every one apart (greens to red for the
# progress of indicators, grey for no data; blues, teal, purple, brown and black for
# commitments).
STATUS_COLORS: dict[str, str] = {
    "target_achieved": "#0b6e3a",
    "substantial": "#41a055",
    "moderate": "#a6d96a",
    "limited": "#f0b429",
    "deterioration": "#c8372d",
    "no_data": "#9aa5b1",
    "not_started": "#b39ddb",
    "in_progress": "#1f5fa8",
    "completed": "#17a2b8",
    "delayed": "#8c564b",
    "cancelled": "#343a40",
}


def area_label(lang: str, area: str) -> str:
    return tr(lang, AREA_LABELS.get(area, area))


def status_label(lang: str, status: str) -> str:
    return tr(lang, STATUS_LABELS.get(status, status))


def unit_label(lang: str, unit: str) -> str:
    """An indicator's unit in ``lang`` (``%`` and unknown units as they are)."""
    return tr(lang, UNIT_LABELS[unit]) if unit in UNIT_LABELS else unit


# The progress domain's kinds of the shared labels (``label("progress.unit", u)`` on any page).
for _kind, _table in {
    "area": AREA_LABELS,
    "status": STATUS_LABELS,
    "group": GROUP_LABELS,
    "direction": DIRECTION_LABELS,
    "method": METHOD_LABELS,
    "unit": UNIT_LABELS,
    "period_type": PERIOD_TYPE_LABELS,
}.items():
    shared.register(f"progress.{_kind}", _table)


def label(lang: str, kind: str, key: str) -> str:
    """A progress label: ``kind`` is ``area``, ``status``, ``group``, ``direction``,
    ``method``, ``unit`` or ``period_type``; any other kind is one of the shared labels."""
    own = f"progress.{kind}"
    return shared.label(lang, own if own in shared.kinds() else kind, key)


def fmt(value: float | None) -> str:
    """A number for display: thousands separators, at most four decimals, no trailing zeros."""
    if value is None:
        return "–"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text


def fmt_pct(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:+.1f} %"


def fmt_signed(value: float | None) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + fmt(value)


def fmt_time(moment: dt.datetime | None) -> str:
    """A moment in China Standard Time to the minute (pages name the zone once)."""
    if moment is None:
        return "–"
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
