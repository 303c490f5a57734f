"""Who may do what with water data: pure predicates of the actor and plain values, shared by
the services, the pages and their templates.

Sections, their samples and their assessed classes are open data (China publishes section
water quality monthly); writing a section or its samples is the monitoring agency's (its
stewards, its province's administrator) or the coordination office's. Incidents are read by
the office and by the jurisdictions the incident concerns (monitoring, upstream, downstream).
"""

from __future__ import annotations

from collections.abc import Iterable

from jingjinji.security import Actor, Role, may_write, province_of

#: Roles that upload samples at all (which sections they may write is decided per section).
UPLOADING_ROLES = frozenset({Role.STEWARD, Role.OFFICE_ADMIN, Role.JURISDICTION_ADMIN})


def may_upload(actor: Actor | None) -> bool:
    """Whether the upload form is offered: stewards and administrators upload."""
    return actor is not None and actor.role in UPLOADING_ROLES


def may_write_section(
    actor: Actor | None, *, jurisdiction_code: str, organisation_id: int | None
) -> bool:
    """The monitoring agency's stewards, its province's administrator, or the office."""
    return actor is not None and may_write(
        actor, jurisdiction_code=jurisdiction_code, organisation_id=organisation_id
    )


def concerned_provinces(
    *, jurisdiction_code: str, upstream: str | None, downstream: str | None
) -> set[str]:
    """The provinces an incident at a section concerns: the monitoring one and its neighbours."""
    return {province_of(c) for c in (jurisdiction_code, upstream, downstream) if c}


def may_read_incident(actor: Actor | None, *, provinces: Iterable[str]) -> bool:
    """The office, and any member of a jurisdiction the incident concerns (administrators,
    stewards and analysts of that province: they must act on it)."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    return actor.province_code is not None and actor.province_code in set(provinces)


#: Roles that act for a notified province on an incident (acknowledge, answer, sample, act).
INCIDENT_ACTING_ROLES = frozenset({Role.JURISDICTION_ADMIN, Role.STEWARD})


def may_act_for_notice(actor: Actor | None, *, jurisdiction_code: str, relation: str) -> bool:
    """The office acts on the office's notice; a province's administrators and stewards on
    their province's notice."""
    if actor is None:
        return False
    if relation == "office":
        return actor.is_office_admin
    return actor.role in INCIDENT_ACTING_ROLES and actor.province_code == jurisdiction_code


def may_take_part(actor: Actor | None, *, provinces: Iterable[str]) -> bool:
    """Joint sampling and measures: the office, or an administrator or steward of a concerned
    province."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    return actor.role in INCIDENT_ACTING_ROLES and actor.province_code in set(provinces)


def may_close_incident(actor: Actor | None, *, monitoring_jurisdiction_code: str) -> bool:
    """The office, or the administrator of the province that monitors the section."""
    if actor is None:
        return False
    return actor.is_office_admin or (
        actor.role is Role.JURISDICTION_ADMIN
        and actor.province_code == province_of(monitoring_jurisdiction_code)
    )
