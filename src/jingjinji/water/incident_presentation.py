"""What an incident page shows, in the reader's language: the names of the section, the
jurisdictions and the items, and the facts of a detected incident (the service stores an
English summary for the audit trail and the API; a page rebuilds it from the detail)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from jingjinji import i18n
from jingjinji.i18n import msg
from jingjinji.regions import service as regions
from jingjinji.water import presentation as show
from jingjinji.water.models import IncidentTrigger
from jingjinji.water.schemas.incidents import IncidentDetailOut, IncidentOut
from jingjinji.water.service import sections as sections_service


def jurisdiction_names(session: Session, codes: Iterable[str | None], lang: str) -> dict[str, str]:
    """Names by code (one query); a code the registry does not know is shown as it is."""
    wanted = {c for c in codes if c}
    rows = regions.jurisdictions_by_code(
        session, codes=regions.known_jurisdictions(session, codes=wanted)
    )
    return {c: regions.name(rows[c], lang) if c in rows else c for c in wanted}


def _items(detail: dict[str, Any], lang: str, tr: show.Translate) -> list[str]:
    out = []
    for it in detail.get("items", []):
        text = f"{show.item_name(it['item'], lang)} {it['value']:g}"
        if it.get("class"):
            text += f" ({show.class_label(it['class'], tr)})"
        if it.get("median"):
            text += f" ({tr('30-day median')} {it['median']:g}, ×{it['ratio']:.1f})"
        out.append(text)
    return out


def detected_facts(incident: IncidentOut, lang: str, tr: show.Translate) -> dict[str, Any] | None:
    """For an incident the platform opened: the classes, the items with their values and
    classes, and the jump that came with it; None for one an agency reported (its words)."""
    if incident.trigger == IncidentTrigger.REPORTED.value:
        return None
    detail = incident.detail
    jump = detail.get("jump") if incident.trigger != IncidentTrigger.JUMP.value else detail
    return {
        "target": show.class_label(detail["target_class"], tr)
        if detail.get("target_class")
        else None,
        "section_class": show.class_label(detail["section_class"], tr)
        if detail.get("section_class")
        else None,
        "items": _items(detail, lang, tr) if incident.trigger != "jump" else [],
        "jump_multiple": jump.get("multiple") if jump else None,
        "jump_items": _items(jump, lang, tr) if jump else [],
    }


def summary(incident: IncidentOut, lang: str, tr: show.Translate) -> str:
    """An incident's summary in the reader's language: rebuilt from the detail of one the
    platform detected, the agency's own words for one it reported."""
    facts = detected_facts(incident, lang, tr)
    if facts is None:
        return incident.summary
    parts = []
    if facts["section_class"]:
        parts.append(
            msg(
                "{section_class} against target {target}",
                section_class=facts["section_class"],
                target=facts["target"] or "-",
            )
        )
    if facts["jump_multiple"]:
        parts.append(
            msg(
                "values above {multiple} times their 30-day median",
                multiple=f"{facts['jump_multiple']:g}",
            )
        )
    items = facts["items"] or facts["jump_items"]
    text = i18n.translate(lang, msg("; ")).join(i18n.translate(lang, p) for p in parts)
    return text + (f" ({', '.join(items)})" if items else "")


def incident_context(
    session: Session, incident: IncidentDetailOut, lang: str, tr: show.Translate
) -> dict[str, Any]:
    """The names and facts the incident page shows beside the detail."""
    section = sections_service.get_section(session, code=incident.section_code)
    codes = [
        *(n.jurisdiction_code for n in incident.notices),
        *(s.jurisdiction_code for s in incident.steps),
        *(s.jurisdiction_code for s in incident.samplings),
        *(u.jurisdiction_code for u in incident.upstream),
    ]
    return {
        "section_name": section.name_zh if lang == "zh_CN" else section.name_en,
        "jname": jurisdiction_names(session, codes, lang),
        "detected": detected_facts(incident, lang, tr),
        "item_name": lambda code: show.item_name(code, lang),
    }
