"""Recording and verifying the audit chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, select, text, update
from sqlalchemy.orm import Session

from jingjinji.audit import checkpoints, keys, policy
from jingjinji.audit.checkpoints import CheckpointConfig

# Documents the platform signs (credit reports) use the checkpoint key and its public keys.
from jingjinji.audit.checkpoints import current_config as current_config
from jingjinji.audit.history import object_history as object_history
from jingjinji.audit.keys import AuditKeyError as AuditKeyError
from jingjinji.audit.keys import Signer as Signer
from jingjinji.audit.keys import verify_signature as verify_signature
from jingjinji.audit.models import AuditEntry, AuditHead
from jingjinji.audit.schemas import AuditEntryOut, AuditTrailPage, ChainReport
from jingjinji.db import is_postgres, utcnow
from jingjinji.pagination import Paged, check_limit, paginate
from jingjinji.security import Actor, ensure_role, province_scope

if TYPE_CHECKING:
    from jingjinji.errors import DomainError

ErrorT = TypeVar("ErrorT", bound="DomainError")

log = logging.getLogger(__name__)
GENESIS_HASH = "0" * 64
# Arbitrary constant naming the PostgreSQL advisory lock that serialises appends.
_CHAIN_LOCK_KEY = 72_700_633


def canonical_detail(detail: dict[str, Any] | None) -> str:
    return json.dumps(
        detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(entry: AuditEntry) -> str:
    material = json.dumps(
        [
            entry.seq,
            _timestamp(entry.occurred_at),
            entry.actor_username,
            entry.actor_role,
            entry.actor_jurisdiction,
            entry.channel,
            entry.action,
            entry.outcome,
            entry.object_type,
            entry.object_id,
            entry.jurisdiction_code,
            entry.detail_json,
            entry.prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    jurisdiction_code: str | None = None,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with the write).
    Every N-th entry (``JJJ_AUDIT_CHECKPOINT_EVERY``) also signs a checkpoint of it."""
    head = _locked_head(session)
    prev_seq, prev_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    # Microsecond precision is kept by both backends; drop anything finer.
    now = utcnow()
    entry = AuditEntry(
        seq=prev_seq + 1,
        occurred_at=now,
        actor_username=actor.username if actor else "anonymous",
        actor_role=actor.role.value if actor else None,
        actor_jurisdiction=actor.jurisdiction_code if actor else None,
        channel=actor.channel if actor else "web",
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        jurisdiction_code=jurisdiction_code,
        detail_json=canonical_detail(detail),
        prev_hash=prev_hash,
    )
    entry.entry_hash = compute_hash(entry)
    session.add(entry)
    if head is None:
        session.add(AuditHead(id=1, last_seq=entry.seq, last_hash=entry.entry_hash))
    else:
        head.last_seq = entry.seq
        head.last_hash = entry.entry_hash
    session.flush()
    config = checkpoints.current_config()
    if entry.seq % config.every == 0:
        try:
            checkpoints.make(session, seq=entry.seq, entry_hash=entry.entry_hash, config=config)
        except keys.AuditKeyError as exc:
            # A broken key must not stop the platform's writes: the entry stands, unsigned until
            # the key is fixed (the timer or ``jjj audit checkpoint`` then signs the head).
            log.error("audit checkpoint of entry %s not signed: %s", entry.seq, exc)
    return entry


def _locked_head(session: Session) -> AuditHead | None:
    """The head, read under the chain lock (held until the transaction ends)."""
    # Serialise appends so that two writers never read the same head: PostgreSQL takes an
    # advisory lock; SQLite takes its database write lock with a no-op write (a plain read
    # would not lock, and the second writer would then collide on ``seq``).
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    else:
        session.execute(
            update(AuditHead)
            .where(AuditHead.id == 1)
            .values(last_seq=AuditHead.last_seq)
            .execution_options(synchronize_session=False)
        )
    return session.get(AuditHead, 1, populate_existing=True)


def checkpoint(
    session: Session, *, config: CheckpointConfig | None = None, only_if_due: bool = False
) -> int | None:
    """Sign the chain head now (``jjj audit checkpoint``), or with ``only_if_due`` only when
    entries came in and the last checkpoint is M minutes old (the periodic job). Works in the
    caller's transaction; returns the new checkpoint's number, None when none was made (no
    key, nothing new, not due)."""
    config = config or checkpoints.current_config()
    if config.signer() is None:
        return None  # no key: nothing to sign, and no chain lock taken every minute for it
    head = _locked_head(session)
    if head is None:
        return None
    if only_if_due and not checkpoints.due_by_time(session, head_seq=head.last_seq, config=config):
        return None
    made = checkpoints.make(session, seq=head.last_seq, entry_hash=head.last_hash, config=config)
    return made.number if made else None


def undelivered_checkpoints(session: Session) -> list[int]:
    """Ids of checkpoint deliveries still to push to a witness."""
    return checkpoints.undelivered(session)


def deliver_checkpoint(
    session: Session, *, delivery_id: int, config: CheckpointConfig | None = None
) -> str:
    """Push one checkpoint to one witness, committing the attempt; raises
    ``checkpoints.DeliveryFailed`` when it should be retried."""
    return checkpoints.deliver(
        session, delivery_id=delivery_id, config=config or checkpoints.current_config()
    )


def audited_refusal(
    session: Session,
    error: ErrorT,
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    jurisdiction_code: str | None = None,
    outcome: str = "refused",
    detail: dict[str, Any] | None = None,
    keep: Callable[[Session], str | int | None] | None = None,
) -> ErrorT:
    """Refuse an attempt on the record: roll back the caller's work, append one entry with
    ``outcome`` and the error's text as its reason, commit it on its own, and return ``error``
    for the caller to raise. The refused request fails; the attempt stays in the chain.

    Read every value the entry needs (ids, statuses) before calling: the rollback expires
    loaded objects. ``keep``, when given, runs after the rollback in the same transaction as
    the entry (say, to store the rejected batch's own record) and returns the entry's
    ``object_id``: the kept record and its entry commit together or not at all.

        raise audit.audited_refusal(
            session, Conflict(f"warning {wid} is {status}"),
            actor=actor, action="warning.issue", object_type="warning", object_id=wid,
        )
    """
    session.rollback()
    if keep is not None:
        object_id = keep(session)
    record(
        session,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        jurisdiction_code=jurisdiction_code,
        outcome=outcome,
        detail={"reason": error.detail, **(detail or {})},
    )
    session.commit()
    error.audited = True
    return error


def _broken_link(
    entry: AuditEntry, *, expected_seq: int, prev_hash: str, checked: int
) -> ChainReport | None:
    """The report naming ``entry`` if it is not the intact successor of the ``checked``
    entries before it."""
    if entry.seq != expected_seq:
        return ChainReport(
            ok=False,
            entries_checked=checked,
            first_broken_seq=expected_seq,
            reason=f"entry {expected_seq} is missing (next present is {entry.seq})",
        )
    if entry.prev_hash != prev_hash:
        return ChainReport(
            ok=False,
            entries_checked=checked,
            first_broken_seq=entry.seq,
            reason=f"entry {entry.seq} does not follow entry {entry.seq - 1} "
            "(previous-hash mismatch: an entry was replaced, removed or reordered)",
        )
    if compute_hash(entry) != entry.entry_hash:
        return ChainReport(
            ok=False,
            entries_checked=checked,
            first_broken_seq=entry.seq,
            reason=f"entry {entry.seq} was edited (its content no longer matches its hash)",
        )
    return None


def verify(
    session: Session,
    *,
    batch_size: int = 5000,
    witnesses: Iterable[str] = (),
    config: CheckpointConfig | None = None,
) -> ChainReport:
    """Walk the whole chain, then check it against every signed checkpoint the platform stored
    and against each witness's copy (``witnesses``: URLs or store directories); report the
    first entry that was edited, removed, reordered, or disagrees with a checkpoint."""
    report = _verify_chain(session, batch_size=batch_size)
    if not report.ok:
        return report
    finding = checkpoints.check(
        session,
        chain_end=report.entries_checked,
        config=config or checkpoints.current_config(),
        witnesses=witnesses,
    )
    return report.model_copy(
        update={
            "ok": finding.broken_seq is None,
            # With a break, only the entries its last agreeing checkpoint covers are known good.
            "entries_checked": report.entries_checked
            if finding.broken_seq is None
            else finding.confirmed_seq,
            "first_broken_seq": finding.broken_seq,
            "reason": finding.reason,
            "checkpoints_checked": finding.checked,
            "last_checkpoint_seq": finding.last_seq,
            "witnesses": finding.witnesses,
            "witnessed_seq": finding.witnessed_seq,
        }
    )


def _verify_chain(session: Session, *, batch_size: int) -> ChainReport:
    """Walk the whole chain; report the first entry that was edited, removed or reordered."""
    head = session.get(AuditHead, 1, populate_existing=True)
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    # The hash of the entry the head names, as found while walking.
    hash_at_head = GENESIS_HASH if head_seq == 0 else None
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch_size)
    # On PostgreSQL ``yield_per`` reads through a server-side cursor: close it even when the
    # walk stops at a broken entry.
    with session.scalars(stmt) as entries:
        for entry in entries:
            broken = _broken_link(
                entry, expected_seq=expected_seq, prev_hash=prev_hash, checked=checked
            )
            if broken is not None:
                return broken
            if entry.seq == head_seq:
                hash_at_head = entry.entry_hash
            prev_hash = entry.entry_hash
            expected_seq += 1
            checked += 1
    last_seq = expected_seq - 1
    if head is None and last_seq > 0:
        return ChainReport(
            ok=False,
            entries_checked=checked,
            first_broken_seq=1,
            reason="the chain head is missing: the end of the chain cannot be checked",
        )
    if head_seq > last_seq:
        return ChainReport(
            ok=False,
            entries_checked=checked,
            first_broken_seq=last_seq + 1,
            reason=f"the chain ends at entry {last_seq} but the head records entry "
            f"{head_seq}: entries were cut off the end",
        )
    if hash_at_head != head_hash:
        # Every entry links to the one before it, so the entry the head names was replaced
        # (with everything after it, if anything follows).
        return ChainReport(
            ok=False,
            entries_checked=head_seq - 1,
            first_broken_seq=head_seq,
            reason=f"entry {head_seq} is not the one the head records: it was replaced",
        )
    if head_seq < last_seq:
        return ChainReport(
            ok=False,
            entries_checked=head_seq,
            first_broken_seq=head_seq + 1,
            reason=f"entries {head_seq + 1} to {last_seq} follow the entry the head records "
            f"({head_seq}): they were added outside the platform",
        )
    return ChainReport(ok=True, entries_checked=checked)


def to_out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        seq=entry.seq,
        occurred_at=entry.occurred_at,
        actor_username=entry.actor_username,
        actor_role=entry.actor_role,
        actor_jurisdiction=entry.actor_jurisdiction,
        channel=entry.channel,
        action=entry.action,
        outcome=entry.outcome,
        object_type=entry.object_type,
        object_id=entry.object_id,
        jurisdiction_code=entry.jurisdiction_code,
        detail=json.loads(entry.detail_json),
        prev_hash=entry.prev_hash,
        entry_hash=entry.entry_hash,
    )


def iter_entries(session: Session, *, batch_size: int = 5000) -> Iterator[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch_size)
    # Closes the (PostgreSQL server-side) cursor also when the caller stops early.
    with session.scalars(stmt) as entries:
        yield from entries


def export_jsonl_lines(session: Session) -> Iterator[str]:
    for entry in iter_entries(session):
        yield to_out(entry).model_dump_json() + "\n"


def _filtered(
    *,
    action: str | None = None,
    actor_username: str | None = None,
    jurisdiction_code: str | None = None,
    province_code: str | None = None,
    outcome: str | None = None,
) -> Select[AuditEntry]:
    stmt = select(AuditEntry)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor_username:
        stmt = stmt.where(AuditEntry.actor_username == actor_username)
    if jurisdiction_code:
        stmt = stmt.where(AuditEntry.jurisdiction_code == jurisdiction_code)
    if province_code:
        stmt = stmt.where(AuditEntry.jurisdiction_code.startswith(province_code[:2]))
    if outcome:
        stmt = stmt.where(AuditEntry.outcome == outcome)
    return stmt


def list_entries(
    session: Session,
    *,
    after_seq: int | None = None,
    limit: int = 100,
    action: str | None = None,
    actor_username: str | None = None,
    jurisdiction_code: str | None = None,
    province_code: str | None = None,
    outcome: str | None = None,
    newest_first: bool = False,
) -> list[AuditEntry]:
    """``jurisdiction_code`` keeps entries about exactly that unit; ``province_code`` those
    about a provincial-level unit or any of its cities and districts."""
    stmt = _filtered(
        action=action,
        actor_username=actor_username,
        jurisdiction_code=jurisdiction_code,
        province_code=province_code,
        outcome=outcome,
    )
    if newest_first:
        if after_seq is not None:
            stmt = stmt.where(AuditEntry.seq < after_seq)
        stmt = stmt.order_by(AuditEntry.seq.desc())
    else:
        if after_seq is not None:
            stmt = stmt.where(AuditEntry.seq > after_seq)
        stmt = stmt.order_by(AuditEntry.seq)
    return list(session.scalars(stmt.limit(limit)))


def _ensure_reader(session: Session, actor: Actor) -> None:
    ensure_role(
        session, actor, *policy.TRAIL_READERS, action="audit.read", object_type="audit_entry"
    )


def entry_page(
    session: Session,
    *,
    actor: Actor,
    action: str | None,
    actor_username: str | None,
    outcome: str | None,
    cursor: str | None,
    limit: int,
) -> Paged[AuditEntryOut]:
    """One page of the trail in chain order for an administrator: the office reads every
    entry, a jurisdiction administrator those about their province; others are refused."""
    check_limit(limit)  # a bad limit is refused before the reader is checked
    _ensure_reader(session, actor)
    stmt = _filtered(
        action=action,
        actor_username=actor_username,
        province_code=province_scope(actor),
        outcome=outcome,
    )
    page = paginate(session, stmt, AuditEntry.seq, cursor=cursor, limit=limit)
    return Paged([to_out(e) for e in page.items], page.next_cursor)


def trail_page(
    session: Session,
    *,
    actor: Actor,
    before: int | None,
    outcome: str | None,
    action: str | None,
    size: int,
) -> AuditTrailPage:
    """The page at /audit: ``size`` entries before ``before``, newest first, as in
    :func:`entry_page`; the office also gets the whole chain's check."""
    _ensure_reader(session, actor)
    rows = list_entries(
        session,
        after_seq=before,
        limit=size + 1,
        newest_first=True,
        province_code=province_scope(actor),
        outcome=outcome,
        action=action,
    )
    entries = [to_out(r) for r in rows[:size]]
    return AuditTrailPage(
        entries=entries,
        older=entries[-1].seq if len(rows) > size else None,
        report=verify(session) if policy.may_verify_chain(actor) else None,
    )


def checked_chain(session: Session, *, actor: Actor) -> ChainReport:
    """:func:`verify` for the office (it covers every province); others are refused."""
    ensure_role(
        session,
        actor,
        *policy.CHAIN_VERIFIERS,
        action="audit.verify",
        object_type="audit_entry",
    )
    return verify(session)
