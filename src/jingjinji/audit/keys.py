"""The platform's Ed25519 checkpoint keys, kept outside the database.

A key directory (``JJJ_AUDIT_KEY_DIR``, default ``var/audit-keys``) holds, per key,
``<key_id>.pub`` (hex raw public key) and, for the key that signs, ``<key_id>.key`` (hex raw
private key, mode 0600); ``current`` names the signing key. A key's id is the first 16 hex digits
of SHA-256 over its raw public key. Rotation makes a new signing key and deletes the old private
key files; their public keys stay, so old checkpoints still verify. ``JJJ_AUDIT_SIGNING_KEY``
(hex raw private key) signs instead of the directory's current key when set.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CURRENT_FILE = "current"


class AuditKeyError(Exception):
    """A key file is missing, unreadable or malformed."""


@dataclass(frozen=True)
class Signer:
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private_key.sign(message)).decode("ascii")


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    public_hex: str
    can_sign: bool
    current: bool


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_of(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(raw_public(key)).hexdigest()[:16]


def signer_from_hex(private_hex: str) -> Signer:
    try:
        private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex.strip()))
    except ValueError as exc:
        raise AuditKeyError(f"not a hex Ed25519 private key (64 hex digits): {exc}") from None
    return Signer(key_id_of(private.public_key()), private)


def public_from_hex(public_hex: str, *, where: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex.strip()))
    except ValueError as exc:
        raise AuditKeyError(
            f"{where}: not a hex Ed25519 public key (64 hex digits): {exc}"
        ) from None


def verify_signature(key: Ed25519PublicKey, message: bytes, signature_b64: str) -> bool:
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text + "\n")


def generate(key_dir: Path, *, make_current: bool | None = None) -> str:
    """A new key pair in ``key_dir``; it becomes the signing key when there is none yet (or when
    ``make_current``). Returns its id."""
    key_dir.mkdir(parents=True, exist_ok=True)
    key_dir.chmod(0o700)
    private = Ed25519PrivateKey.generate()
    key_id = key_id_of(private.public_key())
    _write_private(key_dir / f"{key_id}.key", private.private_bytes_raw().hex())
    (key_dir / f"{key_id}.pub").write_text(raw_public(private.public_key()).hex() + "\n")
    if make_current or (make_current is None and current_key_id(key_dir) is None):
        (key_dir / CURRENT_FILE).write_text(key_id + "\n")
    return key_id


def rotate(key_dir: Path) -> str:
    """A new signing key; the old private keys are deleted (only the newest signs), their public
    keys stay to verify the checkpoints they signed."""
    old = [p for p in key_dir.glob("*.key")] if key_dir.exists() else []
    key_id = generate(key_dir, make_current=True)
    for path in old:
        path.unlink()
    return key_id


def current_key_id(key_dir: Path) -> str | None:
    path = key_dir / CURRENT_FILE
    return path.read_text().strip() if path.exists() else None


def list_keys(key_dir: Path) -> list[KeyInfo]:
    current = current_key_id(key_dir) if key_dir.exists() else None
    found = []
    for pub in sorted(key_dir.glob("*.pub")) if key_dir.exists() else []:
        key_id = pub.stem
        found.append(
            KeyInfo(
                key_id=key_id,
                public_hex=pub.read_text().strip(),
                can_sign=(key_dir / f"{key_id}.key").exists(),
                current=key_id == current,
            )
        )
    return found


def directory_signer(key_dir: Path) -> Signer | None:
    key_id = current_key_id(key_dir)
    if key_id is None:
        return None
    path = key_dir / f"{key_id}.key"
    if not path.exists():
        raise AuditKeyError(
            f"{key_dir}: the current key {key_id} has no private key file {path.name}"
        )
    signer = signer_from_hex(path.read_text())
    if signer.key_id != key_id:
        raise AuditKeyError(f"{path}: holds key {signer.key_id}, not {key_id}")
    return signer


def public_keys(
    key_dir: Path | None, *, extra: Signer | None = None
) -> dict[str, Ed25519PublicKey]:
    """Every public key the platform trusts, by id: the directory's and the env key's."""
    keys: dict[str, Ed25519PublicKey] = {}
    if key_dir is not None and key_dir.exists():
        for pub in sorted(key_dir.glob("*.pub")):
            key = public_from_hex(pub.read_text(), where=str(pub))
            if key_id_of(key) != pub.stem:
                raise AuditKeyError(f"{pub}: holds key {key_id_of(key)}, not {pub.stem}")
            keys[pub.stem] = key
    if extra is not None:
        keys[extra.key_id] = extra.private_key.public_key()
    return keys


def load_public_key_file(path: Path) -> tuple[str, Ed25519PublicKey]:
    """A ``<key_id>.pub`` file as a witness is told to trust it."""
    if not path.exists():
        raise AuditKeyError(f"{path}: no such public key file")
    key = public_from_hex(path.read_text(), where=str(path))
    return key_id_of(key), key
