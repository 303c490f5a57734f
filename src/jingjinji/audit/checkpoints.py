"""Signed checkpoints of the chain head, their delivery to witnesses, and their verification.

A checkpoint says "entry ``seq`` of the chain has hash ``entry_hash``", signed with the
platform's Ed25519 key (``audit.keys``, outside the database) and linked to the checkpoint before
it. The platform makes one on every N-th entry (inside ``record``) and, while entries come in,
once M minutes have passed (the ``audit.checkpoint`` periodic job, ``jobs/jobs_handlers.py``).
Each is pushed to every witness (``JJJ_AUDIT_WITNESSES``) as a signed webhook; the witnesses'
copies are what an operator with the database, or even with the key file, cannot rewrite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jingjinji.audit import keys
from jingjinji.audit.models import AuditCheckpoint, AuditCheckpointDelivery, AuditEntry
from jingjinji.config import Settings, get_settings
from jingjinji.db import utcnow

GENESIS = "0" * 64
KEY_ID_HEADER = "X-JJJ-Key-Id"
SIGNATURE_HEADER = "X-JJJ-Signature"
PUSH_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class CheckpointConfig:
    every: int = 100
    minutes: float = 10.0
    key_dir: Path | None = None
    signing_key_hex: str | None = None
    witnesses: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> CheckpointConfig:
        return cls(
            every=settings.audit_checkpoint_every,
            minutes=settings.audit_checkpoint_minutes,
            key_dir=settings.audit_key_dir,
            signing_key_hex=settings.audit_signing_key,
            witnesses=settings.audit_witnesses,
        )

    def signer(self) -> keys.Signer | None:
        if self.signing_key_hex:
            return keys.signer_from_hex(self.signing_key_hex)
        return keys.directory_signer(self.key_dir) if self.key_dir is not None else None

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        extra = keys.signer_from_hex(self.signing_key_hex) if self.signing_key_hex else None
        return keys.public_keys(self.key_dir, extra=extra)


# The process's configuration: set by ``configure`` (the app and tests), else read once from the
# environment's settings. ``record`` has no settings argument (every domain calls it).
_config: CheckpointConfig | None = None
# Called with the new deliveries' ids in the transaction that makes a checkpoint; the jobs domain
# registers one that queues their pushes (audit cannot import jobs, which sits above it).
_delivery_listeners: list[Callable[[Session, list[int]], None]] = []


def configure(config: CheckpointConfig | Settings | None) -> None:
    """Use ``config`` (or these settings) in this process; None reads the environment again."""
    global _config
    _config = CheckpointConfig.from_settings(config) if isinstance(config, Settings) else config


def current_config() -> CheckpointConfig:
    global _config
    if _config is None:
        _config = CheckpointConfig.from_settings(get_settings())
    return _config


def on_new_deliveries(listener: Callable[[Session, list[int]], None]) -> None:
    if listener not in _delivery_listeners:
        _delivery_listeners.append(listener)


def body(
    *,
    number: int,
    seq: int,
    entry_hash: str,
    signed_at: str,
    key_id: str,
    prev_checkpoint: str,
) -> bytes:
    """The signed bytes: canonical JSON of everything but the signature."""
    return json.dumps(
        {
            "number": number,
            "seq": seq,
            "entry_hash": entry_hash,
            "signed_at": signed_at,
            "key_id": key_id,
            "prev_checkpoint": prev_checkpoint,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_dict(cp: AuditCheckpoint) -> dict[str, Any]:
    """The wire form a witness receives and returns."""
    return {
        "number": cp.number,
        "seq": cp.seq,
        "entry_hash": cp.entry_hash,
        "signed_at": _timestamp(cp.signed_at),
        "key_id": cp.key_id,
        "prev_checkpoint": cp.prev_checkpoint,
        "signature": cp.signature,
    }


def body_of(cp: dict[str, Any]) -> bytes:
    return body(
        number=int(cp["number"]),
        seq=int(cp["seq"]),
        entry_hash=str(cp["entry_hash"]),
        signed_at=str(cp["signed_at"]),
        key_id=str(cp["key_id"]),
        prev_checkpoint=str(cp["prev_checkpoint"]),
    )


def hash_of(cp: dict[str, Any]) -> str:
    """A checkpoint's own hash, which the next one links to."""
    return hashlib.sha256(body_of(cp)).hexdigest()


def signature_ok(cp: dict[str, Any], public: dict[str, Ed25519PublicKey]) -> bool:
    key = public.get(str(cp["key_id"]))
    return key is not None and keys.verify_signature(key, body_of(cp), str(cp["signature"]))


def latest(session: Session) -> AuditCheckpoint | None:
    return session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.number.desc()).limit(1))


def make(
    session: Session, *, seq: int, entry_hash: str, config: CheckpointConfig
) -> AuditCheckpoint | None:
    """Sign the head ``(seq, entry_hash)`` in the caller's transaction, which holds the chain
    lock; None when no key is configured or the head is already signed."""
    signer = config.signer()
    if signer is None:
        return None
    previous = latest(session)
    if previous is not None and previous.seq >= seq:
        return None
    cp = AuditCheckpoint(
        number=previous.number + 1 if previous else 1,
        seq=seq,
        entry_hash=entry_hash,
        signed_at=utcnow(),
        key_id=signer.key_id,
        prev_checkpoint=hash_of(to_dict(previous)) if previous else GENESIS,
        signature="",
    )
    cp.signature = signer.sign(body_of(to_dict(cp)))
    session.add(cp)
    deliveries = [
        AuditCheckpointDelivery(
            checkpoint_number=cp.number, witness_url=url, status="pending", attempts=0
        )
        for url in config.witnesses
    ]
    session.add_all(deliveries)
    session.flush()
    for listener in _delivery_listeners:
        listener(session, [d.id for d in deliveries])
    return cp


def due_by_time(session: Session, *, head_seq: int, config: CheckpointConfig) -> bool:
    """Entries came in since the last checkpoint and it is at least M minutes old."""
    previous = latest(session)
    if previous is None:
        return head_seq > 0
    age = utcnow() - previous.signed_at
    return head_seq > previous.seq and age >= dt.timedelta(minutes=config.minutes)


def undelivered(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(AuditCheckpointDelivery.id)
            .where(AuditCheckpointDelivery.status == "pending")
            .order_by(AuditCheckpointDelivery.id)
        )
    )


class DeliveryFailed(Exception):
    """A push that may succeed later (the jobs queue retries it with backoff)."""


def deliver(session: Session, *, delivery_id: int, config: CheckpointConfig) -> str:
    """Push one checkpoint to one witness and commit the outcome (every attempt is recorded);
    raise :class:`DeliveryFailed` for a retry. Returns the delivery's status."""
    delivery = session.get(AuditCheckpointDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return delivery.status if delivery else "missing"
    cp = session.get(AuditCheckpoint, delivery.checkpoint_number)
    signer = config.signer()
    if cp is None or signer is None:
        raise DeliveryFailed(f"delivery {delivery_id}: no checkpoint or no signing key")
    payload = json.dumps(to_dict(cp), sort_keys=True).encode("utf-8")
    request = urllib.request.Request(
        delivery.witness_url.rstrip("/") + "/checkpoints",
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json",
            KEY_ID_HEADER: signer.key_id,
            SIGNATURE_HEADER: signer.sign(payload),
        },
    )
    delivery.attempts += 1
    error: str | None = None
    try:
        with urllib.request.urlopen(request, timeout=PUSH_TIMEOUT_SECONDS) as response:
            response.read()
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", utcnow(), None
    except urllib.error.HTTPError as exc:
        reason = exc.read().decode("utf-8", "replace")[:500]
        error = f"witness answered {exc.code}: {reason}"
        if exc.code == 409:
            # The witness holds a contradicting history: an alarm for people, not a retry.
            delivery.status = "refused"
    except (urllib.error.URLError, OSError) as exc:
        error = f"witness unreachable: {exc}"
    if error is not None:
        delivery.last_error = error
    status = delivery.status
    session.commit()
    if status == "pending":
        raise DeliveryFailed(
            f"checkpoint {cp.number} to {delivery.witness_url}: {error} (attempt "
            f"{delivery.attempts})"
        )
    return status


@dataclass
class CheckpointFinding:
    """What the checkpoints say about a chain that is intact on its own."""

    checked: int = 0
    last_seq: int | None = None
    broken_seq: int | None = None
    reason: str | None = None
    witnessed_seq: int | None = None
    # With a break: the last entry the checkpoints before it confirm.
    confirmed_seq: int = 0
    witnesses: list[str] = field(default_factory=list)


def _hashes_at(session: Session, seqs: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(seqs))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        rows = session.execute(
            select(AuditEntry.seq, AuditEntry.entry_hash).where(AuditEntry.seq.in_(chunk))
        )
        found.update({row.seq: row.entry_hash for row in rows})
    return found


def _check_sequence(
    checkpoints: list[dict[str, Any]],
    *,
    public: dict[str, Ed25519PublicKey],
    hashes: dict[int, str],
    chain_end: int,
    source: str,
) -> tuple[int | None, str | None, int]:
    """(first disagreeing entry, why, the last entry the checkpoints before it confirm) for
    checkpoints in number order; (None, None, last confirmed entry) when all agree."""
    previous: dict[str, Any] | None = None
    confirmed = 0
    for cp in checkpoints:
        number, seq = int(cp["number"]), int(cp["seq"])
        if not signature_ok(cp, public):
            return (
                seq,
                (
                    f"{source} checkpoint {number} (entry {seq}) is not signed by a platform key "
                    f"(key {cp['key_id']} unknown or signature invalid): the checkpoints were "
                    "rewritten"
                ),
                confirmed,
            )
        follows = (
            previous is None
            or int(previous["number"]) != number - 1
            or (cp["prev_checkpoint"] == hash_of(previous) and seq > int(previous["seq"]))
        )
        if not follows:
            return (
                seq,
                f"{source} checkpoint {number} does not follow checkpoint {number - 1}",
                confirmed,
            )
        if seq > chain_end:
            return (
                chain_end + 1,
                (
                    f"entry {chain_end + 1} is missing: the chain ends at entry {chain_end} but "
                    f"{source} checkpoint {number} covers entries up to {seq} (entries were "
                    "removed)"
                ),
                confirmed,
            )
        if hashes.get(seq) != cp["entry_hash"]:
            return (
                seq,
                (
                    f"entry {seq} disagrees with {source} checkpoint {number}: one of entries "
                    f"{confirmed + 1} to {seq} was rewritten, removed or inserted"
                    + (
                        f" (entries 1 to {confirmed} agree with the checkpoints before it)"
                        if confirmed
                        else ""
                    )
                ),
                confirmed,
            )
        previous, confirmed = cp, seq
    return None, None, confirmed


def check(
    session: Session,
    *,
    chain_end: int,
    config: CheckpointConfig,
    witnesses: Iterable[str] = (),
) -> CheckpointFinding:
    """Check the platform's stored checkpoints, then each witness's copy, against the chain
    (already found intact on its own, ``chain_end`` entries long)."""
    from jingjinji.audit import witness as witness_store

    finding = CheckpointFinding()
    public = config.public_keys()
    stored = [to_dict(cp) for cp in session.scalars(select(AuditCheckpoint).order_by("number"))]
    copies = [(f"witness {w.name}'s", w.checkpoints) for w in map(witness_store.fetch, witnesses)]
    wanted = [int(cp["seq"]) for cp in stored] + [int(cp["seq"]) for _, cps in copies for cp in cps]
    hashes = _hashes_at(session, wanted)
    broken, reason, confirmed = _check_sequence(
        stored, public=public, hashes=hashes, chain_end=chain_end, source="the platform's"
    )
    finding.checked = len(stored)
    finding.last_seq = int(stored[-1]["seq"]) if stored else None
    for source, cps in copies:
        finding.witnesses.append(source.removeprefix("witness ").removesuffix("'s"))
        at, why, agreed = _check_sequence(
            sorted(cps, key=lambda c: int(c["number"])),
            public=public,
            hashes=hashes,
            chain_end=chain_end,
            source=source,
        )
        if at is not None and (broken is None or at < broken):
            broken, reason, confirmed = at, why, agreed
        if cps:
            top = max(int(c["seq"]) for c in cps)
            finding.witnessed_seq = max(finding.witnessed_seq or 0, top)
    finding.broken_seq, finding.reason, finding.confirmed_seq = broken, reason, confirmed
    return finding


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0)
