"""Subscription secrets at rest: sealed (``jingjinji.sealing``: Fernet, AES-128-CBC with
HMAC-SHA256) with a key kept outside the database, in ``<var>/ports_callbacks.key``, as the TOTP
secrets are. A copy of the database alone cannot sign callbacks in a subscriber's name. Back the
key up with the database: without it no callback can be signed until every subscriber resets
its secret.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jingjinji.config import get_settings
from jingjinji.sealing import Sealer, key_in

KEY_FILE = "ports_callbacks.key"


@lru_cache(maxsize=8)
def _sealer_in(var_dir: Path) -> Sealer:
    return Sealer(
        key_in(var_dir, KEY_FILE),
        key_file=KEY_FILE,
        what="a subscription secret",
        remedy="restore it, or have the subscriber reset its secret",
    )


def sealer() -> Sealer:
    """The sealer of this process's settings (``JJJ_VAR_DIR``), its key made on first use."""
    return _sealer_in(get_settings().var_dir)
