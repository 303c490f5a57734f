"""DCSA Track & Trace 2.2 callback signatures and the retry schedule of callbacks.

A subscription's secret is Base64 text; what signs is the DECODED secret, 32 to 64 bytes
(standards.md §7). Each callback carries ``Notification-Signature: sha256=<hex>``, the
HMAC-SHA256 of the exact raw body bytes (whitespace and newlines included; the body is sent as
signed, never re-serialised). The receiver recomputes it and compares in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import random
import secrets

from jingjinji.i18n import Msg, msg

__all__ = [
    "SCHEME",
    "SECRET_BYTES",
    "SECRET_MAX_BYTES",
    "SECRET_MIN_BYTES",
    "SecretError",
    "backoff_delays",
    "decode_secret",
    "new_secret",
    "signature",
    "verify",
]

#: the only signature type DCSA 2.2 defines
SCHEME = "sha256"
SECRET_MIN_BYTES = 32
SECRET_MAX_BYTES = 64
#: the length of the secrets the platform makes
SECRET_BYTES = 32
# Beyond this many doublings every delay is the cap anyway; stopping here keeps 2**n finite.
_MAX_DOUBLINGS = 60


class SecretError(ValueError):
    """A secret a subscriber gave is not usable; ``reason`` is an ``i18n.msg`` (a 422 on
    ``secret``)."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_secret(b64: str) -> bytes:
    """The key of a subscription's Base64 ``secret`` (standard alphabet, padded, no line
    breaks), which must decode to 32 to 64 bytes."""
    try:
        raw = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise SecretError(msg("the secret is not Base64 text")) from None
    if not SECRET_MIN_BYTES <= len(raw) <= SECRET_MAX_BYTES:
        raise SecretError(
            msg(
                "the secret decodes to {length} bytes; DCSA needs {low} to {high}",
                length=len(raw),
                low=SECRET_MIN_BYTES,
                high=SECRET_MAX_BYTES,
            )
        )
    return raw


def new_secret() -> str:
    """A fresh secret for a subscription: 32 random bytes from ``secrets``, Base64."""
    return base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signature(body: bytes, secret: bytes) -> str:
    """The ``Notification-Signature`` value of ``body`` under the decoded ``secret``."""
    return f"{SCHEME}={hmac.new(secret, body, hashlib.sha256).hexdigest()}"


def verify(body: bytes, secret: bytes, header: str) -> bool:
    """Whether ``header`` (a ``Notification-Signature`` value: ``sha256=<hex>``, spaces around
    it and hex of either case allowed, as DCSA's pattern does) signs ``body``. The digests are
    compared in constant time; any other scheme or malformed value is False."""
    scheme, sep, given = header.strip().partition("=")
    if not sep or scheme.lower() != SCHEME:
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode("ascii")
    return hmac.compare_digest(expected, given.lower().encode("utf-8"))


def backoff_delays(
    attempts: int, base: float, cap: float, jitter_seed: int | None = None
) -> list[float]:
    """Seconds to wait before each of ``attempts`` retries: ``base`` doubled each time, never
    over ``cap``. With ``jitter_seed`` each delay is drawn between half and all of that (the
    same seed gives the same schedule, so a subscription's retries are reproducible while
    different subscriptions spread out instead of retrying together)."""
    if attempts < 0 or not base > 0 or not cap >= base:
        raise ValueError(
            f"attempts must be >= 0 and 0 < base <= cap; got {attempts}, {base}, {cap}"
        )
    delays = [min(cap, base * 2 ** min(n, _MAX_DOUBLINGS)) for n in range(attempts)]
    if jitter_seed is None:
        return delays
    draw = random.Random(jitter_seed)
    return [d / 2 + draw.uniform(0, d / 2) for d in delays]
