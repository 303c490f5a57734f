"""Checkpoint keys, the process's checkpoint configuration, and a live witness on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import text

from jingjinji.audit import checkpoints, keys
from jingjinji.audit import witness as witnesses
from jingjinji.db import make_engine
from jingjinji.jobs.registry import load_handlers


@pytest.fixture(autouse=True)
def _restore_append_only_triggers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests here play an attacker who disables the append-only triggers and commits. A
    PostgreSQL test database outlives the test (it is only truncated): turn them back on, or a
    later test would run without them."""
    yield
    url = request.node.funcargs.get("db_url")
    if not isinstance(url, str) or not url.startswith("postgresql"):
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change"))
            conn.execute(
                text("ALTER TABLE audit_checkpoints ENABLE TRIGGER audit_checkpoints_no_change")
            )
    finally:
        engine.dispose()


@dataclass
class LiveWitness:
    name: str
    store_dir: Path
    url: str


@pytest.fixture
def audit_key_dir(tmp_path: Path) -> Path:
    key_dir = tmp_path / "audit-keys"
    keys.generate(key_dir)
    return key_dir


@pytest.fixture
def witness(tmp_path: Path, audit_key_dir: Path) -> Iterator[LiveWitness]:
    """Tianjin's witness, trusting every platform public key in ``audit_key_dir``."""
    store_dir = tmp_path / "tianjin"
    store = witnesses.WitnessStore(store_dir)
    trusted = dict(keys.load_public_key_file(p) for p in audit_key_dir.glob("*.pub"))
    server = witnesses.make_server(store, trusted)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveWitness("tianjin", store_dir, f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        store.close()


@pytest.fixture
def checkpoint_config(audit_key_dir: Path) -> Iterator[checkpoints.CheckpointConfig]:
    """Checkpoints every 25 entries signed with ``audit_key_dir``'s key; the process's previous
    configuration comes back afterwards (``record`` reads a process-wide one)."""
    load_handlers()  # the jobs domain's listener queues the pushes of new checkpoints
    previous = checkpoints._config
    config = checkpoints.CheckpointConfig(every=25, minutes=10.0, key_dir=audit_key_dir)
    checkpoints.configure(config)
    try:
        yield config
    finally:
        checkpoints._config = previous


@pytest.fixture
def witnessed_config(
    checkpoint_config: checkpoints.CheckpointConfig, witness: LiveWitness
) -> checkpoints.CheckpointConfig:
    config = replace(checkpoint_config, witnesses=(witness.url,))
    checkpoints.configure(config)
    return config
