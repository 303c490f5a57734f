"""Subscription secrets at rest: sealed (Fernet: AES-128-CBC with HMAC-SHA256) with a key kept
outside the database, in ``<var>/ports_callbacks.key``, as the TOTP secrets are. A copy of the
database alone cannot sign callbacks in a subscriber's name. Back the key up with the database:
without it no callback can be signed until every subscriber resets its secret.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from jingjinji.config import get_settings

KEY_FILE = "ports_callbacks.key"


class SealedSecrets:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("ascii")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise RuntimeError(
                f"a subscription secret does not open with the key in {KEY_FILE}: the key file "
                "was replaced or lost (restore it, or have the subscriber reset its secret)"
            ) from None


@lru_cache(maxsize=8)
def _sealer_in(var_dir: Path) -> SealedSecrets:
    path = var_dir / KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return SealedSecrets(path.read_bytes().strip())


def sealer() -> SealedSecrets:
    """The sealer of this process's settings (``JJJ_VAR_DIR``), its key made on first use."""
    return _sealer_in(get_settings().var_dir)
