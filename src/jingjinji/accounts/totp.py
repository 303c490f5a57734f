"""TOTP (RFC 6238) codes for the second login factor: 6 digits, 30-second steps, one step of
clock drift either way, and no step accepted twice (the caller stores the last one)."""

from __future__ import annotations

import datetime as dt

import pyotp

ISSUER = "jingjinji"
# Steps of clock drift accepted either side of now.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


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
