"""Users, password login, web sessions and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session, joinedload

from jingjinji import labels
from jingjinji.accounts import policy
from jingjinji.accounts.models import ApiToken, User, WebSession
from jingjinji.accounts.schemas import UserIn
from jingjinji.audit import service as audit
from jingjinji.db import utcnow
from jingjinji.errors import Conflict, InvalidInput, NotFound, field_error
from jingjinji.i18n import msg
from jingjinji.pagination import Paged, paginate
from jingjinji.regions import service as regions
from jingjinji.security import Actor, Role, deny, ensure_role, province_scope, require_actor

_hasher = PasswordHasher()
TOKEN_PREFIX = "jjj_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _stored_hash(password: str, *, precomputed: str | None) -> str:
    """A hash of ``password`` with the production parameters. A ``precomputed`` one is kept if
    it has the current parameters (it saves the ~0.2 s of an argon2 hash; its caller vouches
    that it is a hash of ``password``); otherwise the password is hashed now."""
    if precomputed is not None and not _hasher.check_needs_rehash(precomputed):
        return precomputed
    return hash_password(password)


def sha256(value: str) -> str:
    """How session, token and login-challenge secrets are stored."""
    return hashlib.sha256(value.encode()).hexdigest()


def verify_password(user: User, password: str) -> bool:
    try:
        return bool(_hasher.verify(user.password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def actor_of(user: User, *, channel: str = "web") -> Actor:
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        jurisdiction_code=user.jurisdiction_code,
        organisation_id=user.organisation_id,
        channel=channel,
    )


def _check_user_placement(session: Session, data: UserIn) -> str | None:
    """Validate role/jurisdiction/organisation consistency; return the user's jurisdiction."""
    if data.role is Role.OFFICE_ADMIN:
        return (
            data.jurisdiction_code
            and regions.jurisdiction_or_invalid(
                session, code=data.jurisdiction_code, loc=["body", "jurisdiction_code"]
            ).code
        )
    if data.role is Role.JURISDICTION_ADMIN:
        if not data.jurisdiction_code:
            raise InvalidInput(
                msg("a jurisdiction administrator needs a jurisdiction"),
                errors=[field_error(["body", "jurisdiction_code"], msg("required for this role"))],
            )
        return regions.jurisdiction_or_invalid(
            session, code=data.jurisdiction_code, loc=["body", "jurisdiction_code"]
        ).code
    if data.organisation_id is None:
        raise InvalidInput(
            msg(
                "a {role} belongs to an organisation",
                role=data.role.value,
                role_label=labels.msg_label("role", data.role),
            ),
            errors=[field_error(["body", "organisation_id"], msg("required for this role"))],
        )
    org = regions.get_organisation_or_none(session, organisation_id=data.organisation_id)
    if org is None:
        raise InvalidInput(
            msg("unknown organisation {organisation_id}", organisation_id=data.organisation_id),
            errors=[field_error(["body", "organisation_id"], msg("unknown organisation"))],
        )
    return org.jurisdiction_code


def check_new_user(session: Session, *, data: UserIn) -> None:
    """What :func:`bootstrap_user` checks before the password: the username is free and role,
    jurisdiction and organisation fit (``jjj accounts create-user`` asks for the password
    only then). Raises InvalidInput or Conflict."""
    _check_user_placement(session, data)
    _require_username_free(session, data.username)


def _require_username_free(session: Session, username: str) -> None:
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(msg("user {username} exists already", username=repr(username)))


def create_user(session: Session, *, actor: Actor | None, data: UserIn) -> User:
    return _create_user(session, actor=actor, data=data, password_hash=None)


def _create_user(
    session: Session, *, actor: Actor | None, data: UserIn, password_hash: str | None
) -> User:
    jurisdiction = _check_user_placement(session, data)
    actor = require_actor(actor)
    if not policy.may_create_user(actor, role=data.role, jurisdiction_code=jurisdiction):
        raise deny(
            session,
            actor,
            action="user.create",
            object_type="user",
            object_id=data.username,
            jurisdiction_code=jurisdiction,
            reason=msg(
                "{username} may not create a {role} in jurisdiction {jurisdiction}",
                username=repr(actor.username),
                role=data.role.value,
                role_label=labels.msg_label("role", data.role),
                jurisdiction=jurisdiction,
            )
            if jurisdiction
            else msg(
                "{username} may not create a {role} in the region",
                username=repr(actor.username),
                role=data.role.value,
                role_label=labels.msg_label("role", data.role),
            ),
        )
    _require_username_free(session, data.username)
    check_password(
        session,
        actor=actor,
        password=data.password,
        username=data.username,
        loc=["body", "password"],
        action="user.create",
    )
    org_id = data.organisation_id if data.role in (Role.STEWARD, Role.ANALYST) else None
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=_stored_hash(data.password, precomputed=password_hash),
        role=data.role.value,
        jurisdiction_code=jurisdiction,
        organisation_id=org_id,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        jurisdiction_code=jurisdiction,
        detail={"username": user.username, "role": user.role},
    )
    return user


def bootstrap_user(session: Session, *, data: UserIn, password_hash: str | None = None) -> User:
    """Create a user without an acting user (first administrator, demo data). Audited as system.

    ``password_hash``: a hash of ``data.password`` made earlier, for the demo users, whose
    password is public (``accounts.demo.DEMO_PASSWORD_HASH``); see ``_stored_hash``."""
    from jingjinji.security import SYSTEM_ACTOR

    return _create_user(session, actor=SYSTEM_ACTOR, data=data, password_hash=password_hash)


def get_user(session: Session, *, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(msg("no user {username}", username=repr(username)))
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by id (the operators' listing)."""
    return list(session.scalars(select(User).order_by(User.id)))


def user_page(session: Session, *, actor: Actor, cursor: str | None, limit: int) -> Paged[User]:
    """One page of users by id: office administrators see every user, a jurisdiction
    administrator those placed in their province; anyone else is refused (audited)."""
    ensure_role(session, actor, *policy.USER_LISTERS, action="user.list", object_type="user")
    stmt = select(User)
    province_code = province_scope(actor)
    if province_code is not None:
        stmt = stmt.where(User.jurisdiction_code.startswith(province_code[:2]))
    return paginate(session, stmt, User.id, cursor=cursor, limit=limit)


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        # Same work as a real check, so response time does not reveal which usernames exist.
        _hasher.hash(password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def open_session(session: Session, *, user: User, hours: int) -> str:
    """A new web session of ``user``; the cookie's token is returned, its SHA-256 stored."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_hash=sha256(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
    )
    return token


def start_session(session: Session, *, user: User, hours: int) -> str:
    """Log ``user`` in (after :func:`login` accepted them): a new web session, audited."""
    token = open_session(session, user=user, hours=hours)
    audit.record(
        session,
        actor=actor_of(user),
        action="session.login",
        object_type="user",
        object_id=user.id,
        jurisdiction_code=user.jurisdiction_code,
    )
    return token


def end_session(session: Session, *, token: str) -> None:
    # The user in the same round trip (a lazy load was a second query on every page).
    row = session.get(WebSession, sha256(token), options=[joinedload(WebSession.user)])
    if row is None:
        return
    user = row.user
    session.execute(delete(WebSession).where(WebSession.token_hash == row.token_hash))
    audit.record(
        session,
        actor=actor_of(user),
        action="session.logout",
        object_type="user",
        object_id=user.id,
        jurisdiction_code=user.jurisdiction_code,
    )


def actor_for_session(session: Session, *, token: str) -> Actor | None:
    # The user in the same round trip (a lazy load was a second query on every page).
    row = session.get(WebSession, sha256(token), options=[joinedload(WebSession.user)])
    if row is None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return actor_of(row.user, channel="web")


def create_token(
    session: Session, *, actor: Actor | None, name: str, days_valid: int = 90
) -> tuple[ApiToken, str]:
    """Create an API token for the acting user; the secret is returned once, never stored."""
    actor = require_actor(actor)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=actor.user_id,
        name=name,
        prefix=secret[:12],
        token_hash=sha256(secret),
        created_at=now,
        expires_at=now + dt.timedelta(days=days_valid),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="token.create",
        object_type="api_token",
        object_id=token.id,
        jurisdiction_code=actor.jurisdiction_code,
        detail={"name": name, "expires_at": token.expires_at.isoformat()},
    )
    return token, secret


def list_tokens(session: Session, *, actor: Actor) -> list[ApiToken]:
    """Every API token of the acting user, by id (the account page)."""
    stmt = select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id)
    return list(session.scalars(stmt))


def token_page(
    session: Session, *, actor: Actor, cursor: str | None, limit: int
) -> Paged[ApiToken]:
    """One page of the acting user's API tokens, by id."""
    stmt = select(ApiToken).where(ApiToken.user_id == actor.user_id)
    return paginate(session, stmt, ApiToken.id, cursor=cursor, limit=limit)


def revoke_token(session: Session, *, actor: Actor | None, token_id: int) -> ApiToken:
    actor = require_actor(actor)
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(msg("no token {token_id}", token_id=token_id))
    if not policy.may_revoke_token(actor, owner_id=token.user_id):
        raise deny(
            session,
            actor,
            action="token.revoke",
            object_type="api_token",
            object_id=str(token_id),
            jurisdiction_code=actor.jurisdiction_code,
            reason=msg(
                "{username} may revoke only their own API tokens", username=repr(actor.username)
            ),
        )
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="token.revoke",
            object_type="api_token",
            object_id=token.id,
            jurisdiction_code=actor.jurisdiction_code,
        )
    return token


# What a request's token names, in one round trip: the token's state and its user's placement
# as plain columns (loading the two ORM objects took longer than the query's round trip). Built
# once with a bound parameter and run on the session's connection, not through the ORM: it is
# on every API request, and a statement built per request paid its cache key and the ORM's
# execution each time (CPU per lookup 217 -> 73 us: docs/ports.md, "One unit for a read").
_TOKEN_ACTOR = select(
    ApiToken.id,
    ApiToken.expires_at,
    ApiToken.revoked_at,
    ApiToken.last_used_at,
    User.id.label("user_id"),
    User.username,
    User.role,
    User.jurisdiction_code,
    User.organisation_id,
    User.is_active,
).join(User, User.id == ApiToken.user_id)
_TOKEN_ACTOR_BY_HASH = _TOKEN_ACTOR.where(ApiToken.token_hash == bindparam("token_hash"))


def actor_for_token(session: Session, *, secret: str) -> Actor | None:
    """The actor of an API token; None when it is unknown, revoked, expired or its user is
    inactive. Looked up in the database on every request (by the SHA-256 of the secret: the
    secret is random, so no slow hash is needed), so a revocation or deactivation in any
    server process holds from the next request on."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    # Nothing is pending at a request's start, so the ORM's autoflush has nothing to do here.
    row = (
        session.connection()
        .execute(_TOKEN_ACTOR_BY_HASH, {"token_hash": sha256(secret)})
        .one_or_none()
    )
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now or not row.is_active:
        return None
    # Coarse last-use stamp: at most one write per token per minute.
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return Actor(
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role),
        jurisdiction_code=row.jurisdiction_code,
        organisation_id=row.organisation_id,
        channel="api",
    )


# --- password policy ------------------------------------------------------------------------


def check_password(
    session: Session,
    *,
    actor: Actor | None,
    password: str,
    username: str,
    loc: Sequence[str | int],
    action: str,
) -> None:
    """Refuse (422, audited) a password that breaks ``policy.password_problem``: used on
    create, change and reset."""
    problem = policy.password_problem(password, username=username)
    if problem is not None:
        raise audit.audited_refusal(
            session,
            InvalidInput(
                msg("{loc} {problem}", loc=loc[-1], problem=problem),
                errors=[field_error(list(loc), problem, rule=problem)],
            ),
            actor=actor,
            action=action,
            object_type="user",
            object_id=username,
            detail={"rule": problem},
        )
