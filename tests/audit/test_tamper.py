"""The tamper suite: an operator with database-owner rights rewrites the audit trail.

A chain of 310 entries is built through the services with a checkpoint signed every 25 entries
and pushed through the jobs queue to a live witness on loopback (Tianjin's). Then, for each
attack and each position, the attacker drops the append-only triggers and rewrites the tables
with raw SQL, recomputing every hash after the change and the head, as a database owner can;
``verify`` against the witness's store must detect every attack on an entry at or before the
last witnessed checkpoint (entry 300). Each attack runs inside a transaction that is rolled back,
so all attacks start from the same chain. The entries after entry 300 are the window: the test
shows they are exactly the ones a full rewrite gets past the witness, and that the timer's
checkpoint closes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

import pytest
from sqlalchemy import Table, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from jingjinji.audit import checkpoints, keys
from jingjinji.audit import service as audit
from jingjinji.audit.models import AuditCheckpoint, AuditEntry
from jingjinji.audit.schemas import ChainReport
from jingjinji.jobs import service as jobs
from jingjinji.security import SYSTEM_ACTOR
from tests.audit.conftest import LiveWitness

EVERY = 25
ENTRIES = 310
LAST_WITNESSED = 300  # the last multiple of EVERY
POSITIONS = [1, 2, 13, 24, 25, 26, 49, 50, 99, 100, 101, 150, 199, 237, 250, 275, 298, 299, 300]
_entries = cast(Table, AuditEntry.__table__)
_checkpoints = cast(Table, AuditCheckpoint.__table__)

Row = dict[str, Any]


def _build_chain(session_factory: sessionmaker[Session], count: int, start: int = 0) -> None:
    with session_factory() as session:
        for i in range(start, start + count):
            audit.record(
                session,
                actor=SYSTEM_ACTOR,
                action="dataset.update",
                object_type="dataset",
                object_id=i,
                jurisdiction_code=("110000", "120000", "130000")[i % 3],
                detail={"i": i, "field": "sharing_class", "to": "open"},
            )
            if i % 10 == 9:
                session.commit()
        session.commit()


def _push(session_factory: sessionmaker[Session]) -> None:
    while jobs.run_pending(session_factory):
        pass


def _drop_guards(session: Session, backend: str) -> None:
    """What an attacker with owner rights does first (undone by the trial's rollback)."""
    if backend == "postgresql":
        session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"))
        session.execute(
            text("ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_change")
        )
        return
    # pysqlite opens its transaction before DML only: a write first, so that the DROPs below
    # are part of the transaction the trial rolls back.
    session.execute(text("UPDATE audit_head SET last_seq = last_seq"))
    for trigger in (
        "audit_entries_no_update",
        "audit_entries_no_delete",
        "audit_checkpoints_no_update",
        "audit_checkpoints_no_delete",
    ):
        session.execute(text(f"DROP TRIGGER {trigger}"))


def _rows(session: Session) -> list[Row]:
    return [dict(r) for r in session.execute(select(_entries).order_by(_entries.c.seq)).mappings()]


def _rechain(rows: list[Row]) -> list[Row]:
    """Renumber 1..n and recompute every link and hash, as the platform would have."""
    prev = audit.GENESIS_HASH
    out = []
    for seq, row in enumerate(rows, start=1):
        fields = {k: v for k, v in row.items() if k != "entry_hash"} | {
            "seq": seq,
            "prev_hash": prev,
        }
        entry = AuditEntry(**fields)
        fields["entry_hash"] = prev = audit.compute_hash(entry)
        out.append(fields)
    return out


def _write_chain(session: Session, rows: list[Row]) -> None:
    """Replace the whole table and the head with ``rows`` (raw SQL, triggers off)."""
    session.execute(text("DELETE FROM audit_entries"))
    if rows:
        session.execute(insert(_entries), rows)
    last = rows[-1] if rows else {"seq": 0, "entry_hash": audit.GENESIS_HASH}
    session.execute(
        text("UPDATE audit_head SET last_seq = :s, last_hash = :h WHERE id = 1"),
        {"s": last["seq"], "h": last["entry_hash"]},
    )


def _forged(row: Row) -> Row:
    return row | {
        "actor_username": "mallory",
        "action": "dataset.delete",
        "detail_json": json.dumps({"forged": True}),
    }


# Each attack: the chain's rows -> the rows the attacker writes, tampering at position k.
def _edit(rows: list[Row], k: int) -> list[Row]:
    return [*rows[: k - 1], rows[k - 1] | {"detail_json": '{"i":-1}'}, *rows[k:]]


def _delete_renumber(rows: list[Row], k: int) -> list[Row]:
    return rows[: k - 1] + rows[k + 1 :]


def _reorder(rows: list[Row], k: int) -> list[Row]:
    j = k if k < len(rows) else k - 2  # swap with the next entry (the previous one at the end)
    swapped = list(rows)
    swapped[k - 1], swapped[j] = rows[j], rows[k - 1]
    return swapped


def _truncate(rows: list[Row], k: int) -> list[Row]:
    return rows[: k - 1]


def _forge(rows: list[Row], k: int) -> list[Row]:
    return [*rows[: k - 1], _forged(rows[k - 1]), *rows[k:]]


def _insert_forged(rows: list[Row], k: int) -> list[Row]:
    return [*rows[: k - 1], _forged(rows[k - 1]), *rows[k - 1 :]]


def _resign(session: Session, rows: list[Row], signer: keys.Signer | None) -> None:
    """Rewrite the platform's checkpoint table to match the forged chain, re-signed (with no
    signer: just empty it)."""
    hashes = {r["seq"]: r["entry_hash"] for r in rows}
    stored = list(session.execute(select(_checkpoints).order_by(_checkpoints.c.number)).mappings())
    session.execute(text("DELETE FROM audit_checkpoint_deliveries"))
    session.execute(text("DELETE FROM audit_checkpoints"))
    prev = checkpoints.GENESIS
    if signer is None:
        return
    for number, old in enumerate((c for c in stored if c["seq"] in hashes), start=1):
        cp = {
            "number": number,
            "seq": old["seq"],
            "entry_hash": hashes[old["seq"]],
            "signed_at": old["signed_at"],
            "key_id": signer.key_id,
            "prev_checkpoint": prev,
        }
        wire = cp | {"signed_at": checkpoints._timestamp(old["signed_at"]), "signature": ""}
        cp["signature"] = signer.sign(checkpoints.body_of(wire))
        prev = checkpoints.hash_of(wire)
        session.execute(insert(_checkpoints), [cp])


Attack = Callable[[list[Row], int], list[Row]]
ATTACKS: dict[str, tuple[Attack, str | None]] = {
    # name: (rewrite of the entries, whose key re-signs the checkpoint table: None = untouched,
    # "none" = the table is emptied)
    "edit + rechain + head": (_edit, None),
    "delete 2 + renumber": (_delete_renumber, None),
    "reorder": (_reorder, None),
    "truncate end + head": (_truncate, None),
    "forge + rechain + head": (_forge, None),
    "insert forged entry": (_insert_forged, None),
    "edit + checkpoints re-signed, attacker key": (_edit, "attacker"),
    "edit + checkpoints re-signed, stolen key file": (_edit, "real"),
    "truncate + checkpoints re-signed, stolen key file": (_truncate, "real"),
    "edit + checkpoint table emptied": (_edit, "none"),
}


def _trial(
    session: Session,
    backend: str,
    attack: Attack,
    resign_with: keys.Signer | str | None,
    k: int,
    witness: LiveWitness,
) -> tuple[ChainReport, ChainReport, ChainReport]:
    """Tamper at ``k``; verify the hash chain alone (the check before checkpoints existed), the
    chain with the platform's checkpoints, and with the witness; roll everything back."""
    try:
        _drop_guards(session, backend)
        rows = _rechain(attack(_rows(session), k))
        _write_chain(session, rows)
        if resign_with is not None:
            _resign(session, rows, resign_with if isinstance(resign_with, keys.Signer) else None)
        session.expire_all()
        return (
            audit._verify_chain(session, batch_size=5000),
            audit.verify(session),
            audit.verify(session, witnesses=[str(witness.store_dir)]),
        )
    finally:
        session.rollback()


@pytest.fixture
def witnessed_chain(
    session_factory: sessionmaker[Session],
    witnessed_config: checkpoints.CheckpointConfig,
    witness: LiveWitness,
) -> checkpoints.CheckpointConfig:
    _build_chain(session_factory, ENTRIES)
    _push(session_factory)
    with session_factory() as session:
        report = audit.verify(session, witnesses=[witness.url])
    assert report.ok, report
    assert report.checkpoints_checked == ENTRIES // EVERY
    assert report.witnessed_seq == LAST_WITNESSED
    return witnessed_config


def test_witness_detects_every_rewrite_up_to_its_last_checkpoint(
    session_factory: sessionmaker[Session],
    backend: str,
    witnessed_chain: checkpoints.CheckpointConfig,
    witness: LiveWitness,
) -> None:
    real = witnessed_chain.signer()
    assert real is not None
    signers: dict[str, keys.Signer | str] = {
        "real": real,
        "attacker": keys.signer_from_hex("11" * 32),
        "none": "empty the table",
    }
    detected: dict[str, int] = {}
    local: dict[str, int] = {}
    chain_only = 0
    missed: list[str] = []
    with session_factory() as session:
        for name, (attack, resign) in ATTACKS.items():
            detected[name] = local[name] = 0
            for k in POSITIONS:
                chain, alone, with_witness = _trial(
                    session, backend, attack, signers[resign] if resign else None, k, witness
                )
                local[name] += not alone.ok
                chain_only += not chain.ok
                if with_witness.ok:
                    missed.append(f"{name} at entry {k}")
                    continue
                detected[name] += 1
                # The report names an entry at or before the change's checkpoint, never later.
                assert with_witness.first_broken_seq is not None
                assert with_witness.first_broken_seq <= -(-k // EVERY) * EVERY, with_witness
        # The rollbacks restored the guards as well.
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("UPDATE audit_entries SET action = 'x' WHERE seq = 1"))
        session.rollback()
    trials = len(POSITIONS)
    print(f"\ntamper suite on {backend}: {ENTRIES} entries, checkpoint every {EVERY}, ")
    print(f"positions {POSITIONS[0]}..{POSITIONS[-1]} (last witnessed entry {LAST_WITNESSED})")
    for name in ATTACKS:
        print(
            f"  {name:<50} witness {detected[name]}/{trials} "
            f"({100 * detected[name] / trials:.0f} %), platform alone {local[name]}/{trials}"
        )
    total = trials * len(ATTACKS)
    overall = sum(detected.values())
    print(f"  overall with the witness: {overall}/{total} ({100 * overall / total:.1f} %)")
    print(f"  platform alone (no witness): {sum(local.values())}/{total}")
    print(f"  hash chain alone (the check before checkpoints): {chain_only}/{total}")
    assert not missed, "undetected: " + ", ".join(missed)
    # Without the witness, a re-signing with the stolen key file passes: that is why witnesses.
    assert local["edit + checkpoints re-signed, stolen key file"] == 0
    # Nor does emptying the platform's checkpoint table (owner rights suffice): the witness does.
    assert local["edit + checkpoint table emptied"] == 0
    assert local["edit + rechain + head"] == trials
    # Every attack recomputes the chain and its head: the hash chain alone sees none of them.
    assert chain_only == 0


def test_the_window_is_exactly_the_entries_after_the_last_witnessed_checkpoint(
    session_factory: sessionmaker[Session],
    backend: str,
    witnessed_chain: checkpoints.CheckpointConfig,
    witness: LiveWitness,
) -> None:
    real = witnessed_chain.signer()
    assert real is not None
    undetected = []
    with session_factory() as session:
        for k in range(LAST_WITNESSED - 5, ENTRIES + 1):
            _, _, report = _trial(session, backend, _edit, real, k, witness)
            if report.ok:
                undetected.append(k)
    # With the key file, every entry after entry 300 (fewer than EVERY of them) can be
    # rewritten unseen; not one entry before.
    assert undetected == list(range(LAST_WITNESSED + 1, ENTRIES + 1))
    assert len(undetected) < EVERY
    # Appending a forged entry after the last checkpoint needs no key at all: in the window.
    with session_factory() as session:
        _, alone, with_witness = _trial(
            session, backend, lambda rows, k: [*rows, _forged(rows[-1])], None, ENTRIES, witness
        )
    assert alone.ok and with_witness.ok and with_witness.entries_checked == ENTRIES + 1
    print(f"\nwindow on {backend}: entries {undetected[0]}..{undetected[-1]} ({len(undetected)})")

    # Before M minutes have passed the timer's job signs nothing; once they have, it signs the
    # head and pushes it: the window closes.
    with session_factory() as session:
        jobs.enqueue(session, kind="audit.checkpoint")
        session.commit()
    _push(session_factory)
    with session_factory() as session:
        assert audit.verify(session, witnesses=[witness.url]).witnessed_seq == LAST_WITNESSED
    checkpoints.configure(replace(witnessed_chain, minutes=0))
    with session_factory() as session:
        jobs.enqueue(session, kind="audit.checkpoint")
        session.commit()
    _push(session_factory)
    with session_factory() as session:
        assert audit.verify(session, witnesses=[witness.url]).witnessed_seq == ENTRIES
        _, _, report = _trial(session, backend, _edit, real, ENTRIES, witness)
    assert not report.ok and report.first_broken_seq == ENTRIES, report
