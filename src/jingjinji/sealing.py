"""Secrets at rest sealed with a key kept outside the database (Fernet: AES-128-CBC with
HMAC-SHA256), in a key file under the platform's var directory, made (mode 0600) on first use.
A copy of the database alone cannot use them; back the key file up with the database.

Used for the TOTP secrets (``accounts.totp``, ``totp.key``) and the DCSA subscription secrets
(``ports.service.sealing``, ``ports_callbacks.key``).
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    """Seals secrets of one kind for the database and opens them again. ``what`` names the
    secret and ``remedy`` what an operator does when a stored one no longer opens."""

    def __init__(self, key: bytes, *, key_file: str, what: str, remedy: str) -> None:
        self._fernet = Fernet(key)
        self._key_file = key_file
        self._what = what
        self._remedy = remedy

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise RuntimeError(
                f"{self._what} does not open with the key in {self._key_file}: the key file "
                f"was replaced or lost ({self._remedy})"
            ) from None


def key_in(var_dir: Path, key_file: str) -> bytes:
    """The key in ``var_dir/key_file``, the file made (mode 0600) on first use."""
    path = var_dir / key_file
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return path.read_bytes().strip()
