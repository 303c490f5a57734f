"""Who may manage users and API tokens, and which passwords are acceptable: pure predicates
of the actor and plain values.

No session and no queries here: the service enforces these rules (auditing refusals).
"""

from __future__ import annotations

from functools import lru_cache

from jingjinji.i18n import msg
from jingjinji.security import Actor, Role, administers, province_of

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


def may_manage_user(actor: Actor, *, role: Role, jurisdiction_code: str | None) -> bool:
    """Who resets another user's password and deactivates or reactivates them: the
    coordination office anyone; a jurisdiction administrator the users placed in their
    province (``security.administers`` by jurisdiction), never an office administrator."""
    if actor.is_office_admin:
        return True
    return (
        actor.role is Role.JURISDICTION_ADMIN
        and role is not Role.OFFICE_ADMIN
        and administers(actor, organisation_id=None, jurisdiction_code=jurisdiction_code)
    )


# Roles that may enrol a TOTP second factor (administrators: they can change other accounts).
TOTP_ROLES = (Role.OFFICE_ADMIN, Role.JURISDICTION_ADMIN)


def may_use_totp(role: Role) -> bool:
    return role in TOTP_ROLES


# --- passwords ------------------------------------------------------------------------------

PASSWORD_MIN_CHARS = 12
PASSWORD_MAX_CHARS = 256


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's list, lower-cased (loaded when first
    needed: the lists take ~40 ms to import)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, username: str) -> str | None:
    """Why ``password`` is not acceptable for ``username`` (None if it is): length in Unicode
    characters, not a common password, not the username nor containing it (case-insensitive).
    """
    length = len(password)
    if length < PASSWORD_MIN_CHARS:
        return msg(
            "must be at least {min_chars} characters long (has {length})",
            min_chars=PASSWORD_MIN_CHARS,
            length=length,
        )
    if length > PASSWORD_MAX_CHARS:
        return msg(
            "must be at most {max_chars} characters long (has {length})",
            max_chars=PASSWORD_MAX_CHARS,
            length=length,
        )
    folded = password.casefold()
    if folded in common_passwords() or password.lower() in common_passwords():
        return msg("is one of the most common passwords")
    name = username.casefold()
    if name and name in folded:
        return msg("must not contain the username")
    return None
