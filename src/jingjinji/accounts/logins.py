"""Logging in: the password behind the throttle, then, for a user with a second factor (or
one who must enrol it), the TOTP code in a second step."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from jingjinji.accounts import service, throttle, totp
from jingjinji.accounts.models import LoginChallenge, User
from jingjinji.accounts.throttle import Attempt, ThrottleRules
from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import NotAuthenticated
from jingjinji.i18n import msg
from jingjinji.security import Role

# How long the second step of a login (the TOTP code) may follow the password.
CHALLENGE_MINUTES = 5


@dataclass(frozen=True)
class LoginRules:
    """The throttle, the TOTP vault, and the roles that must have a second factor."""

    throttle: ThrottleRules
    vault: totp.Vault
    totp_required_for: frozenset[Role] = frozenset()


@dataclass(frozen=True)
class PasswordAccepted:
    """A right password. ``challenge`` is set when a TOTP code is still due: the caller keeps
    it (a cookie) and starts no session until :func:`complete_totp_login`. ``enrolment`` is
    set when the user must first set up their second factor (shown with the code field)."""

    user: User
    challenge: str | None
    enrolment: totp.Enrolment | None = None


def _must_enrol(user: User, rules: LoginRules) -> bool:
    return user.totp_enabled_at is None and Role(user.role) in rules.totp_required_for


def _enrolment(user: User, vault: totp.Vault) -> totp.Enrolment:
    """The user's pending enrolment, started now if there is none."""
    if user.totp_secret is None:
        user.totp_secret = vault.seal(totp.new_secret())
        user.totp_last_step = None
    return totp.enrolment(vault.open(user.totp_secret), username=user.username)


def login(
    session: Session, *, username: str, password: str, address: str | None, rules: LoginRules
) -> PasswordAccepted | None:
    """Check a login's password behind the throttle (429 before any check when the account or
    the address must wait). A failure is counted and audited (rate-limited per address); the
    same work is done for an unknown username."""
    now = utcnow()
    attempt = Attempt(username=username, address=address)
    rows = throttle.check(session, attempt, rules=rules.throttle, now=now)
    user = service.authenticate(session, username=username.strip(), password=password)
    if user is None:
        throttle.record_failure(
            session,
            rows,
            attempt,
            rules=rules.throttle,
            now=now,
            reason="wrong username or password",
        )
        return None
    if user.totp_enabled_at is None and not _must_enrol(user, rules):
        throttle.reset_account(session, attempt)
        return PasswordAccepted(user=user, challenge=None)
    token = secrets.token_urlsafe(32)
    session.add(
        LoginChallenge(
            token_hash=service.sha256(token),
            user_id=user.id,
            expires_at=now + dt.timedelta(minutes=CHALLENGE_MINUTES),
        )
    )
    enrolment = _enrolment(user, rules.vault) if _must_enrol(user, rules) else None
    return PasswordAccepted(user=user, challenge=token, enrolment=enrolment)


def challenge_user(session: Session, *, challenge: str) -> User:
    """The user of a pending TOTP step; 401 when it is unknown, used or expired."""
    row = session.get(LoginChallenge, service.sha256(challenge))
    if row is None or row.expires_at <= utcnow() or not row.user.is_active:
        raise NotAuthenticated(
            msg("The login has expired; enter your username and password again.")
        )
    return row.user


def challenge_enrolment(
    session: Session, *, challenge: str, rules: LoginRules
) -> totp.Enrolment | None:
    """The enrolment a pending login must complete (to show it again after a wrong code)."""
    user = challenge_user(session, challenge=challenge)
    return _enrolment(user, rules.vault) if _must_enrol(user, rules) else None


def complete_totp_login(
    session: Session, *, challenge: str, code: str, address: str | None, rules: LoginRules
) -> User | None:
    """The second step: the user's current TOTP code, throttled like passwords, never a code
    already used. A user who had to enrol puts the new secret in force with it. On success
    the pending state is deleted (single use) and the account's failures are cleared; a wrong
    code returns None (counted and audited)."""
    user = challenge_user(session, challenge=challenge)
    now = utcnow()
    attempt = Attempt(username=user.username, address=address)
    rows = throttle.check(session, attempt, rules=rules.throttle, now=now)
    enrolling = _must_enrol(user, rules)
    usable = user.totp_secret is not None and (enrolling or user.totp_enabled_at is not None)
    step = (
        totp.matching_step(
            rules.vault.open(user.totp_secret), code, now=now, last_step=user.totp_last_step
        )
        if usable and user.totp_secret is not None
        else None
    )
    if step is None:
        throttle.record_failure(
            session,
            rows,
            attempt,
            rules=rules.throttle,
            now=now,
            reason="wrong or reused TOTP code",
        )
        return None
    user.totp_last_step = step
    if enrolling:
        user.totp_enabled_at = now
        audit.record(
            session,
            actor=service.actor_of(user),
            action="user.totp.enable",
            object_type="user",
            object_id=user.id,
            jurisdiction_code=user.jurisdiction_code,
            detail={"at_login": True},
        )
    session.execute(
        delete(LoginChallenge).where(LoginChallenge.token_hash == service.sha256(challenge))
    )
    throttle.reset_account(session, attempt)
    return user


def purge_expired_challenges(session: Session, *, now: dt.datetime) -> int:
    """Delete pending second steps whose time ran out (a used one is deleted at once)."""
    result = session.execute(
        delete(LoginChallenge)
        .where(LoginChallenge.expires_at < now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
