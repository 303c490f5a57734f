"""Who may see and do what with warnings: pure predicates of the actor and plain values (no
session, no queries), used by the services, the pages and the templates alike.

The services enforce them (an audited 401/403, or a 404 for what the public may not see); the
pages only use them to show the forms an actor may submit."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from jingjinji.security import Actor, Role, administers
from jingjinji.warnings.states import PUBLIC_STATUSES, TRANSITIONS

#: The role that takes every lifecycle step but the agencies' answers, adopts criteria, trains
#: models and administers the webhooks: the regional coordination office.
OFFICE_ROLE = Role.OFFICE_ADMIN


def runs_the_office(actor: Actor | None) -> bool:
    return actor is not None and actor.role is OFFICE_ROLE


def sees_everything(actor: Actor | None) -> bool:
    """Logged-in users see every warning and step; the public only what is published."""
    return actor is not None


def sees_usernames(
    actor: Actor | None, *, jurisdictions: Collection[str], organisation_id: int | None = None
) -> bool:
    """Whether ``actor`` sees the staff usernames on a warning (who proposed it, who took each
    step; with ``organisation_id``, who answered for that organisation): the coordination
    office, the administrators of the warning's jurisdictions' provinces and, for an answer,
    members of the answering organisation. Everyone else sees the step and the answering
    organisation, not the person."""
    codes: list[str | None] = [*jurisdictions] or [None]
    return any(
        administers(actor, organisation_id=organisation_id, jurisdiction_code=j) for j in codes
    )


def may_see_warning(actor: Actor | None, *, status: str) -> bool:
    return sees_everything(actor) or status in PUBLIC_STATUSES


def visible_statuses(actor: Actor | None, wanted: Sequence[str] | None = None) -> list[str] | None:
    """The statuses ``actor`` may list (None = all), narrowed to ``wanted``."""
    if sees_everything(actor):
        return list(wanted) if wanted else None
    return [s for s in (wanted or PUBLIC_STATUSES) if s in PUBLIC_STATUSES] or ["-"]


def may_take_step(actor: Actor | None, step: str, *, status: str) -> bool:
    """Whether the office form for ``step`` applies to a warning in ``status`` for ``actor``."""
    return runs_the_office(actor) and status in TRANSITIONS[step][0]


def may_answer(
    *,
    agency_jurisdiction: str | None,
    status: str,
    answered: Collection[str],
    deadline_passed: bool,
) -> bool:
    """Whether the environment agency of ``agency_jurisdiction`` may answer the consultation."""
    return (
        agency_jurisdiction is not None
        and status == "consultation"
        and agency_jurisdiction not in answered
        and not deadline_passed
    )
