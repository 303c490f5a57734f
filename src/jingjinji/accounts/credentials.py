"""Credentials over an account's life: password change by the user, reset by an
administrator, deactivation and reactivation, and the TOTP second factor. Each ends what the
old credentials opened (web sessions, API tokens, pending logins) where the change calls for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from jingjinji.accounts import policy, service, throttle, totp
from jingjinji.accounts.models import ApiToken, LoginChallenge, User, WebSession
from jingjinji.accounts.throttle import Attempt, ThrottleRules
from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, NotAuthenticated, field_error
from jingjinji.i18n import msg
from jingjinji.security import Actor, Role, deny, require_actor

# --- password change, reset, deactivation ---------------------------------------------------


@dataclass(frozen=True)
class CredentialsEnded:
    """What a password change, reset or deactivation ended; ``new_session`` is the rotated
    web session of a change made in the browser."""

    sessions_ended: int
    tokens_revoked: int
    new_session: str | None = None


def _end_credentials(session: Session, *, user_id: int) -> CredentialsEnded:
    """Delete every web session and revoke every API token of a user."""
    ended = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(LoginChallenge).where(LoginChallenge.user_id == user_id))
    return CredentialsEnded(
        sessions_ended=int(getattr(ended, "rowcount", 0) or 0),
        tokens_revoked=int(getattr(revoked, "rowcount", 0) or 0),
    )


def _verify_secret_or_refuse(
    session: Session,
    *,
    actor: Actor,
    user: User,
    ok: bool,
    field: str,
    action: str,
    address: str | None,
    rules: ThrottleRules,
) -> None:
    """Refuse (422 on ``field``, audited) a wrong password or code; the failure counts
    towards the user's throttle in the same committed transaction as the audit entry."""
    if ok:
        return
    attempt = Attempt(username=user.username, address=address)
    user_id = user.id

    def keep(retry: Session) -> int:
        now = utcnow()
        rows = throttle.lock_rows(retry, attempt, now=now)
        throttle.count_failures(rows, attempt, rules=rules, now=now)
        return user_id

    raise audit.audited_refusal(
        session,
        InvalidInput(
            msg("the {field} is wrong", field=field.replace("_", " ")),
            errors=[field_error(["body", field], msg("does not match"))],
        ),
        actor=actor,
        action=action,
        object_type="user",
        object_id=user_id,
        keep=keep,
    )


def change_password(
    session: Session,
    *,
    actor: Actor | None,
    current_password: str,
    new_password: str,
    address: str | None,
    rules: ThrottleRules,
    session_hours: int | None = None,
) -> CredentialsEnded:
    """The user changes their own password (the current one is checked behind the login
    throttle). Every web session and API token of the user ends; given ``session_hours`` (a
    change in the browser) a new web session replaces the current one."""
    actor = require_actor(actor)
    user = session.get(User, actor.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated(msg("The account is not active."))
    throttle.check(
        session, Attempt(username=user.username, address=address), rules=rules, now=utcnow()
    )
    _verify_secret_or_refuse(
        session,
        actor=actor,
        user=user,
        ok=service.verify_password(user, current_password),
        field="current_password",
        action="user.password.change",
        address=address,
        rules=rules,
    )
    ended = _set_password(
        session, actor=actor, user=user, new_password=new_password, action="user.password.change"
    )
    if session_hours is None:
        return ended
    token = service.open_session(session, user=user, hours=session_hours)
    return CredentialsEnded(ended.sessions_ended, ended.tokens_revoked, new_session=token)


def _set_password(
    session: Session, *, actor: Actor, user: User, new_password: str, action: str
) -> CredentialsEnded:
    """Store ``new_password`` (after the policy check) and end every web session and API token
    of ``user``; audited as ``action``."""
    service.check_password(
        session,
        actor=actor,
        password=new_password,
        username=user.username,
        loc=["body", "new_password"],
        action=action,
    )
    user.password_hash = service.hash_password(new_password)
    user.password_changed_at = utcnow()
    ended = _end_credentials(session, user_id=user.id)
    audit.record(
        session,
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.id,
        jurisdiction_code=user.jurisdiction_code,
        detail={"sessions_ended": ended.sessions_ended, "tokens_revoked": ended.tokens_revoked},
    )
    return ended


def _managed_user(session: Session, *, actor: Actor | None, username: str, action: str) -> User:
    """The user ``actor`` may manage (``policy.may_manage_user``); refusals are audited."""
    actor = require_actor(actor)
    user = service.get_user(session, username=username)
    if not policy.may_manage_user(
        actor, role=Role(user.role), jurisdiction_code=user.jurisdiction_code
    ):
        raise deny(
            session,
            actor,
            action=action,
            object_type="user",
            object_id=str(user.id),
            jurisdiction_code=user.jurisdiction_code,
            reason=msg(
                "{username} may not {verb} user {target} of jurisdiction {jurisdiction}",
                username=repr(actor.username),
                verb=action.split(".", 1)[1],
                target=repr(username),
                jurisdiction=user.jurisdiction_code,
            )
            if user.jurisdiction_code
            else msg(
                "{username} may not {verb} user {target} of the region",
                username=repr(actor.username),
                verb=action.split(".", 1)[1],
                target=repr(username),
            ),
        )
    return user


def reset_password(
    session: Session, *, actor: Actor | None, username: str, new_password: str
) -> CredentialsEnded:
    """An administrator sets another user's password (office: anyone; jurisdiction
    administrator: their province's users). Every session and API token of the user ends."""
    user = _managed_user(session, actor=actor, username=username, action="user.password.reset")
    return _set_password(
        session,
        actor=require_actor(actor),
        user=user,
        new_password=new_password,
        action="user.password.reset",
    )


def set_active(session: Session, *, actor: Actor | None, username: str, active: bool) -> User:
    """Deactivate a user (their web sessions are deleted and API tokens revoked at once; they
    cannot log in) or reactivate them. Nobody deactivates themselves."""
    action = "user.reactivate" if active else "user.deactivate"
    user = _managed_user(session, actor=actor, username=username, action=action)
    actor = require_actor(actor)
    if not active and user.id == actor.user_id:
        raise audit.audited_refusal(
            session,
            Conflict(msg("you cannot deactivate your own account")),
            actor=actor,
            action=action,
            object_type="user",
            object_id=user.id,
        )
    detail: dict[str, int] = {}
    if not active:
        ended = _end_credentials(session, user_id=user.id)
        detail = {"sessions_ended": ended.sessions_ended, "tokens_revoked": ended.tokens_revoked}
    if user.is_active != active:
        user.is_active = active
        audit.record(
            session,
            actor=actor,
            action=action,
            object_type="user",
            object_id=user.id,
            jurisdiction_code=user.jurisdiction_code,
            detail=detail,
        )
    return user


# --- TOTP second factor ---------------------------------------------------------------------


def _own_user(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated(msg("The account is not active."))
    return user


def begin_totp(session: Session, *, actor: Actor | None, vault: totp.Vault) -> totp.Enrolment:
    """Start (or restart) enrolment of a second factor for the acting administrator; it is
    in force only once :func:`confirm_totp` saw a code made with the secret."""
    actor = require_actor(actor)
    user = _own_user(session, actor)
    if not policy.may_use_totp(Role(user.role)):
        raise deny(
            session,
            actor,
            action="user.totp.enrol",
            object_type="user",
            object_id=str(user.id),
            jurisdiction_code=user.jurisdiction_code,
            reason=msg("a TOTP second factor is for administrators"),
        )
    if user.totp_enabled_at is not None:
        raise audit.audited_refusal(
            session,
            Conflict(msg("a TOTP second factor is in force already; disable it first")),
            actor=actor,
            action="user.totp.enrol",
            object_type="user",
            object_id=user.id,
        )
    secret = totp.new_secret()
    user.totp_secret = vault.seal(secret)
    user.totp_last_step = None
    return totp.enrolment(secret, username=user.username)


def pending_totp(session: Session, *, actor: Actor, vault: totp.Vault) -> totp.Enrolment | None:
    """The enrolment waiting for its confirming code, if any (the account page shows it)."""
    user = _own_user(session, actor)
    if user.totp_secret is None or user.totp_enabled_at is not None:
        return None
    return totp.enrolment(vault.open(user.totp_secret), username=user.username)


def may_use_totp(actor: Actor) -> bool:
    return policy.may_use_totp(actor.role)


def totp_enabled(session: Session, *, actor: Actor) -> bool:
    return _own_user(session, actor).totp_enabled_at is not None


def confirm_totp(session: Session, *, actor: Actor | None, code: str, vault: totp.Vault) -> User:
    """Put the enrolled secret in force, given a current code made with it (422 otherwise)."""
    actor = require_actor(actor)
    user = _own_user(session, actor)
    if user.totp_secret is None or user.totp_enabled_at is not None:
        raise audit.audited_refusal(
            session,
            Conflict(msg("no TOTP enrolment is waiting for a code; start one first")),
            actor=actor,
            action="user.totp.enable",
            object_type="user",
            object_id=user.id,
        )
    now = utcnow()
    step = totp.matching_step(vault.open(user.totp_secret), code, now=now, last_step=None)
    if step is None:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("the code does not match the new secret"),
                errors=[field_error(["body", "code"], msg("does not match"))],
            ),
            actor=actor,
            action="user.totp.enable",
            object_type="user",
            object_id=user.id,
        )
    user.totp_enabled_at = now
    user.totp_last_step = step
    audit.record(
        session,
        actor=actor,
        action="user.totp.enable",
        object_type="user",
        object_id=user.id,
        jurisdiction_code=user.jurisdiction_code,
    )
    return user


def disable_totp(
    session: Session,
    *,
    actor: Actor | None,
    password: str,
    code: str,
    address: str | None,
    rules: ThrottleRules,
    vault: totp.Vault,
) -> User:
    """Remove the second factor: needs the password and a current, unused code (both checked
    behind the login throttle)."""
    actor = require_actor(actor)
    user = _own_user(session, actor)
    if user.totp_enabled_at is None or user.totp_secret is None:
        raise audit.audited_refusal(
            session,
            Conflict(msg("no TOTP second factor is in force")),
            actor=actor,
            action="user.totp.disable",
            object_type="user",
            object_id=user.id,
        )
    now = utcnow()
    throttle.check(session, Attempt(username=user.username, address=address), rules=rules, now=now)
    secret = vault.open(user.totp_secret)
    step = totp.matching_step(secret, code, now=now, last_step=user.totp_last_step)
    for field, ok in (
        ("password", service.verify_password(user, password)),
        ("code", step is not None),
    ):
        _verify_secret_or_refuse(
            session,
            actor=actor,
            user=user,
            ok=ok,
            field=field,
            action="user.totp.disable",
            address=address,
            rules=rules,
        )
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    audit.record(
        session,
        actor=actor,
        action="user.totp.disable",
        object_type="user",
        object_id=user.id,
        jurisdiction_code=user.jurisdiction_code,
    )
    return user


def remove_totp(session: Session, *, actor: Actor | None, username: str) -> User:
    """An administrator of the user (or an operator) removes their second factor, e.g. after
    a lost phone; audited."""
    user = _managed_user(session, actor=actor, username=username, action="user.totp.remove")
    had = user.totp_enabled_at is not None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    audit.record(
        session,
        actor=actor,
        action="user.totp.remove",
        object_type="user",
        object_id=user.id,
        jurisdiction_code=user.jurisdiction_code,
        detail={"was_enabled": had},
    )
    return user
