"""A witness: a jurisdiction's own copy of the platform's signed checkpoints.

``jjj audit witness --store DIR --trust KEY.pub ...`` serves ``POST /checkpoints`` (the
platform's push: the body signed with a trusted platform key in ``X-JJJ-Key-Id`` and
``X-JJJ-Signature``, the checkpoint inside signed too) and ``GET /checkpoints``. It keeps them in
``DIR/witness.sqlite`` (stdlib ``sqlite3``: a witness needs no platform database) and refuses,
with 409, any checkpoint that contradicts what it holds: another checkpoint with the same number
or entry and a different content, numbers and entries out of order, or a broken link to its
neighbours. What a witness accepted it never changes, so the platform cannot rewrite the past
it has shown.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jingjinji.audit import checkpoints, keys

STORE_FILE = "witness.sqlite"
_FIELDS = ("number", "seq", "entry_hash", "signed_at", "key_id", "prev_checkpoint", "signature")
MAX_BODY = 64 * 1024


class Refused(Exception):
    """The checkpoint contradicts the witness's copy, or is not signed by a trusted key."""

    def __init__(self, reason: str, *, conflict: bool) -> None:
        super().__init__(reason)
        self.conflict = conflict


class WitnessStore:
    """The SQLite file a witness keeps in its directory; safe across threads (one lock)."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.name = directory.resolve().name
        self._db = sqlite3.connect(directory / STORE_FILE, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS checkpoints (number INTEGER PRIMARY KEY, "
            "seq INTEGER NOT NULL UNIQUE, entry_hash TEXT NOT NULL, signed_at TEXT NOT NULL, "
            "key_id TEXT NOT NULL, prev_checkpoint TEXT NOT NULL, signature TEXT NOT NULL, "
            "hash TEXT NOT NULL, received_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def checkpoints(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(_FIELDS)} FROM checkpoints ORDER BY number"
            ).fetchall()
        return [dict(zip(_FIELDS, row, strict=True)) for row in rows]

    def _row(self, where: str, value: int) -> dict[str, Any] | None:
        row = self._db.execute(
            f"SELECT {', '.join(_FIELDS)} FROM checkpoints WHERE {where} = ?", (value,)
        ).fetchone()
        return dict(zip(_FIELDS, row, strict=True)) if row else None

    def accept(self, cp: dict[str, Any], trusted: dict[str, Ed25519PublicKey]) -> bool:
        """Store ``cp``; False when it is already held (a retried push). Raises
        :class:`Refused` for a bad signature or a contradiction."""
        try:
            cp = {name: cp[name] for name in _FIELDS}
            number, seq = int(cp["number"]), int(cp["seq"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Refused(f"not a checkpoint: {exc}", conflict=False) from None
        if not checkpoints.signature_ok(cp, trusted):
            raise Refused(
                f"checkpoint {number} is not signed by a trusted platform key (key {cp['key_id']})",
                conflict=False,
            )
        own = checkpoints.hash_of(cp)
        with self._lock:
            same = self._row("number", number)
            if same is not None:
                if checkpoints.hash_of(same) == own:
                    return False
                raise Refused(
                    f"checkpoint {number} differs from the one this witness holds "
                    f"(entry {same['seq']}, hash {same['entry_hash'][:12]}...)",
                    conflict=True,
                )
            at_seq = self._row("seq", seq)
            if at_seq is not None:
                raise Refused(
                    f"entry {seq} was already checkpointed as number {at_seq['number']} "
                    f"with hash {at_seq['entry_hash'][:12]}...",
                    conflict=True,
                )
            out_of_order = self._db.execute(
                "SELECT number, seq FROM checkpoints WHERE (number < ? AND seq >= ?) "
                "OR (number > ? AND seq <= ?) LIMIT 1",
                (number, seq, number, seq),
            ).fetchone()
            if out_of_order is not None:
                raise Refused(
                    f"checkpoint {number} (entry {seq}) is out of order with checkpoint "
                    f"{out_of_order[0]} (entry {out_of_order[1]}) this witness holds",
                    conflict=True,
                )
            before = self._row("number", number - 1)
            if before is not None and cp["prev_checkpoint"] != checkpoints.hash_of(before):
                raise Refused(
                    f"checkpoint {number} does not follow checkpoint {number - 1} this "
                    "witness holds: the platform's history forked",
                    conflict=True,
                )
            after = self._row("number", number + 1)
            if after is not None and after["prev_checkpoint"] != own:
                raise Refused(
                    f"checkpoint {number + 1} this witness holds does not follow checkpoint "
                    f"{number}: the platform's history forked",
                    conflict=True,
                )
            self._db.execute(
                f"INSERT INTO checkpoints ({', '.join(_FIELDS)}, hash) "
                f"VALUES ({', '.join('?' for _ in _FIELDS)}, ?)",
                (*(cp[name] for name in _FIELDS), own),
            )
            self._db.commit()
        return True


@dataclass(frozen=True)
class WitnessCopy:
    name: str
    checkpoints: list[dict[str, Any]]


def fetch(source: str) -> WitnessCopy:
    """A witness's checkpoints from its URL (``GET /checkpoints``) or its store directory."""
    if source.startswith(("http://", "https://")):
        url = source.rstrip("/") + "/checkpoints"
        with urllib.request.urlopen(url, timeout=30) as response:
            data = json.loads(response.read())
        return WitnessCopy(str(data["witness"]), list(data["checkpoints"]))
    directory = Path(source)
    if not (directory / STORE_FILE).exists():
        raise FileNotFoundError(f"{directory}: no witness store ({STORE_FILE}) there")
    store = WitnessStore(directory)
    try:
        return WitnessCopy(store.name, store.checkpoints())
    finally:
        store.close()


def make_server(
    store: WitnessStore,
    trusted: dict[str, Ed25519PublicKey],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
) -> ThreadingHTTPServer:
    """The witness's HTTP server (``serve_forever`` it; port 0 picks a free one)."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/") != "/checkpoints":
                self._send(404, {"detail": f"no {self.path}; GET /checkpoints"})
                return
            self._send(200, {"witness": store.name, "checkpoints": store.checkpoints()})

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/checkpoints":
                self._send(404, {"detail": f"no {self.path}; POST /checkpoints"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self._send(400, {"detail": "Content-Length is not a number"})
                return
            if not 0 < length <= MAX_BODY:
                self._send(413, {"detail": f"a checkpoint is 1 to {MAX_BODY} bytes"})
                return
            raw = self.rfile.read(length)
            key = trusted.get(self.headers.get(checkpoints.KEY_ID_HEADER) or "")
            signature = self.headers.get(checkpoints.SIGNATURE_HEADER) or ""
            if key is None or not keys.verify_signature(key, raw, signature):
                self._send(401, {"detail": "the request is not signed by a trusted platform key"})
                return
            try:
                added = store.accept(json.loads(raw), trusted)
            except Refused as exc:
                self._send(409 if exc.conflict else 422, {"detail": str(exc)})
                return
            except ValueError as exc:
                self._send(422, {"detail": f"not JSON: {exc}"})
                return
            self._send(201 if added else 200, {"stored": added})

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)
