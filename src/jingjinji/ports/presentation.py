"""Labels of the ports pages' enum values (both languages through the catalogs), place names
and a container's events as rows for the templates."""

from __future__ import annotations

from typing import Any

from jingjinji import labels
from jingjinji.labels import N_
from jingjinji.ports.models import Event, Location

# The ports domain's objects in the audit record.
labels.register(
    "object",
    {
        "location": N_("port location"),
        "carrier": N_("carrier"),
        "port_event": N_("port event"),
        "transport_order": N_("transport order"),
    },
)
# Why a location's code is assumed: the tooltip of the pages' "assumed code" marker.
labels.register(
    "ports.code_assumption",
    {
        "unverified": N_(
            "The code is the one the issue names and shipping uses, but it could not be checked "
            "against the UN/LOCODE list."
        ),
        "no_locode": N_(
            "No UN/LOCODE is known for this place: the code is the platform's own assumption."
        ),
        "facility": N_(
            "The UN/LOCODE is the city's; the facility code after it is the platform's own "
            "assumption."
        ),
    },
)
labels.register(
    "ports.leg_mode",
    {"vessel": N_("Sea"), "feeder": N_("Feeder"), "rail": N_("Rail"), "truck": N_("Truck")},
)
labels.register(
    "ports.leg_status",
    {"planned": N_("Planned"), "underway": N_("Under way"), "arrived": N_("Arrived")},
)
labels.register(
    "ports.eta_source",
    {
        "actual": N_("arrived"),
        "estimate": N_("latest estimate"),
        "plan": N_("as planned"),
        "none": N_("unknown"),
    },
)
labels.register(
    "ports.event_code",
    {
        "DISC": N_("Discharged"),
        "LOAD": N_("Loaded"),
        "GTIN": N_("Gated in"),
        "GTOT": N_("Gated out"),
        "ARRI": N_("Arrived"),
        "DEPA": N_("Departed"),
        "STUF": N_("Stuffed"),
        "STRP": N_("Stripped"),
        "PICK": N_("Picked up"),
        "DROP": N_("Dropped off"),
        "INSP": N_("Inspected"),
        "RSEA": N_("Resealed"),
        "RMVD": N_("Removed"),
    },
)
labels.register(
    "ports.classifier", {"ACT": N_("Actual"), "EST": N_("Estimated"), "PLN": N_("Planned")}
)
labels.register(
    "ports.location_kind",
    {
        "seaport": N_("Seaport"),
        "terminal": N_("Terminal"),
        "dry_port": N_("Dry port"),
        "land_port": N_("Land port"),
    },
)


def place_names(locations: list[Location], lang: str) -> dict[str, str]:
    """A UN/LOCODE's name in ``lang`` (the first registered location of the code)."""
    out: dict[str, str] = {}
    for loc in locations:
        out.setdefault(loc.un_location_code, loc.name_zh if lang == "zh_CN" else loc.name_en)
    return out


def assumed_reason(location: Location, lang: str) -> str | None:
    """The tooltip of a location's "assumed code" marker in ``lang``: why its code is the
    platform's assumption ("" when no reason is recorded); None when the code is not assumed."""
    if not location.code_assumed:
        return None
    if not location.code_assumed_reason:
        return ""
    return labels.label(lang, "ports.code_assumption", location.code_assumed_reason)


def assumed_codes(locations: list[Location], lang: str) -> dict[str, str]:
    """The UN/LOCODEs that are themselves assumed (not only a facility code under them), each
    with the tooltip of its marker in ``lang``."""
    out: dict[str, str] = {}
    for loc in locations:
        reason = assumed_reason(loc, lang)
        if reason is not None and loc.code_assumed_reason != "facility":
            out.setdefault(loc.un_location_code, reason)
    return out


def event_rows(events: list[Event], names: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "at": e.event_at,
            "classifier": e.event_classifier_code,
            "code": e.equipment_event_type_code or e.transport_event_type_code or "",
            "place": names.get(e.un_location_code or "", ""),
            "locode": e.un_location_code or "",
            "call": e.transport_call_id or "",
            "superseding": e.supersedes_id is not None,
        }
        for e in events
    ]
