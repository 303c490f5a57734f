"""The kinds of notification, their labels and their texts, written in the reader's language.

A notification stores its kind and parameters (plain values); :func:`render` writes the title
and body at display time with the translations of the language asked for, so that the inbox
follows the reader's language and an e-mail is written in the recipient's."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jingjinji import i18n, times
from jingjinji.web import N_


class Kind(enum.StrEnum):
    ACCESS_REQUESTED = "access_requested"
    ACCESS_DECIDED = "access_decided"
    ACCESS_ESCALATED = "access_escalated"
    CONSULTATION_OPENED = "consultation_opened"
    DEADLINE_APPROACHING = "deadline_approaching"
    INCIDENT_OPENED = "incident_opened"
    CASE_OPENED = "case_opened"
    DWELL_EXCEEDED = "dwell_exceeded"


LABELS: dict[Kind, str] = {
    Kind.ACCESS_REQUESTED: N_("New access request"),
    Kind.ACCESS_DECIDED: N_("Decision on an access request"),
    Kind.ACCESS_ESCALATED: N_("Access request escalated"),
    Kind.CONSULTATION_OPENED: N_("Consultation opened"),
    Kind.DEADLINE_APPROACHING: N_("Deadline approaching"),
    Kind.INCIDENT_OPENED: N_("Incident"),
    Kind.CASE_OPENED: N_("Enforcement case opened"),
    Kind.DWELL_EXCEEDED: N_("Container dwell"),
}

# Every text has named placeholders filled from the notification's parameters.
TITLES: dict[str, str] = {
    "access_requested": N_("New access request for %(dataset)s"),
    "access_approved": N_("Your access request for %(dataset)s was approved"),
    "access_rejected": N_("Your access request for %(dataset)s was rejected"),
    "access_escalated": N_("Access request for %(dataset)s escalated to the coordination office"),
    "consultation_opened": N_("Consultation opened on warning %(warning)s"),
    "deadline_access_request": N_("Deadline approaching: access request for %(dataset)s"),
    "deadline_consultation": N_("Deadline approaching: consultation on warning %(warning)s"),
    "incident_opened": N_("Water incident at section %(section)s"),
    "case_opened": N_("Pollution source case %(case)s opened: %(title)s"),
    "dwell_exceeded": N_("Container %(container)s has stayed over %(hours)s hours at %(location)s"),
}
BODIES: dict[str, str] = {
    "access_requested": N_("%(requested_by)s asks for the fields %(fields)s. Decide by %(due)s."),
    "access_approved": N_("Granted fields: %(fields)s, until %(period_end)s."),
    "access_rejected": N_("Reason: %(reason)s"),
    "access_escalated": N_("Nobody decided by %(due)s; the coordination office may decide it now."),
    "consultation_opened": N_(
        "The coordination office asks your agency to answer before %(deadline)s."
    ),
    "deadline_access_request": N_("The request of %(requested_by)s is to be decided by %(due)s."),
    "deadline_consultation": N_(
        "Your agency has not answered; the consultation closes at %(deadline)s."
    ),
    "incident_opened": N_("%(summary)s Acknowledge by %(due_at)s."),
    "case_opened": N_("Opened by %(opened_by)s."),
    "dwell_exceeded": N_(
        "Transport order %(order)s: there since %(since)s; the threshold is %(threshold)s hours."
    ),
}

# Parameters that are instants or dates: shown in China Standard Time.
_INSTANTS = ("deadline", "due_at", "since")
_DATES = ("due", "period_end")


@dataclass(frozen=True)
class Rendered:
    label: str
    title: str
    body: str


def text_key(kind: str, params: Mapping[str, Any]) -> str:
    """Which title and body a notification uses (a decision has one per outcome)."""
    if kind == Kind.ACCESS_DECIDED:
        return "access_approved" if params.get("decision") == "approved" else "access_rejected"
    if kind == Kind.DEADLINE_APPROACHING:
        return f"deadline_{params.get('subject', 'access_request')}"
    return kind


def _values(params: Mapping[str, Any], lang: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in params.items():
        if key.endswith(("_zh", "_en")):
            continue  # names in both languages: the reader's is taken below
        if key in _INSTANTS and isinstance(value, str):
            values[key] = times.cst(value)
        elif key in _DATES and isinstance(value, str):
            values[key] = times.cst_date(value)
        elif isinstance(value, list):
            # Field names and other codes, quoted as code (`uscc`) in both languages.
            values[key] = ("、" if lang == "zh_CN" else ", ").join(f"`{v}`" for v in value)
        else:
            values[key] = "" if value is None else str(value)
    # "Title (CODE)" in the reader's language where the domain gave both names.
    for key in ("dataset", "section", "location"):
        name = params.get(f"{key}_title_{'zh' if lang == 'zh_CN' else 'en'}")
        if name and key in values:
            values[key] = f"{name} ({values[key]})"
    # Text the domain wrote in both languages (an incident's summary): the reader's.
    for key in ("summary",):
        text = params.get(f"{key}_{'zh' if lang == 'zh_CN' else 'en'}")
        if text:
            values[key] = str(text)
    return values


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"


def render(kind: str, params: Mapping[str, Any], lang: str) -> Rendered:
    """The label, title and body in ``lang`` (plain text: templates and e-mails escape it)."""
    translations = i18n.translations(lang)
    key = text_key(kind, params)
    values = _Missing(_values(params, lang))
    try:
        label = translations.gettext(LABELS[Kind(kind)])
    except ValueError:
        label = kind
    title = translations.gettext(TITLES[key]) % values if key in TITLES else label
    body = translations.gettext(BODIES[key]) % values if key in BODIES else ""
    return Rendered(label=label, title=title, body=body.strip())
