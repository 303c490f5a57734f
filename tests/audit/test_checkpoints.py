"""Signed checkpoints, keys and their rotation, witnesses, pushes through the jobs queue, CLI."""

from __future__ import annotations

import http.client
import json
import os
import re
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.audit import checkpoints, keys
from jingjinji.audit import service as audit
from jingjinji.audit import witness as witnesses
from jingjinji.audit.models import AuditCheckpoint, AuditCheckpointDelivery
from jingjinji.cli import app as cli_app
from jingjinji.db import utcnow
from jingjinji.jobs import service as jobs
from jingjinji.jobs.models import Job
from jingjinji.security import SYSTEM_ACTOR
from tests.audit.conftest import LiveWitness


def _write(session_factory: sessionmaker[Session], n: int) -> None:
    with session_factory() as session:
        for i in range(n):
            audit.record(
                session, actor=SYSTEM_ACTOR, action="t.write", object_type="t", object_id=i
            )
        session.commit()


def _stored(session_factory: sessionmaker[Session]) -> list[dict[str, object]]:
    with session_factory() as session:
        return [
            checkpoints.to_dict(cp)
            for cp in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.number))
        ]


def test_every_nth_entry_is_signed_and_linked(
    session_factory: sessionmaker[Session],
    checkpoint_config: checkpoints.CheckpointConfig,
    audit_key_dir: Path,
) -> None:
    _write(session_factory, 60)
    stored = _stored(session_factory)
    assert [cp["seq"] for cp in stored] == [25, 50]
    public = keys.public_keys(audit_key_dir)
    assert all(checkpoints.signature_ok(cp, public) for cp in stored)
    assert stored[0]["prev_checkpoint"] == checkpoints.GENESIS
    assert stored[1]["prev_checkpoint"] == checkpoints.hash_of(stored[0])
    with session_factory() as session:
        report = audit.verify(session)
    assert report.ok and report.checkpoints_checked == 2 and report.last_checkpoint_seq == 50


def test_without_a_key_no_checkpoint_is_made(
    session_factory: sessionmaker[Session],
    checkpoint_config: checkpoints.CheckpointConfig,
    tmp_path: Path,
) -> None:
    checkpoints.configure(replace(checkpoint_config, key_dir=tmp_path / "empty"))
    _write(session_factory, 30)
    assert _stored(session_factory) == []
    with session_factory() as session:
        assert audit.verify(session).ok


def test_checkpoints_are_append_only(
    session_factory: sessionmaker[Session], checkpoint_config: checkpoints.CheckpointConfig
) -> None:
    _write(session_factory, 25)
    with session_factory() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("UPDATE audit_checkpoints SET entry_hash = 'x'"))
        session.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("DELETE FROM audit_checkpoints"))


def test_a_checkpoint_signed_by_an_unknown_key_breaks_verify(
    session_factory: sessionmaker[Session],
    checkpoint_config: checkpoints.CheckpointConfig,
) -> None:
    # An attacker who can insert (the app role can) adds a checkpoint of their own head.
    _write(session_factory, 30)
    with session_factory() as session:
        number = audit.checkpoint(
            session, config=replace(checkpoint_config, signing_key_hex="22" * 32)
        )
        session.commit()
    assert number == 2
    with session_factory() as session:
        report = audit.verify(session)
    assert not report.ok and report.first_broken_seq == 30
    assert "checkpoint 2 (entry 30) is not signed by a platform key" in (report.reason or "")


def test_key_rotation_keeps_old_checkpoints_verifiable(
    session_factory: sessionmaker[Session],
    checkpoint_config: checkpoints.CheckpointConfig,
    audit_key_dir: Path,
) -> None:
    first = keys.current_key_id(audit_key_dir)
    assert first is not None
    _write(session_factory, 25)
    second = keys.rotate(audit_key_dir)
    _write(session_factory, 25)
    assert [cp["key_id"] for cp in _stored(session_factory)] == [first, second]
    listed = {k.key_id: k for k in keys.list_keys(audit_key_dir)}
    # Only the newest signs; the old private key is gone, its public key stays.
    assert listed[second].current and listed[second].can_sign
    assert not listed[first].can_sign and not (audit_key_dir / f"{first}.key").exists()
    mode = stat.S_IMODE((audit_key_dir / f"{second}.key").stat().st_mode)
    assert mode == 0o600
    with session_factory() as session:
        assert audit.verify(session).checkpoints_checked == 2
    # Losing the old public key makes its checkpoints unverifiable.
    (audit_key_dir / f"{first}.pub").unlink()
    with session_factory() as session:
        report = audit.verify(session)
    assert not report.ok and f"key {first} unknown" in (report.reason or "")


def test_pushes_reach_the_witness_through_the_jobs_queue(
    session_factory: sessionmaker[Session],
    witnessed_config: checkpoints.CheckpointConfig,
    witness: LiveWitness,
) -> None:
    _write(session_factory, 55)
    with session_factory() as session:
        kinds = session.scalars(select(Job.kind)).all()
    assert kinds == ["audit.deliver_checkpoint"] * 2  # queued with the checkpoints
    jobs.run_pending(session_factory)
    with urllib.request.urlopen(witness.url + "/checkpoints") as response:
        held = json.loads(response.read())
    assert held["witness"] == "tianjin"
    assert held["checkpoints"] == _stored(session_factory)
    with session_factory() as session:
        rows = session.scalars(select(AuditCheckpointDelivery)).all()
        assert {(d.status, d.attempts) for d in rows} == {("delivered", 1)}
        report = audit.verify(session, witnesses=[witness.url, str(witness.store_dir)])
    assert report.ok and report.witnesses == ["tianjin", "tianjin"]
    assert report.witnessed_seq == 50


def test_an_unreachable_witness_is_retried_with_backoff(
    session_factory: sessionmaker[Session],
    checkpoint_config: checkpoints.CheckpointConfig,
    tmp_path: Path,
) -> None:
    # A port nothing listens on (a server bound and closed).
    unused = witnesses.WitnessStore(tmp_path / "unused")
    probe = witnesses.make_server(unused, {})
    url = f"http://127.0.0.1:{probe.server_address[1]}"
    probe.server_close()
    unused.close()
    checkpoints.configure(replace(checkpoint_config, witnesses=(url,)))
    _write(session_factory, 25)
    jobs.run_pending(session_factory)
    with session_factory() as session:
        delivery = session.scalars(select(AuditCheckpointDelivery)).one()
        job = session.scalars(select(Job).where(Job.kind == "audit.deliver_checkpoint")).one()
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert "witness unreachable" in (delivery.last_error or "")
        assert job.status == "queued" and job.run_after > utcnow()
        assert "checkpoint 1 to " + url in (job.last_error or "")


def test_the_witness_refuses_contradictions_and_strangers(
    session_factory: sessionmaker[Session],
    witnessed_config: checkpoints.CheckpointConfig,
    witness: LiveWitness,
    audit_key_dir: Path,
) -> None:
    _write(session_factory, 25)
    jobs.run_pending(session_factory)
    signer = witnessed_config.signer()
    assert signer is not None
    trusted = keys.public_keys(audit_key_dir)
    genuine = _stored(session_factory)[0]
    store = witnesses.WitnessStore(witness.store_dir)
    try:
        assert store.accept(genuine, trusted) is False  # a retried push is harmless
        forked = genuine | {"entry_hash": "f" * 64}
        forked["signature"] = signer.sign(checkpoints.body_of(forked))
        with pytest.raises(witnesses.Refused, match="checkpoint 1 differs") as refused:
            store.accept(forked, trusted)
        assert refused.value.conflict
        same_entry = forked | {"number": 2, "prev_checkpoint": checkpoints.hash_of(genuine)}
        same_entry["signature"] = signer.sign(checkpoints.body_of(same_entry))
        with pytest.raises(witnesses.Refused, match="entry 25 was already checkpointed"):
            store.accept(same_entry, trusted)
        earlier = same_entry | {"seq": 20}
        earlier["signature"] = signer.sign(checkpoints.body_of(earlier))
        with pytest.raises(witnesses.Refused, match="out of order"):
            store.accept(earlier, trusted)
        stranger = keys.signer_from_hex("33" * 32)
        foreign = genuine | {"key_id": stranger.key_id, "number": 2, "seq": 30}
        foreign["signature"] = stranger.sign(checkpoints.body_of(foreign))
        with pytest.raises(witnesses.Refused, match="not signed by a trusted platform key"):
            store.accept(foreign, trusted)
    finally:
        store.close()

    # Over HTTP: an unsigned request is 401, a contradiction 409.
    body = json.dumps(forked).encode()
    unsigned = urllib.request.Request(witness.url + "/checkpoints", data=body, method="POST")
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(unsigned)
    assert answer.value.code == 401
    signed = urllib.request.Request(
        witness.url + "/checkpoints",
        data=body,
        method="POST",
        headers={
            checkpoints.KEY_ID_HEADER: signer.key_id,
            checkpoints.SIGNATURE_HEADER: signer.sign(body),
        },
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(signed)
    assert answer.value.code == 409
    assert "checkpoint 1 differs" in answer.value.read().decode()
    assert [cp["entry_hash"] for cp in witnesses.fetch(witness.url).checkpoints] == [
        genuine["entry_hash"]
    ]


def test_cli_keys_checkpoint_and_verify_against_a_witness(
    session_factory: sessionmaker[Session],
    witnessed_config: checkpoints.CheckpointConfig,
    witness: LiveWitness,
    db_url: str,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from jingjinji.config import get_settings

    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_SECRET_KEY", "x")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        other = tmp_path / "other-keys"
        made = runner.invoke(cli_app, ["audit", "keys", "generate", "--key-dir", str(other)])
        assert made.exit_code == 0, made.output
        rotated = runner.invoke(cli_app, ["audit", "keys", "rotate", "--key-dir", str(other)])
        assert rotated.exit_code == 0, rotated.output
        listed = runner.invoke(cli_app, ["audit", "keys", "list", "--key-dir", str(other)])
        assert listed.output.count("signing") == 1 and listed.output.count("verify") == 1

        _write(session_factory, 30)
        made = runner.invoke(cli_app, ["audit", "checkpoint"])
        assert made.exit_code == 0 and "checkpoint 2 signed" in made.output, made.output
        jobs.run_pending(session_factory)
        ok = runner.invoke(cli_app, ["audit", "verify", "--witness", witness.url])
        assert ok.exit_code == 0, ok.output
        assert "2 signed checkpoints" in ok.output and "confirm entries up to 30" in ok.output

        # The operator holds the key file: rewrite entry 7 and re-sign every checkpoint.
        signer = witnessed_config.signer()
        assert signer is not None
        from tests.audit.test_tamper import (
            _drop_guards,
            _edit,
            _rechain,
            _resign,
            _rows,
            _write_chain,
        )

        with session_factory() as session:
            _drop_guards(session, backend)
            rows = _rechain(_edit(_rows(session), 7))
            _write_chain(session, rows)
            _resign(session, rows, signer)
            session.commit()
        alone = runner.invoke(cli_app, ["audit", "verify"])
        assert alone.exit_code == 0, alone.output  # why witnesses exist
        broken = runner.invoke(cli_app, ["audit", "verify", "--witness", str(witness.store_dir)])
        assert broken.exit_code == 1
        said = " ".join(broken.output.split())  # rich wraps lines
        assert "entry 25 disagrees with witness tianjin's checkpoint 1: one of entries 1 to" in said
        assert "(0 entries verified intact)" in said
    finally:
        get_settings.cache_clear()


def test_jjj_audit_witness_process_receives_the_platforms_pushes(
    session_factory: sessionmaker[Session],
    checkpoint_config: checkpoints.CheckpointConfig,
    audit_key_dir: Path,
    tmp_path: Path,
) -> None:
    """The real command in its own process, as a jurisdiction runs it."""
    store = tmp_path / "hebei"
    command = [
        str(Path(sys.executable).parent / "jjj"),
        "audit",
        "witness",
        "--store",
        str(store),
        "--port",
        "0",
        *(arg for pub in audit_key_dir.glob("*.pub") for arg in ("--trust", str(pub))),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"COLUMNS": "300", "JJJ_SECRET_KEY": "x"},
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", banner)
        assert found, banner
        checkpoints.configure(replace(checkpoint_config, witnesses=(found.group(0),)))
        _write(session_factory, 50)
        jobs.run_pending(session_factory)
        with session_factory() as session:
            statuses = session.scalars(select(AuditCheckpointDelivery.status)).all()
            report = audit.verify(session, witnesses=[found.group(0)])
        assert statuses == ["delivered", "delivered"]
        assert report.ok and report.witnesses == ["hebei"] and report.witnessed_seq == 50
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()
    assert [cp["seq"] for cp in witnesses.fetch(str(store)).checkpoints] == [25, 50]


def test_a_rewritten_history_pushed_with_the_stolen_key_is_refused_and_not_retried(
    session_factory: sessionmaker[Session],
    witnessed_config: checkpoints.CheckpointConfig,
    witness: LiveWitness,
    backend: str,
) -> None:
    from tests.audit.test_tamper import _drop_guards, _edit, _rechain, _resign, _rows, _write_chain

    _write(session_factory, 25)
    jobs.run_pending(session_factory)
    signer = witnessed_config.signer()
    assert signer is not None
    with session_factory() as session:
        _drop_guards(session, backend)
        rows = _rechain(_edit(_rows(session), 3))
        _write_chain(session, rows)
        _resign(session, rows, signer)  # also clears the deliveries
        session.add(
            AuditCheckpointDelivery(
                checkpoint_number=1, witness_url=witness.url, status="pending", attempts=0
            )
        )
        session.commit()
        delivery_id = session.scalars(select(AuditCheckpointDelivery.id)).one()
    with session_factory() as session:
        assert audit.deliver_checkpoint(session, delivery_id=delivery_id) == "refused"
    with session_factory() as session:
        delivery = session.get(AuditCheckpointDelivery, delivery_id)
        assert delivery is not None and delivery.attempts == 1
        assert "409" in (delivery.last_error or "") and "checkpoint 1 differs" in (
            delivery.last_error or ""
        )
        assert audit.undelivered_checkpoints(session) == []  # the tick will not queue it again


def test_the_witness_refuses_bodies_it_cannot_hold(witness: LiveWitness) -> None:
    port = int(witness.url.rsplit(":", 1)[1])
    for headers, status in (
        ({"Content-Length": "nonsense"}, 400),
        ({"Content-Length": "0"}, 413),
        ({"Content-Length": str(witnesses.MAX_BODY + 1)}, 413),
    ):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.putrequest("POST", "/checkpoints")
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            assert conn.getresponse().status == status, headers
        finally:
            conn.close()
    assert witnesses.fetch(witness.url).checkpoints == []


def test_a_broken_key_does_not_stop_the_writes(
    session_factory: sessionmaker[Session],
    checkpoint_config: checkpoints.CheckpointConfig,
    audit_key_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for private in audit_key_dir.glob("*.key"):
        private.unlink()  # the current key names a private key file that is gone
    _write(session_factory, 30)
    assert _stored(session_factory) == []
    assert "audit checkpoint of entry 25 not signed" in caplog.text
    assert "has no private key file" in caplog.text
    with (
        session_factory() as session,
        pytest.raises(keys.AuditKeyError, match="has no private key file"),
    ):
        audit.checkpoint(session)
