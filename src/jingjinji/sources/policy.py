"""Who may do what with pollution sources: pure predicates of the actor and plain values,
shared by the services, the pages and their templates.

The registry (enterprises, outlets, loggers, permit limits) and the monitoring data of an
enterprise belong to the jurisdiction that registered it: its administrator and its
environment agency's stewards write them; members of that province read them; the office
reads and writes everything. Another jurisdiction's organisation reads an enterprise's data
only through a current catalog grant covering the enterprise (a linked enforcement case makes
one for the involved neighbour's environment agency: border, park, or added by the office).
Enforcement cases are read by the office and the jurisdictions
involved; acted on by the office, the lead jurisdiction and each involved jurisdiction for its
own tasks.
"""

from __future__ import annotations

from collections.abc import Iterable

from jingjinji.security import Actor, Role, province_of


def is_environment_steward(actor: Actor | None, *, environment_agency: bool) -> bool:
    """A steward of an environment agency (``environment_agency``: the actor's organisation is
    of kind ``environment``)."""
    return actor is not None and actor.role is Role.STEWARD and environment_agency


def acts_for_jurisdiction(
    actor: Actor | None, *, jurisdiction_code: str, environment_agency: bool
) -> bool:
    """The office, or the jurisdiction's administrator or environment-agency steward."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    if actor.province_code != province_of(jurisdiction_code):
        return False
    if actor.role is Role.JURISDICTION_ADMIN:
        return True
    return is_environment_steward(actor, environment_agency=environment_agency)


def may_write_registry(
    actor: Actor | None, *, jurisdiction_code: str, environment_agency: bool
) -> bool:
    """Register or change an enterprise, outlet, logger or limit of a jurisdiction."""
    return acts_for_jurisdiction(
        actor, jurisdiction_code=jurisdiction_code, environment_agency=environment_agency
    )


def may_read_enterprise(
    actor: Actor | None, *, jurisdiction_code: str, granted: bool = False
) -> bool:
    """The office, members of the owning province, and an organisation holding a current
    catalog grant that covers the enterprise (``granted``: a linked case's grant to the
    involved neighbour's environment agency, scoped to the enterprise)."""
    if actor is None:
        return False
    if actor.is_office_admin or granted:
        return True
    return actor.province_code is not None and actor.province_code == province_of(jurisdiction_code)


def may_read_case(actor: Actor | None, *, involved: Iterable[str]) -> bool:
    """The office and members of every jurisdiction involved in the case."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    return actor.province_code is not None and actor.province_code in set(involved)


def may_open_case(actor: Actor | None, *, jurisdiction_code: str, environment_agency: bool) -> bool:
    """The office, or who acts for the enterprise's jurisdiction."""
    return acts_for_jurisdiction(
        actor, jurisdiction_code=jurisdiction_code, environment_agency=environment_agency
    )


def may_act_on_task(
    actor: Actor | None, *, task_jurisdiction: str, task_organisation_id: int
) -> bool:
    """The office, the task's jurisdiction's administrator, or a steward of the task's agency."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    if actor.province_code != province_of(task_jurisdiction):
        return False
    if actor.role is Role.JURISDICTION_ADMIN:
        return True
    return actor.role is Role.STEWARD and actor.organisation_id == task_organisation_id
