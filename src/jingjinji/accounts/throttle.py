"""Login throttling: failed attempts per account and per client address, in the database.

Every attempt that checks a secret (password or TOTP code) first takes the rows of its two keys
("user:<name as typed>", "addr:<client address>") for update, so that concurrent attempts on
one key queue behind each other in every server process. From ``delay_after`` failures in the
window each further attempt must wait 2^k seconds after the last failure (k = 1, 2, ...,
capped); from ``lockout_after`` failures the key is locked for ``lockout``. A refused attempt
raises :class:`TooManyAttempts` (429 with Retry-After) before any secret is checked.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from jingjinji.accounts.models import LoginThrottle
from jingjinji.audit import service as audit
from jingjinji.db import is_postgres
from jingjinji.errors import Busy
from jingjinji.i18n import msg

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from jingjinji.config import Settings

# Typed usernames and addresses are cut to this many characters in keys and audit entries.
MAX_TYPED = 100


class TooManyAttempts(Busy):
    """Too many failed attempts for this account or address: retry after the given seconds.
    (A ``Busy``, so that the problem+json carries ``Retry-After``.)"""

    status = 429
    title = "Too many attempts"
    type_slug = "too-many-attempts"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


@dataclass(frozen=True)
class ThrottleRules:
    window: dt.timedelta = dt.timedelta(minutes=15)
    delay_after: int = 3
    delay_cap_seconds: int = 60
    lockout_after: int = 10
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    address_delay_after: int = 10
    address_lockout_after: int = 30
    # At most one audit entry of failed logins per address in this interval (it carries the
    # number of failures since the previous one).
    audit_interval: dt.timedelta = dt.timedelta(minutes=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottleRules:
        return cls(
            window=dt.timedelta(minutes=settings.login_window_minutes),
            delay_after=settings.login_delay_after,
            delay_cap_seconds=settings.login_delay_cap_seconds,
            lockout_after=settings.login_lockout_after,
            lockout=dt.timedelta(minutes=settings.login_lockout_minutes),
            address_delay_after=settings.login_address_delay_after,
            address_lockout_after=settings.login_address_lockout_after,
        )


@dataclass(frozen=True)
class Attempt:
    """Who tries (the username as typed) from where (the client address)."""

    username: str
    address: str | None

    @property
    def typed(self) -> str:
        return self.username.strip()[:MAX_TYPED]

    @property
    def account_key(self) -> str:
        return "user:" + self.username.strip().casefold()[:MAX_TYPED]

    @property
    def address_key(self) -> str:
        return "addr:" + (self.address or "unknown")[:MAX_TYPED]


def lock_rows(session: Session, attempt: Attempt, *, now: dt.datetime) -> dict[str, LoginThrottle]:
    """The rows of the attempt's two keys, created if missing, locked for update (PostgreSQL:
    row locks; SQLite: the insert took the database's write lock)."""
    # One order (the key's) for the inserts and the locks, so two attempts never wait on each
    # other crosswise (a deadlock).
    keys = sorted([attempt.account_key, attempt.address_key])
    values = [
        {"key": k, "failures": 0, "window_started_at": now, "unaudited_failures": 0} for k in keys
    ]
    if is_postgres(session):
        session.execute(postgresql.insert(LoginThrottle).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(LoginThrottle).values(values).on_conflict_do_nothing())
    rows = session.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.key.in_(keys))
        .order_by(LoginThrottle.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.key: row for row in rows}


def _wait_seconds(
    row: LoginThrottle, now: dt.datetime, *, delay_after: int, rules: ThrottleRules
) -> float:
    if row.locked_until is not None and row.locked_until > now:
        return (row.locked_until - now).total_seconds()
    if now - row.window_started_at > rules.window or row.last_failure_at is None:
        return 0.0
    if row.failures < delay_after:
        return 0.0
    delay = min(2 ** (row.failures - delay_after + 1), rules.delay_cap_seconds)
    ready = row.last_failure_at + dt.timedelta(seconds=delay)
    return max(0.0, (ready - now).total_seconds())


def check(
    session: Session, attempt: Attempt, *, rules: ThrottleRules, now: dt.datetime
) -> dict[str, LoginThrottle]:
    """Lock the attempt's rows; raise :class:`TooManyAttempts` if either key must wait."""
    rows = lock_rows(session, attempt, now=now)
    waits = [
        _wait_seconds(rows[attempt.account_key], now, delay_after=rules.delay_after, rules=rules),
        _wait_seconds(
            rows[attempt.address_key], now, delay_after=rules.address_delay_after, rules=rules
        ),
    ]
    wait = max(waits)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooManyAttempts(
            msg(
                "Too many failed attempts for this account or from this address; try again in "
                "{seconds} s.",
                seconds=seconds,
            ),
            retry_after_seconds=seconds,
        )
    return rows


def _count_failure(
    row: LoginThrottle, now: dt.datetime, *, lockout_after: int, rules: ThrottleRules
) -> None:
    if now - row.window_started_at > rules.window:
        row.failures = 0
        row.window_started_at = now
        row.locked_until = None
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= lockout_after:
        row.locked_until = now + rules.lockout


def count_failures(
    rows: dict[str, LoginThrottle], attempt: Attempt, *, rules: ThrottleRules, now: dt.datetime
) -> None:
    """Count a failed attempt on both keys."""
    _count_failure(rows[attempt.account_key], now, lockout_after=rules.lockout_after, rules=rules)
    _count_failure(
        rows[attempt.address_key], now, lockout_after=rules.address_lockout_after, rules=rules
    )


def record_failure(
    session: Session,
    rows: dict[str, LoginThrottle],
    attempt: Attempt,
    *,
    rules: ThrottleRules,
    now: dt.datetime,
    reason: str,
) -> None:
    """Count a failed login on both keys and put it on the audit record, at most one entry
    per address per ``rules.audit_interval`` (carrying the failures since the last one)."""
    count_failures(rows, attempt, rules=rules, now=now)
    account = rows[attempt.account_key]
    address = rows[attempt.address_key]
    address.unaudited_failures += 1
    if address.audited_at is None or now - address.audited_at >= rules.audit_interval:
        audit.record(
            session,
            actor=None,
            action="session.login",
            object_type="user",
            object_id=attempt.typed,
            outcome="denied",
            detail={
                "username": attempt.typed,
                "address": attempt.address,
                "reason": reason,
                "failures": address.unaudited_failures,
                "account_locked": account.locked_until is not None,
            },
        )
        address.audited_at = now
        address.unaudited_failures = 0


def reset_account(session: Session, attempt: Attempt) -> None:
    """A successful login clears the account's failures (not the address's)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == attempt.account_key))


def purge_expired(session: Session, *, rules: ThrottleRules, now: dt.datetime) -> int:
    """Delete the rows that no longer hold anything back (their window and any lockout are
    over); failures a row counted that are not yet on the audit record go there first, one
    entry per address. Without this the table grows with every username an attacker types.
    Returns the number of rows deleted."""
    expired = (
        LoginThrottle.window_started_at < now - rules.window - rules.audit_interval,
        or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
    )
    for row in session.scalars(
        select(LoginThrottle).where(*expired, LoginThrottle.unaudited_failures > 0)
    ):
        audit.record(
            session,
            actor=None,
            action="session.login",
            object_type="user",
            outcome="denied",
            detail={
                "address": row.key.removeprefix("addr:"),
                "reason": "failed logins counted since the previous entry",
                "failures": row.unaudited_failures,
            },
        )
    result = session.execute(
        delete(LoginThrottle).where(*expired).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
