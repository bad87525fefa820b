"""Verify that whoever asks is the data subject (Art. 12(6)) before anything is disclosed.

Two methods:

* **E-mail one-time code.** An 8-digit code is sent to an e-mail address *on file* for
  the contact (never to an address the requester supplies). Only a salted PBKDF2 hash
  is stored; it expires after ``CODE_TTL`` and allows ``MAX_ATTEMPTS`` tries. A used
  code is refused as a replay, as is any code after the request was verified.
* **Social-handle challenge.** For a handle on file, a phrase ``sphere-verify-XXXXXXXX``
  is generated; the person posts it (or sends it as a message) from that account.
  The channel adapter parses the post into an ``Observation``; the challenge is met
  when the observation's author is the handle on file (blind-index comparison) and its
  text holds the phrase. This proves control of the account, which is what linking a
  handle to a contact rests on.

Refusals are audited with a reason code and say nothing about the data.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import Channel, IdentityKind, Observation
from sphere.rights.refusal import refuse
from sphere.rights.requests import RequestState, get_request
from sphere.storage.crypto import Keyring
from sphere.storage.entities import Identity
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.rights import DsrRequest, RightsRepository, Verification

CODE_TTL = timedelta(minutes=30)
CHALLENGE_TTL = timedelta(days=3)
MAX_ATTEMPTS = 5
PBKDF2_ROUNDS = 60_000
EMAIL_CODE = "email_code"
SOCIAL_CHALLENGE = "social_challenge"
PHRASE_PREFIX = "sphere-verify-"
_PHRASE = re.compile(r"sphere-verify-[a-z2-7]{8}", re.IGNORECASE)
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


@dataclass(frozen=True, slots=True)
class Challenge:
    """What to deliver to the person; ``secret`` is never stored in clear."""

    verification_id: str
    method: str
    secret: str
    expires_at: datetime
    channel: str  # "email" or the social channel


def _hash(salt: bytes, secret: str) -> str:
    return hashlib.pbkdf2_hmac(
        "sha256", secret.strip().lower().encode("utf-8"), salt, PBKDF2_ROUNDS
    ).hex()


def _open_request(session: Session, request_id: str, *, actor: str, at: datetime) -> DsrRequest:
    request = get_request(session, request_id)
    if request.state != RequestState.RECEIVED:
        raise refuse(
            session,
            "already_verified" if request.state != RequestState.REJECTED else "request_closed",
            f"request {request_id} is {request.state}; no verification is pending",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    return request


def _identities(
    session: Session, keyring: Keyring, contact_id: str, kind: IdentityKind
) -> list[Identity]:
    return [
        i
        for i in ContactRepository(session, keyring).identities(contact_id)
        if i.kind is kind and i.value is not None
    ]


def _store_challenge(
    session: Session,
    request: DsrRequest,
    method: str,
    identity_id: str,
    secret: str,
    ttl: timedelta,
    channel: str,
    *,
    at: datetime,
    actor: str,
) -> Challenge:
    """Store a salted hash of ``secret`` for the request and audit the start."""
    salt = secrets.token_bytes(16)
    stored = RightsRepository(session).add_verification(
        request_id=request.id,
        method=method,
        identity_id=identity_id,
        salt=salt,
        secret_hash=_hash(salt, secret),
        created_at=at,
        expires_at=at + ttl,
        max_attempts=MAX_ATTEMPTS,
    )
    audit(
        session,
        actor=actor,
        action="dsr.verification_started",
        subject_id=request.contact_id,
        object_ids=(request.id, stored.id),
        details={"method": method, "channel": channel},
        at=at,
    )
    return Challenge(stored.id, method, secret, stored.expires_at, channel)


def start_email_verification(
    session: Session,
    keyring: Keyring,
    request_id: str,
    *,
    at: datetime,
    actor: str,
    email: str | None = None,
) -> tuple[Challenge, str]:
    """A one-time code for the request and the address on file to send it to.

    ``email`` chooses among several addresses on file; an address that is not on file
    for this subject is refused (the code must never go to someone else).
    """
    request = _open_request(session, request_id, actor=actor, at=at)
    assert request.contact_id is not None
    on_file = _identities(session, keyring, request.contact_id, IdentityKind.EMAIL)
    if email is not None:
        wanted = keyring.blind_index(IdentityKind.EMAIL, "", email)
        on_file = [
            i
            for i in on_file
            if keyring.blind_index(IdentityKind.EMAIL, "", i.value or "") == wanted
        ]
    if not on_file:
        raise refuse(
            session,
            "no_email_on_file",
            "there is no matching e-mail address on file for this subject; "
            "use the social-handle challenge or verify in person",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    code = f"{secrets.randbelow(10**8):08d}"
    challenge = _store_challenge(
        session, request, EMAIL_CODE, on_file[0].id, code, CODE_TTL, "email", at=at, actor=actor
    )
    return challenge, on_file[0].value or ""


def start_social_challenge(
    session: Session,
    keyring: Keyring,
    request_id: str,
    channel: Channel,
    *,
    at: datetime,
    actor: str,
) -> Challenge:
    """A phrase the person posts from their account on ``channel`` (handle on file)."""
    request = _open_request(session, request_id, actor=actor, at=at)
    assert request.contact_id is not None
    handles = [
        i
        for i in _identities(session, keyring, request.contact_id, IdentityKind.HANDLE)
        if i.channel == channel.value
    ]
    if not handles:
        raise refuse(
            session,
            "no_handle_on_file",
            f"there is no {channel.value} account on file for this subject",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    phrase = PHRASE_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return _store_challenge(
        session,
        request,
        SOCIAL_CHALLENGE,
        handles[0].id,
        phrase,
        CHALLENGE_TTL,
        channel.value,
        at=at,
        actor=actor,
    )


def _mark_verified(
    session: Session, request: DsrRequest, verification: Verification, *, at: datetime, actor: str
) -> DsrRequest:
    repo = RightsRepository(session)
    if not repo.consume(verification.id, at=at):
        raise refuse(
            session,
            "replayed_code",
            "this code was already used",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request.id,
        )
    updated = repo.update_request(
        request.id,
        state=RequestState.IDENTITY_VERIFIED.value,
        verified_at=at,
        verification_method=verification.method,
    )
    audit(
        session,
        actor=actor,
        action="dsr.identity_verified",
        subject_id=request.contact_id,
        object_ids=(request.id, verification.id),
        details={"method": verification.method},
        at=at,
    )
    return updated


def confirm_email_code(
    session: Session, request_id: str, code: str, *, at: datetime, actor: str
) -> DsrRequest:
    """Check a code; verified requests move to ``identity_verified``.

    Refused: a used code (replay), an expired code, too many attempts, a wrong code.
    Every wrong try counts, and is committed with the refusal.
    """
    request = get_request(session, request_id)
    repo = RightsRepository(session)
    challenges = repo.verifications(request_id, method=EMAIL_CODE)
    for challenge in challenges:
        if challenge.consumed_at is not None and hmac.compare_digest(
            _hash(challenge.salt, code), challenge.secret_hash
        ):
            raise refuse(
                session,
                "replayed_code",
                "this code was already used",
                actor=actor,
                at=at,
                subject_id=request.contact_id,
                request_id=request_id,
            )
    request = _open_request(session, request_id, actor=actor, at=at)
    pending = [c for c in challenges if c.consumed_at is None]
    if not pending:
        raise refuse(
            session,
            "no_code_pending",
            "no verification code was sent for this request",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    latest = pending[0]
    if at >= latest.expires_at:
        raise refuse(
            session,
            "expired_code",
            "the code has expired; request a new one",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    if latest.attempts >= latest.max_attempts:
        raise refuse(
            session,
            "too_many_attempts",
            "too many wrong codes; request a new one",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    repo.count_attempt(latest.id)
    if not hmac.compare_digest(_hash(latest.salt, code), latest.secret_hash):
        raise refuse(
            session,
            "wrong_code",
            "the code does not match",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    return _mark_verified(session, request, latest, at=at, actor=actor)


def confirm_social_challenge(
    session: Session,
    keyring: Keyring,
    request_id: str,
    observation: Observation,
    *,
    at: datetime,
    actor: str,
) -> DsrRequest:
    """Check a post or message read back by a channel adapter against the challenge."""
    request = _open_request(session, request_id, actor=actor, at=at)
    challenges = [
        c
        for c in RightsRepository(session).verifications(request_id, method=SOCIAL_CHALLENGE)
        if c.consumed_at is None and c.identity_id is not None
    ]
    if not challenges:
        raise refuse(
            session,
            "no_challenge_pending",
            "no challenge was issued for this request",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    challenge = challenges[0]
    if at >= challenge.expires_at:
        raise refuse(
            session,
            "expired_code",
            "the challenge has expired; request a new one",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    assert request.contact_id is not None
    # The account is the person's if the author matches any handle on file for the
    # challenged channel (account id or name): the same rule the pipeline's linker uses.
    identities = ContactRepository(session, keyring).identities(request.contact_id)
    challenged = next((i for i in identities if i.id == challenge.identity_id), None)
    channel = challenged.channel if challenged is not None else ""
    wanted = {
        keyring.blind_index(IdentityKind.HANDLE, channel, i.value)
        for i in identities
        if i.kind is IdentityKind.HANDLE and i.channel == channel and i.value
    }
    author = observation.author
    is_author = False
    if author is not None and observation.channel.value == channel:
        for value in (author.channel_user_id, author.handle):
            if value:
                got = keyring.blind_index(IdentityKind.HANDLE, channel, value)
                is_author = is_author or any(hmac.compare_digest(got, w) for w in wanted)
    if not is_author:
        RightsRepository(session).count_attempt(challenge.id)
        raise refuse(
            session,
            "wrong_account",
            "the post was not made from the account on file",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    phrases = _PHRASE.findall(observation.text or "")
    if not any(
        hmac.compare_digest(_hash(challenge.salt, p), challenge.secret_hash) for p in phrases
    ):
        RightsRepository(session).count_attempt(challenge.id)
        raise refuse(
            session,
            "wrong_code",
            "the post does not contain the challenge phrase",
            actor=actor,
            at=at,
            subject_id=request.contact_id,
            request_id=request_id,
        )
    return _mark_verified(session, request, challenge, at=at, actor=actor)
