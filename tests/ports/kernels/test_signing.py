"""DCSA 2.2 callback signatures: the primitive against RFC 4231's published HMAC-SHA256
vectors, a DCSA-style callback signed here and checked by an independent implementation (the
``cryptography`` package, OpenSSL) both ways, secrets, and the retry schedule."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.hmac import HMAC
from hypothesis import given
from hypothesis import strategies as st

from jingjinji.i18n import translate
from jingjinji.ports.kernels.signing import (
    SecretError,
    backoff_delays,
    decode_secret,
    new_secret,
    signature,
    verify,
)

# RFC 4231 section 4: (key, data, HMAC-SHA-256) of test cases 1, 2, 3, 4, 6 and 7.
RFC_4231 = [
    (b"\x0b" * 20, b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (
        b"Jefe",
        b"what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ),
    (
        b"\xaa" * 20,
        b"\xdd" * 50,
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    ),
    (
        bytes(range(1, 26)),
        b"\xcd" * 50,
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    ),
    (
        b"\xaa" * 131,
        b"Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
    (
        b"\xaa" * 131,
        b"This is a test using a larger than block-size key and a larger than block-size "
        b"data. The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ),
]

# The secret of DCSA's own subscription example (EVENT_DOMAIN's ``secret``): 64 bytes decoded.
DCSA_SECRET = (
    "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDM2NTc4NjIzODk3NDY5MDgyNzM0OTg3MTIzNzg2NA=="
)
CALLBACK_BODY = (
    json.dumps(
        [
            {
                "eventID": "3cecb101-7a1a-43a4-9d62-e88a131651e2",
                "eventCreatedDateTime": "2026-11-30T07:45:10+08:00",
                "eventType": "EQUIPMENT",
                "eventClassifierCode": "ACT",
                "eventDateTime": "2026-11-30T07:42:00+08:00",
                "equipmentEventTypeCode": "GTIN",
                "equipmentReference": "JJJU1000010",
                "emptyIndicatorCode": "LADEN",
                "eventLocation": {"UNLocationCode": "CNTXG"},
            }
        ],
        indent=2,
        ensure_ascii=False,
    )
    + "\n"
).encode("utf-8")


def openssl_hex(key: bytes, body: bytes) -> str:
    mac = HMAC(key, hashes.SHA256())
    mac.update(body)
    return mac.finalize().hex()


@pytest.mark.parametrize(("key", "data", "expected"), RFC_4231, ids=["1", "2", "3", "4", "6", "7"])
def test_rfc_4231_vectors(key: bytes, data: bytes, expected: str) -> None:
    assert signature(data, key) == f"sha256={expected}"
    assert verify(data, key, f"sha256={expected}")


def test_a_dcsa_callback_signed_here_verifies_with_openssl() -> None:
    key = decode_secret(DCSA_SECRET)
    assert len(key) == 64
    header = signature(CALLBACK_BODY, key)
    scheme, _, digest = header.partition("=")
    assert scheme == "sha256"
    verifier = HMAC(key, hashes.SHA256())
    verifier.update(CALLBACK_BODY)
    verifier.verify(bytes.fromhex(digest))  # raises InvalidSignature when it does not match


def test_a_dcsa_callback_signed_by_openssl_verifies_here() -> None:
    key = decode_secret(DCSA_SECRET)
    header = f"sha256={openssl_hex(key, CALLBACK_BODY)}"
    assert verify(CALLBACK_BODY, key, header)
    assert verify(CALLBACK_BODY, key, f"  {header.upper().replace('SHA256', 'sha256')}\t")


def test_openssl_refuses_a_signature_of_other_bytes() -> None:
    # The check the test above relies on does fail: a body re-serialised differently (the
    # receiver must sign the raw bytes, not re-encoded JSON) gives another signature.
    key = decode_secret(DCSA_SECRET)
    compact = json.dumps(json.loads(CALLBACK_BODY), separators=(",", ":")).encode()
    verifier = HMAC(key, hashes.SHA256())
    verifier.update(CALLBACK_BODY)
    with pytest.raises(InvalidSignature):
        verifier.verify(bytes.fromhex(signature(compact, key).partition("=")[2]))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h: h[:-1] + ("0" if h[-1] != "0" else "1"),  # one hex digit changed
        lambda h: h.replace("sha256=", "sha1="),  # another scheme
        lambda h: h.replace("sha256=", "sha256:"),  # no '='
        lambda h: h.partition("=")[2],  # the bare digest
        lambda h: h + "00",  # too long
        lambda h: h[:-2],  # too short
        lambda h: "",
        lambda h: "sha256=" + "é" * 64,  # not hex, not ASCII
    ],
)
def test_tampered_headers_fail(tamper: Callable[[str], str]) -> None:
    key = decode_secret(DCSA_SECRET)
    header = signature(CALLBACK_BODY, key)
    assert not verify(CALLBACK_BODY, key, tamper(header))


def test_other_body_or_secret_fails() -> None:
    key = decode_secret(DCSA_SECRET)
    header = signature(CALLBACK_BODY, key)
    assert not verify(CALLBACK_BODY.replace(b"LADEN", b"EMPTY"), key, header)
    assert not verify(CALLBACK_BODY + b" ", key, header)
    assert not verify(CALLBACK_BODY, key[:-1] + b"x", header)


@given(st.binary(max_size=2000), st.binary(min_size=32, max_size=64))
def test_sign_then_verify_round_trip_and_openssl_agrees(body: bytes, key: bytes) -> None:
    header = signature(body, key)
    assert header == f"sha256={openssl_hex(key, body)}"
    assert verify(body, key, header)


def test_new_secrets_are_32_random_bytes() -> None:
    made = {new_secret() for _ in range(50)}
    assert len(made) == 50
    for secret in made:
        assert len(decode_secret(secret)) == 32


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        (base64.b64encode(b"x" * 31).decode(), "31 bytes"),
        (base64.b64encode(b"x" * 65).decode(), "65 bytes"),
        ("", "0 bytes"),
        ("not base64!", "not Base64"),
        (base64.b64encode(b"x" * 32).decode()[:-1], "not Base64"),  # padding cut
        ("密钥" * 30, "not Base64"),
    ],
)
def test_unusable_secrets_are_refused_with_a_reason(secret: str, why: str) -> None:
    with pytest.raises(SecretError) as caught:
        decode_secret(secret)
    assert why in str(caught.value.reason)
    assert translate("zh_CN", caught.value.reason) != str(caught.value.reason)


@pytest.mark.parametrize("size", [32, 48, 64])
def test_secrets_of_32_to_64_bytes_are_taken(size: int) -> None:
    raw = bytes(range(size))
    assert decode_secret(base64.b64encode(raw).decode()) == raw


def test_backoff_doubles_up_to_the_cap() -> None:
    assert backoff_delays(7, 1.0, 30.0) == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert backoff_delays(0, 1.0, 30.0) == []
    assert backoff_delays(200, 0.5, 3600.0)[-1] == 3600.0


def test_backoff_jitter_is_reproducible_and_within_half_to_full() -> None:
    plain = backoff_delays(10, 2.0, 300.0)
    one = backoff_delays(10, 2.0, 300.0, jitter_seed=7)
    assert one == backoff_delays(10, 2.0, 300.0, jitter_seed=7)
    assert one != backoff_delays(10, 2.0, 300.0, jitter_seed=8)
    assert all(p / 2 <= j <= p for p, j in zip(plain, one, strict=True))


@pytest.mark.parametrize(
    ("attempts", "base", "cap"),
    [(-1, 1.0, 2.0), (3, 0.0, 2.0), (3, 2.0, 1.0), (3, float("nan"), 2.0)],
)
def test_backoff_refuses_nonsense(attempts: int, base: float, cap: float) -> None:
    with pytest.raises(ValueError):
        backoff_delays(attempts, base, cap)
