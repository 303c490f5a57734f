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


def acts_for_province(actor: Actor | None, *, province: str, environment_agency: bool) -> bool:
    """Who acts for a province on a water incident (acknowledge, answer, sample, take
    measures, report): its administrator, or a steward of its environment agency
    (``environment_agency``: the actor's organisation is of kind ``environment``). Stewards of
    other agencies (statistics, market regulation) read the incident but do not act on it."""
    if actor is None or actor.province_code != province:
        return False
    if actor.role is Role.JURISDICTION_ADMIN:
        return True
    return actor.role is Role.STEWARD and environment_agency


def may_act_for_notice(
    actor: Actor | None, *, jurisdiction_code: str, relation: str, environment_agency: bool
) -> bool:
    """The office acts on the office's notice; a province's administrator and its
    environment agency's stewards on their province's notice."""
    if actor is None:
        return False
    if relation == "office":
        return actor.is_office_admin
    return acts_for_province(
        actor, province=jurisdiction_code, environment_agency=environment_agency
    )


def may_take_part(
    actor: Actor | None, *, provinces: Iterable[str], environment_agency: bool
) -> bool:
    """Joint sampling and measures: the office, or who acts for a concerned province."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    return any(
        acts_for_province(actor, province=p, environment_agency=environment_agency)
        for p in provinces
    )


def may_close_incident(actor: Actor | None, *, monitoring_jurisdiction_code: str) -> bool:
    """The office, or the administrator of the province that monitors the section."""
    if actor is None:
        return False
    return actor.is_office_admin or (
        actor.role is Role.JURISDICTION_ADMIN
        and actor.province_code == province_of(monitoring_jurisdiction_code)
    )
