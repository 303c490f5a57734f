"""TOTP (RFC 6238) codes for the second login factor: 6 digits, 30-second steps, one step of
clock drift either way, and no step accepted twice (the caller stores the last one).

Secrets are stored encrypted (:class:`Vault`, Fernet: AES-128-CBC with HMAC-SHA256) with a key
kept outside the database, in ``<var>/totp.key``: a copy of the database alone does not give
away the second factors. Back the key up with the database; without it no TOTP code can be
checked (``jjj accounts totp-off`` then removes a user's second factor).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyotp

from jingjinji.sealing import Sealer, key_in

ISSUER = "jingjinji"
# Steps of clock drift accepted either side of now.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


@dataclass(frozen=True)
class Enrolment:
    """A secret waiting for its first code: shown once, as text and as an otpauth:// URI."""

    secret: str
    uri: str


def enrolment(secret: str, *, username: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri)


def matching_step(secret: str, code: str, *, now: dt.datetime, last_step: int | None) -> int | None:
    """The time step whose code ``code`` is (within the drift) if it is later than
    ``last_step``; None for a wrong code or one already used (a replay)."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (last_step is None or step > last_step) and pyotp.utils.strings_equal(
            totp.generate_otp(step), code
        ):
            return step
    return None


KEY_FILE = "totp.key"


class Vault(Sealer):
    """Seals TOTP secrets for the database and opens them again (``jingjinji.sealing``)."""

    def __init__(self, key: bytes) -> None:
        super().__init__(
            key,
            key_file=KEY_FILE,
            what="a stored TOTP secret",
            remedy="restore it, or remove the user's second factor with `jjj accounts totp-off`",
        )


@lru_cache(maxsize=8)
def vault_in(var_dir: Path) -> Vault:
    """The vault whose key is ``var_dir/totp.key``, made (mode 0600) on first use."""
    return Vault(key_in(var_dir, KEY_FILE))
