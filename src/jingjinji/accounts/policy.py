"""Who may manage users and API tokens: pure predicates of the actor and plain values.

No session and no queries here: the service enforces these rules (auditing refusals).
"""

from __future__ import annotations

from jingjinji.security import Actor, Role, province_of

# Who may list users (the service audits a refusal).
USER_LISTERS = (Role.OFFICE_ADMIN, Role.JURISDICTION_ADMIN)


def may_create_user(actor: Actor, *, role: Role, jurisdiction_code: str | None) -> bool:
    """The coordination office creates anyone; a jurisdiction administrator anyone but an
    office administrator, placed in their own province."""
    if actor.role is Role.OFFICE_ADMIN:
        return True
    return (
        actor.role is Role.JURISDICTION_ADMIN
        and role is not Role.OFFICE_ADMIN
        and jurisdiction_code is not None
        and province_of(jurisdiction_code) == actor.province_code
    )


def may_revoke_token(actor: Actor, *, owner_id: int) -> bool:
    """Users revoke their own tokens; the coordination office anyone's."""
    return owner_id == actor.user_id or actor.is_office_admin
