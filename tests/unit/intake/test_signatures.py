"""Signature checks against vectors built from the platforms' documented algorithms.

Expected values were computed independently of this code with OpenSSL
(``printf BODY | openssl dgst -sha256 -hmac SECRET [-binary | base64]``):

* Meta (developers.facebook.com/docs/graph-api/webhooks/getting-started, "Validate
  payloads"): ``X-Hub-Signature-256: sha256=`` + hex HMAC-SHA256(app secret, raw body).
  The same scheme is GitHub's, whose documentation gives the worked example used here:
  secret "It's a Secret to Everybody", body "Hello, World!" →
  757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17.
* X (docs.x.com Account Activity API, "Securing webhooks"): CRC ``response_token`` =
  ``sha256=`` + base64 HMAC-SHA256(consumer secret, crc_token); POSTs are signed the same
  way over the body in ``x-twitter-webhooks-signature``.
* Sphere's signed webhook: hex HMAC-SHA256(secret, "<t>." + body) (docs/intake.md).
"""

from __future__ import annotations

import pytest

from sphere.intake.signatures import (
    ReplayGuard,
    Verdict,
    meta_challenge,
    meta_signature,
    signed_header,
    verify_meta,
    verify_signed,
    verify_x,
    x_crc_response,
    x_signature,
)

META_SECRET = "It's a Secret to Everybody"
META_BODY = b"Hello, World!"
META_HEADER = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
X_BODY = b'{"for_user_id":"1500000000000000001"}'
X_HEADER = "sha256=08HRk8EVE3A3DlEKJLjPk9BNUF5cp+zzk3NRCJXxDDk="
SIGNED_BODY = b'{"post_id":"p1"}'
SIGNED_HEX = "93aa718375a454e9a57170c36f2dccb809a9cc678fa0b369c6ac54cedfc0172e"


def test_meta_signature_matches_documented_example() -> None:
    assert meta_signature(META_SECRET, META_BODY) == META_HEADER


@pytest.mark.parametrize(
    ("header", "body", "secrets", "verdict"),
    [
        (META_HEADER, META_BODY, [META_SECRET], Verdict.OK),
        (META_HEADER.upper().replace("SHA256", "sha256"), META_BODY, [META_SECRET], Verdict.OK),
        (META_HEADER, META_BODY, ["new-secret", META_SECRET], Verdict.OK),  # rotation
        (META_HEADER, META_BODY + b" ", [META_SECRET], Verdict.MISMATCH),  # body changed
        (META_HEADER, META_BODY, ["another secret"], Verdict.MISMATCH),
        (None, META_BODY, [META_SECRET], Verdict.MISSING),
        ("sha1=" + "0" * 40, META_BODY, [META_SECRET], Verdict.MALFORMED),  # old SHA-1 header
        ("sha256=" + "z" * 64, META_BODY, [META_SECRET], Verdict.MALFORMED),  # not hex
        ("sha256=abc", META_BODY, [META_SECRET], Verdict.MALFORMED),  # wrong length
    ],
    ids=["ok", "hex-case", "rotation", "tampered", "wrong-secret", "missing", "sha1",
         "not-hex", "short"],
)  # fmt: skip
def test_verify_meta(header, body, secrets, verdict) -> None:  # noqa: ANN001
    assert verify_meta(header, body, secrets) is verdict


@pytest.mark.parametrize(
    ("mode", "token", "challenge", "answer"),
    [
        ("subscribe", "tok", "1158201444", "1158201444"),
        ("subscribe", "wrong", "1158201444", None),  # token does not match
        ("unsubscribe", "tok", "1158201444", None),  # only subscribe is answered
        ("subscribe", "tok", None, None),
        ("subscribe", "tok", "x" * 201, None),  # absurdly long challenge
    ],
    ids=["ok", "wrong-token", "mode", "no-challenge", "long"],
)
def test_meta_challenge(mode, token, challenge, answer) -> None:  # noqa: ANN001
    assert meta_challenge(mode, token, challenge, ["tok"]) == answer


def test_x_crc_matches_openssl() -> None:
    # printf test | openssl dgst -sha256 -hmac secret -binary | base64
    assert x_crc_response("test", "secret") == {
        "response_token": "sha256=Aymga2LNFrM+tnkr6MYLFY2Jou46h2/Omogeu0iMCRQ="
    }


@pytest.mark.parametrize(
    ("header", "body", "verdict"),
    [
        (X_HEADER, X_BODY, Verdict.OK),
        (X_HEADER, X_BODY.replace(b"001", b"002"), Verdict.MISMATCH),
        ("sha256=not base64!", X_BODY, Verdict.MALFORMED),
        ("sha256=" + "QUJD", X_BODY, Verdict.MALFORMED),  # valid base64, wrong length
        ("", X_BODY, Verdict.MISSING),
    ],
    ids=["ok", "tampered", "not-base64", "short", "missing"],
)
def test_verify_x(header, body, verdict) -> None:  # noqa: ANN001
    assert x_signature("x-consumer-secret", X_BODY) == X_HEADER
    assert verify_x(header, body, ["x-consumer-secret"]) is verdict


def test_signed_header_matches_openssl() -> None:
    assert signed_header("forum-secret", SIGNED_BODY, timestamp=1700000000) == (
        f"t=1700000000,v1={SIGNED_HEX}"
    )


@pytest.mark.parametrize(
    ("header", "now", "verdict"),
    [
        (f"t=1700000000,v1={SIGNED_HEX}", 1700000100, Verdict.OK),
        (f"t=1700000000,v1={'0' * 64},v1={SIGNED_HEX}", 1700000000, Verdict.OK),  # rotation
        (f"t=1700000000,v1={SIGNED_HEX}", 1700000301, Verdict.STALE),  # outside 300 s
        (f"t=1700000000,v1={SIGNED_HEX}", 1699999600, Verdict.STALE),  # from the future
        (f"t=1700000001,v1={SIGNED_HEX}", 1700000000, Verdict.MISMATCH),  # time re-signed
        (f"v1={SIGNED_HEX}", 1700000000, Verdict.MALFORMED),  # no timestamp
        ("t=1700000000", 1700000000, Verdict.MALFORMED),  # no signature
        (None, 1700000000, Verdict.MISSING),
    ],
    ids=["ok", "rotation", "stale", "future", "timestamp-changed", "no-t", "no-v1", "missing"],
)
def test_verify_signed(header, now, verdict) -> None:  # noqa: ANN001
    check = verify_signed(header, SIGNED_BODY, ["forum-secret"], now=now, window=300)
    assert check.verdict is verdict


def test_replay_guard_refuses_second_sight_and_forgets_after_window() -> None:
    guard = ReplayGuard(300)
    assert guard.first_sight("sig", now=1000.0)
    assert not guard.first_sight("sig", now=1100.0)
    assert guard.first_sight("other", now=2000.0)  # evicts entries older than 2 windows
    assert guard.first_sight("sig", now=2000.0)


def test_replay_guard_is_bounded() -> None:
    guard = ReplayGuard(300, max_entries=3)
    for n in range(10):
        assert guard.first_sight(f"s{n}", now=1000.0)
    assert len(guard._seen) <= 3
