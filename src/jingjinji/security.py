"""Who is acting, and what they may write.

Every write in every domain is authorised here against the writer's jurisdiction and
organisation. A refusal is audited in its own committed transaction before the error is raised,
so the attempt is on record even though the request itself fails.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jingjinji import labels
from jingjinji.errors import NotAuthenticated, PermissionDenied
from jingjinji.i18n import msg

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Role(enum.StrEnum):
    OFFICE_ADMIN = "office_admin"  # regional coordination office, region-wide
    JURISDICTION_ADMIN = "jurisdiction_admin"  # one provincial-level jurisdiction
    STEWARD = "steward"  # writes its own agency's data
    ANALYST = "analyst"  # reads what its organisation was granted


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    role: Role
    jurisdiction_code: str | None
    organisation_id: int | None
    channel: str = "web"  # web | api | cli | system

    @property
    def province_code(self) -> str | None:
        return province_of(self.jurisdiction_code) if self.jurisdiction_code else None

    @property
    def is_office_admin(self) -> bool:
        return self.role is Role.OFFICE_ADMIN


SYSTEM_ACTOR = Actor(
    user_id=0,
    username="system",
    role=Role.OFFICE_ADMIN,
    jurisdiction_code=None,
    organisation_id=None,
    channel="system",
)


def province_of(code: str) -> str:
    """Provincial-level code of a GB/T 2260 code: 130600 -> 130000."""
    if len(code) == 6 and code.isdigit():
        return code[:2] + "0000"
    return code


def require_actor(actor: Actor | None) -> Actor:
    if actor is None:
        raise NotAuthenticated(msg("Log in or send an API token (Authorization: Bearer ...)."))
    return actor


def may_write(actor: Actor, *, jurisdiction_code: str | None, organisation_id: int | None) -> bool:
    """Whether ``actor`` may write data owned by this organisation in this jurisdiction."""
    if actor.role is Role.OFFICE_ADMIN:
        return True
    if actor.role is Role.JURISDICTION_ADMIN:
        return jurisdiction_code is not None and province_of(jurisdiction_code) == (
            actor.province_code
        )
    if actor.role is Role.STEWARD:
        return organisation_id is not None and organisation_id == actor.organisation_id
    return False


def administers(
    actor: Actor | None, *, organisation_id: int | None, jurisdiction_code: str | None
) -> bool:
    """Whether ``actor`` reads data owned by this organisation in this jurisdiction as its
    administrator: the coordination office, any member of the owner organisation, or the
    administrator of the owner's province. Domains' ``policy`` modules build on this one rule
    instead of restating it."""
    if actor is None:
        return False
    if actor.is_office_admin:
        return True
    if organisation_id is not None and actor.organisation_id == organisation_id:
        return True
    return (
        actor.role is Role.JURISDICTION_ADMIN
        and jurisdiction_code is not None
        and actor.province_code == province_of(jurisdiction_code)
    )


def province_scope(actor: Actor) -> str | None:
    """The provincial-level unit whose records ``actor`` reads across the platform: None (all
    of them) for the coordination office, else their own province; "-", which matches no
    record, for an actor without one."""
    return None if actor.is_office_admin else (actor.province_code or "-")


def deny(
    session: Session,
    actor: Actor | None,
    *,
    action: str,
    object_type: str,
    object_id: str | None,
    jurisdiction_code: str | None,
    reason: str,
    detail: dict[str, Any] | None = None,
) -> PermissionDenied:
    """Audit a refused attempt (committed on its own) and return the 403 to raise."""
    from jingjinji.audit import service as audit

    return audit.audited_refusal(
        session,
        PermissionDenied(reason),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        jurisdiction_code=jurisdiction_code,
        outcome="denied",
        detail=detail,
    )


def ensure_can_write(
    session: Session,
    actor: Actor | None,
    *,
    action: str,
    object_type: str,
    object_id: str | None,
    jurisdiction_code: str | None,
    organisation_id: int | None,
) -> Actor:
    """Raise 401/403 unless ``actor`` may write; a 403 is audited."""
    actor = require_actor(actor)
    if may_write(actor, jurisdiction_code=jurisdiction_code, organisation_id=organisation_id):
        return actor
    raise deny(
        session,
        actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        jurisdiction_code=jurisdiction_code,
        reason=msg(
            "{role} {user} of jurisdiction {own} may not {action} {object_type} owned by "
            "jurisdiction {owner}{organisation}",
            role=actor.role.value,
            role_label=labels.msg_label("role", actor.role),
            user=repr(actor.username),
            own=actor.jurisdiction_code or "-",
            action=action,
            object_type=object_type,
            owner=jurisdiction_code or "-",
            organisation=f", organisation {organisation_id}" if organisation_id is not None else "",
        ),
    )


def ensure_role(
    session: Session,
    actor: Actor | None,
    *roles: Role,
    action: str,
    object_type: str,
    object_id: str | None = None,
    jurisdiction_code: str | None = None,
) -> Actor:
    """Raise 401/403 unless ``actor`` has one of ``roles``; a 403 is audited."""
    actor = require_actor(actor)
    if actor.role in roles:
        return actor
    raise deny(
        session,
        actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        jurisdiction_code=jurisdiction_code,
        reason=msg(
            "{action} needs role {roles}; {user} is {role}",
            action=action,
            roles=" or ".join(r.value for r in roles),
            role_labels=[labels.msg_label("role", r) for r in roles],
            user=repr(actor.username),
            role=actor.role.value,
            role_label=labels.msg_label("role", actor.role),
        ),
    )
