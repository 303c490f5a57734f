"""Signing and checking the webhook signature header (``X-JJJ-Signature``, see
:mod:`jingjinji.warnings.webhooks`): kept apart so that a receiver's check needs nothing else."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable, Sequence

DEFAULT_TOLERANCE = 300


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secrets_: str | Sequence[str], body: bytes, *, timestamp: int | None = None) -> str:
    """The signature header value for ``body``, one ``v1`` entry per secret."""
    keys = [secrets_] if isinstance(secrets_, str) else list(secrets_)
    if not keys:
        raise ValueError("at least one secret is needed")
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return ",".join([f"t={ts}", *(f"v1={_mac(k, ts, body)}" for k in keys)])


def parse_signature(header: str) -> tuple[int | None, list[str]]:
    timestamp: int | None = None
    macs: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return None, []
        elif key == "v1":
            macs.append(value.strip())
    return timestamp, macs


def verify_signature(
    secrets_: str | Iterable[str],
    header: str | None,
    body: bytes,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE,
) -> bool:
    """True when ``header`` signs ``body`` with one of ``secrets_`` within ``tolerance`` seconds.

    For receivers: pass the raw request body (bytes, exactly as received), the value of the
    ``X-JJJ-Signature`` header and your secret (or, while rotating, both your secrets)."""
    if not header:
        return False
    keys = [secrets_] if isinstance(secrets_, str) else list(secrets_)
    timestamp, macs = parse_signature(header)
    if timestamp is None or not macs or not keys:
        return False
    current = time.time() if now is None else now
    try:
        stale = abs(current - timestamp) > tolerance
    except OverflowError:  # a forged timestamp too large for a float
        return False
    if stale:
        return False
    expected = [_mac(k, timestamp, body).encode() for k in keys]
    # Compare bytes: hmac.compare_digest refuses str with non-ASCII characters (TypeError),
    # and a forged header may carry any text.
    return any(
        hmac.compare_digest(m.encode("utf-8", "surrogateescape"), e) for m in macs for e in expected
    )
