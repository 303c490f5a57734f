"""Display labels (English source strings; zh_CN in ``progress.po``) and number formatting."""

from __future__ import annotations

from jingjinji import i18n


def N_(message: str) -> str:
    return message


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
# Colours of the statuses in charts (bar fill).
STATUS_COLORS: dict[str, str] = {
    "target_achieved": "#0b6e3a",
    "substantial": "#2f9e55",
    "moderate": "#9cc85a",
    "limited": "#f0b429",
    "deterioration": "#c8372d",
    "no_data": "#9aa5b1",
    "not_started": "#9aa5b1",
    "in_progress": "#1f5fa8",
    "completed": "#2f9e55",
    "delayed": "#f0b429",
    "cancelled": "#c8372d",
}


def area_label(lang: str, area: str) -> str:
    return tr(lang, AREA_LABELS.get(area, area))


def status_label(lang: str, status: str) -> str:
    return tr(lang, STATUS_LABELS.get(status, status))


def label(lang: str, kind: str, key: str) -> str:
    table = {
        "area": AREA_LABELS,
        "status": STATUS_LABELS,
        "group": GROUP_LABELS,
        "direction": DIRECTION_LABELS,
        "method": METHOD_LABELS,
    }[kind]
    return tr(lang, table.get(key, key))


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
