"""The audit chain detects edits, deletions, reordering and a cut-off tail."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from jingjinji.audit import service as audit
from jingjinji.cli import app as cli_app
from jingjinji.security import SYSTEM_ACTOR


def _write_entries(session_factory: sessionmaker[Session], n: int) -> None:
    with session_factory() as session:
        for i in range(n):
            audit.record(
                session,
                actor=SYSTEM_ACTOR,
                action="test.write",
                object_type="thing",
                object_id=i,
                jurisdiction_code="110000",
                detail={"i": i, "名": "值"},
            )
        session.commit()


def _drop_guards(session: Session, backend: str) -> None:
    """What an attacker with database-owner rights would do first."""
    if backend == "postgresql":
        session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"))
    else:
        session.execute(text("DROP TRIGGER audit_entries_no_update"))
        session.execute(text("DROP TRIGGER audit_entries_no_delete"))


def test_intact_chain_verifies(session_factory: sessionmaker[Session]) -> None:
    _write_entries(session_factory, 5)
    with session_factory() as session:
        report = audit.verify(session)
    assert report.ok and report.entries_checked == 5


def test_empty_chain_verifies(session: Session) -> None:
    assert audit.verify(session).ok


def test_database_refuses_update_and_delete(session_factory: sessionmaker[Session]) -> None:
    _write_entries(session_factory, 2)
    with session_factory() as session:
        with pytest.raises(DBAPIError):
            session.execute(text("UPDATE audit_entries SET action = 'x' WHERE seq = 1"))
        session.rollback()
        with pytest.raises(DBAPIError):
            session.execute(text("DELETE FROM audit_entries WHERE seq = 1"))


@pytest.mark.parametrize(
    ("tamper", "broken_seq", "words"),
    [
        ("UPDATE audit_entries SET detail_json = '[99]' WHERE seq = 3", 3, "edited"),
        ("UPDATE audit_entries SET actor_username = 'mallory' WHERE seq = 2", 2, "edited"),
        ("DELETE FROM audit_entries WHERE seq = 3", 3, "missing"),
        ("DELETE FROM audit_entries WHERE seq = 5", 5, "cut off"),
    ],
)
def test_tampering_is_detected(
    session_factory: sessionmaker[Session],
    backend: str,
    tamper: str,
    broken_seq: int,
    words: str,
) -> None:
    _write_entries(session_factory, 5)
    with session_factory() as session:
        _drop_guards(session, backend)
        session.execute(text(tamper))
        session.commit()
    with session_factory() as session:
        report = audit.verify(session)
    assert not report.ok
    assert report.first_broken_seq == broken_seq
    assert words in (report.reason or "")


def test_reordering_is_detected(session_factory: sessionmaker[Session], backend: str) -> None:
    _write_entries(session_factory, 4)
    with session_factory() as session:
        _drop_guards(session, backend)
        # Swap the contents of entries 2 and 3 (keeping each one's own hash).
        session.execute(text("UPDATE audit_entries SET seq = 1000 WHERE seq = 2"))
        session.execute(text("UPDATE audit_entries SET seq = 2 WHERE seq = 3"))
        session.execute(text("UPDATE audit_entries SET seq = 3 WHERE seq = 1000"))
        session.commit()
    with session_factory() as session:
        report = audit.verify(session)
    assert not report.ok and report.first_broken_seq == 2


def test_cli_verify_and_export(
    session_factory: sessionmaker[Session],
    db_url: str,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: object,
) -> None:
    from jingjinji.config import get_settings

    _write_entries(session_factory, 3)
    monkeypatch.setenv("JJJ_DATABASE_URL", db_url)
    monkeypatch.setenv("JJJ_SECRET_KEY", "x")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        ok = runner.invoke(cli_app, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "3 entries verified" in ok.output
        exported = runner.invoke(cli_app, ["audit", "export"])
        assert exported.exit_code == 0
        lines = [json.loads(x) for x in exported.stdout.splitlines() if x.startswith("{")]
        assert [e["seq"] for e in lines] == [1, 2, 3]
        assert lines[0]["detail"]["名"] == "值"
        assert lines[1]["prev_hash"] == lines[0]["entry_hash"]

        with session_factory() as session:
            _drop_guards(session, backend)
            session.execute(text("UPDATE audit_entries SET action = 'forged' WHERE seq = 2"))
            session.commit()
        broken = runner.invoke(cli_app, ["audit", "verify"])
        assert broken.exit_code == 1
        assert "entry 2" in broken.output
    finally:
        get_settings.cache_clear()


def _forge(session: Session, seq: int, *, action: str) -> None:
    """Write entry ``seq`` as an attacker would: a well-formed entry with a recomputed hash."""
    import datetime as dt

    from jingjinji.audit.models import AuditEntry

    prev = session.get(AuditEntry, seq - 1)
    assert prev is not None
    entry = AuditEntry(
        seq=seq,
        occurred_at=dt.datetime.now(dt.UTC),
        actor_username="mallory",
        actor_role=None,
        actor_jurisdiction=None,
        channel="cli",
        action=action,
        outcome="ok",
        object_type="thing",
        object_id=None,
        jurisdiction_code=None,
        detail_json="{}",
        prev_hash=prev.entry_hash,
    )
    entry.entry_hash = audit.compute_hash(entry)
    session.add(entry)
    session.flush()


def test_replaced_last_entry_is_named(session_factory: sessionmaker[Session], backend: str) -> None:
    """Replacing the newest entry by a well-formed one breaks the head's hash: the report
    names that entry, not one after the end."""
    _write_entries(session_factory, 3)
    with session_factory() as session:
        _drop_guards(session, backend)
        session.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
        _forge(session, 3, action="forged")
        session.commit()
    with session_factory() as session:
        report = audit.verify(session)
    assert not report.ok
    assert report.first_broken_seq == 3
    assert "cut off" not in (report.reason or "")


def test_entries_appended_past_the_head_are_named(session_factory: sessionmaker[Session]) -> None:
    """Entries inserted behind the platform's back (the head not moved) are named from the first
    one the head does not cover."""
    _write_entries(session_factory, 3)
    with session_factory() as session:
        _forge(session, 4, action="forged")
        _forge(session, 5, action="forged")
        session.commit()
    with session_factory() as session:
        report = audit.verify(session)
    assert not report.ok
    assert report.first_broken_seq == 4
    assert "cut off" not in (report.reason or "")


def test_missing_head_is_detected(session_factory: sessionmaker[Session]) -> None:
    _write_entries(session_factory, 3)
    with session_factory() as session:
        session.execute(text("DELETE FROM audit_head"))
        session.commit()
    with session_factory() as session:
        report = audit.verify(session)
    assert not report.ok
