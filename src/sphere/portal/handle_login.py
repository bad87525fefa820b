"""Portal log-in after a verified social-handle challenge (the alternative to the e-mail link).

A person picks a channel and types their handle. They get a phrase
``sphere-login-xxxxxxxx`` to post from that account (a public reply or a direct message to
the company), and their browser gets a 256-bit **secret** (an HttpOnly cookie). When a
post quoting the phrase is read — by the ingestion pipeline or handed in by staff — and
its author is an account on file for the contact (keyed blind-index comparison of account
id and handle, the same rule the pipeline's linker uses), the challenge is *met*. Only
then, and only for the browser holding the secret, is a portal session opened, once.

Why the phrase does not authenticate: it is posted publicly, so anyone may read it. What
authenticates is the pair (control of the account on file: the post; possession of the
secret: the browser that started the challenge). The phrase is derived from the secret
by a one-way function, so publishing it reveals nothing usable about the secret.

No account enumeration: whether or not exactly one living contact has the handle on file,
the caller gets a phrase and a secret of the same shape and a row is stored (with no
contact when there is none, which can never be met), so the answer and the rate limit
(3 per 15 minutes per channel and handle, keyed HMAC) are the same.

Only hashes are stored (phrase and secret SHA-256); audit entries name the subject,
never the handle or the phrase.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sphere.accounts.exceptions import LoginThrottled
from sphere.audit import record as audit
from sphere.domain import Channel, IdentityKind, Observation, ObservationKind
from sphere.domain.time import ensure_utc
from sphere.errors import InvalidInput, NotFound
from sphere.storage.crypto import Keyring, normalize_identity
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.portal_challenges import (
    HandleChallengeRepository,
    StoredHandleChallenge,
)

PHRASE_PREFIX = "sphere-login-"
PHRASE_PATTERN = re.compile(r"sphere-login-[a-z2-7]{8}", re.IGNORECASE)
CHALLENGE_TTL = timedelta(minutes=30)
RATE_WINDOW = timedelta(minutes=15)
MAX_CHALLENGES_PER_WINDOW = 3
MAX_HANDLE_CHARS = 200
# Channels on which contacts have HANDLE identities (accounts), in the form's order.
HANDLE_CHANNELS = (Channel.MASTODON, Channel.X, Channel.BLUESKY, Channel.FACEBOOK, Channel.FORUM)
ACTOR = "portal"
# RFC 4648 base32 letters in lower case, as the DSR challenge phrase: no 0/1/8/9 to misread.
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_PHRASE_CONTEXT = b"sphere.portal:login-phrase\x1f"
_POSTED = frozenset(
    {ObservationKind.POST, ObservationKind.COMMENT, ObservationKind.MESSAGE, ObservationKind.EDIT}
)


def token_hash(secret: str) -> str:
    """The stored hash of a secret, as for log-in links (``sphere.portal.links``, imported
    on first use: every ``sphere ingest`` imports this module for its observer, which
    needs none of the link services — about 0.1 CPU-s of start-up)."""
    from sphere.portal.links import token_hash as link_token_hash

    return link_token_hash(secret)


class ChallengeInvalid(NotFound):
    """Unknown, used or expired challenge, or none in this browser (one message for all)."""

    def __init__(self) -> None:
        super().__init__(
            "this log-in challenge is not valid any more (used, expired or started in "
            "another browser); start again on the log-in page"
        )


@dataclass(frozen=True, slots=True)
class HandleChallenge:
    """A started challenge: ``phrase`` to post publicly, ``secret`` for the browser only."""

    phrase: str
    secret: str
    channel: Channel
    expires_at: datetime

    def __repr__(self) -> str:  # never print the secret
        return f"HandleChallenge(channel={self.channel.value!r}, expires_at={self.expires_at!r})"


@dataclass(frozen=True, slots=True)
class ChallengeState:
    """A live challenge as its browser sees it. ``contact_id`` is set only by
    :func:`redeem_handle_challenge`, when the met challenge was used up by that call."""

    phrase: str
    channel: Channel
    expires_at: datetime
    contact_id: str | None = None


def phrase_for(secret: str) -> str:
    """The public phrase of a secret: 8 base32 letters of a SHA-256 (one-way; 40 bits, so
    two open challenges practically never share one — and if they do, each is judged
    on its own)."""
    digest = hashlib.sha256(_PHRASE_CONTEXT + secret.encode("utf-8")).digest()
    return PHRASE_PREFIX + "".join(_ALPHABET[b & 31] for b in digest[:8])


def phrase_hash(phrase: str) -> str:
    return hashlib.sha256(phrase.strip().lower().encode("utf-8")).hexdigest()


def has_login_phrase(text: str) -> bool:
    """Cheap pre-check for the pipeline: does this text quote a log-in phrase at all?"""
    return bool(text) and PHRASE_PATTERN.search(text) is not None


def handle_channel(value: str | Channel) -> Channel:
    """The channel named ``value`` if contacts have handles there, else ``InvalidInput``."""
    for channel in HANDLE_CHANNELS:
        if value == channel.value:
            return channel
    raise InvalidInput(
        "choose the network of your account: " + ", ".join(c.value for c in HANDLE_CHANNELS)
    )


def throttle_key(secret: bytes, channel: Channel, handle: str) -> str:
    """Keyed HMAC of channel and handle (as blind-indexed), for the rate limit only."""
    message = "\x1f".join(
        ("handle-login", channel.value, normalize_identity(IdentityKind.HANDLE, handle))
    )
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _candidates(channel: Channel, handle: str) -> list[str]:
    """The handle as typed; on Mastodon also its local part (``@anna@photo.example`` may
    be on file as ``anna``). Lookups only find a contact — proof is the post's author."""
    value = handle.strip().lstrip("@")
    out = [value]
    if channel is Channel.MASTODON and "@" in value:
        out.append(value.split("@", 1)[0])
    return out


def _only_living_contact(contacts: ContactRepository, channel: Channel, handle: str) -> str | None:
    found: set[str] = set()
    for value in _candidates(channel, handle):
        hit = contacts.lookup_identity(IdentityKind.HANDLE, value, channel=channel)
        if hit is not None and contacts.get(hit[1]).erased_at is None:
            found.add(hit[1])
    return found.pop() if len(found) == 1 else None


def start_handle_challenge(
    session: Session,
    keyring: Keyring,
    channel: str | Channel,
    handle: str,
    *,
    at: datetime,
    throttle_secret: bytes,
    max_per_window: int = MAX_CHALLENGES_PER_WINDOW,
) -> HandleChallenge:
    """A challenge for ``handle`` on ``channel``; the same shape whether or not it is on
    file. Raises ``LoginThrottled`` after ``max_per_window`` challenges for the same
    channel and handle within 15 minutes (counted for every handle, known or not)."""
    at = ensure_utc(at)
    chosen = handle_channel(channel)
    value = handle.strip()
    if not value.lstrip("@") or len(value) > MAX_HANDLE_CHARS:
        raise InvalidInput(
            f"type the handle of your account on that network (at most {MAX_HANDLE_CHARS} "
            "characters), for example @name"
        )
    repo = HandleChallengeRepository(session)
    key = throttle_key(throttle_secret, chosen, value)
    if repo.count_since(key, since=at - RATE_WINDOW) >= max_per_window:
        raise LoginThrottled(at + RATE_WINDOW)
    contact_id = _only_living_contact(ContactRepository(session, keyring), chosen, value)
    secret = secrets.token_urlsafe(32)
    phrase = phrase_for(secret)
    stored = repo.add(
        phrase_sha256=phrase_hash(phrase),
        secret_sha256=token_hash(secret),
        contact_id=contact_id,
        channel=chosen.value,
        throttle_key=key,
        created_at=at,
        expires_at=at + CHALLENGE_TTL,
    )
    if contact_id is not None:
        audit(
            session,
            actor=ACTOR,
            action="portal.handle_challenge_started",
            subject_id=contact_id,
            object_ids=(stored.id,),
            details={
                "channel": chosen.value,
                "ttl_minutes": int(CHALLENGE_TTL.total_seconds() // 60),
            },
            at=at,
        )
    return HandleChallenge(phrase, secret, chosen, stored.expires_at)


def _author_contacts(contacts: ContactRepository, obs: Observation) -> set[str]:
    """Contacts that have the post's account (id or handle) on file on its channel.

    ``lookup_identity`` compares ``Keyring.blind_index(HANDLE, channel, value)`` with the
    stored blind indexes, so nothing is decrypted and a display name counts for nothing.
    """
    assert obs.author is not None
    found: set[str] = set()
    for value in (obs.author.channel_user_id, obs.author.handle):
        if value:
            hit = contacts.lookup_identity(IdentityKind.HANDLE, value, channel=obs.channel)
            if hit is not None:
                found.add(hit[1])
    return found


def observe_challenge_posts(
    session: Session,
    keyring: Keyring,
    observations: Iterable[Observation],
    *,
    at: datetime,
    actor: str = "pipeline",
) -> int:
    """Mark open challenges met by posts that quote their phrase AND come from an account
    on file for the challenged contact on that channel; returns how many were met.

    A post quoting the phrase from any other account counts an attempt and meets nothing
    (the phrase is public: anyone can copy it). Expired, met and used challenges are not
    looked at.
    """
    at = ensure_utc(at)
    repo = HandleChallengeRepository(session)
    contacts = ContactRepository(session, keyring)
    met = 0
    for obs in observations:
        if obs.kind not in _POSTED or obs.author is None or not has_login_phrase(obs.text):
            continue
        hashes = {phrase_hash(p) for p in PHRASE_PATTERN.findall(obs.text)}
        challenges = repo.open_with_phrases(hashes, obs.channel.value, at=at)
        if not challenges:
            continue
        authors = _author_contacts(contacts, obs)
        for challenge in challenges:
            if challenge.contact_id is None or challenge.contact_id not in authors:
                repo.count_attempt(challenge.id)
                continue
            if repo.mark_met(challenge.id, at=at):
                met += 1
                audit(
                    session,
                    actor=actor,
                    action="portal.handle_challenge_met",
                    subject_id=challenge.contact_id,
                    object_ids=(challenge.id,),
                    details={"channel": challenge.channel, "kind": obs.kind.value},
                    at=at,
                )
    return met


class HandleLoginObserver:
    """The pipeline's view of this module (``sphere.pipeline.observers.Observer``),
    registered by ``sphere.runtime``: every ingested post that quotes a log-in phrase is
    checked against the open challenges, in the ingestion's transaction."""

    def __init__(self, keyring: Keyring, *, actor: str = "pipeline") -> None:
        self.keyring, self.actor = keyring, actor

    def wants(self, obs: Observation) -> bool:
        return has_login_phrase(obs.text)  # a regex pre-check: ordinary posts pay nothing

    def observe(self, session: Session, obs: Observation, *, at: datetime) -> None:
        observe_challenge_posts(session, self.keyring, [obs], at=at, actor=self.actor)


def _live(repo: HandleChallengeRepository, secret: str, at: datetime) -> StoredHandleChallenge:
    stored = repo.by_secret(token_hash(secret)) if secret else None
    if stored is None or stored.used_at is not None or ensure_utc(stored.expires_at) <= at:
        raise ChallengeInvalid()
    return stored


def _state(secret: str, stored: StoredHandleChallenge) -> ChallengeState:
    return ChallengeState(phrase_for(secret), Channel(stored.channel), stored.expires_at)


def show_handle_challenge(session: Session, secret: str, *, at: datetime) -> ChallengeState:
    """The live challenge of this browser's secret; ``ChallengeInvalid`` if there is none
    (unknown, used or expired)."""
    stored = _live(HandleChallengeRepository(session), secret, ensure_utc(at))
    return _state(secret, stored)


def redeem_handle_challenge(
    session: Session, keyring: Keyring, secret: str, *, at: datetime
) -> ChallengeState:
    """Use up this browser's challenge if it was met: the returned state names the
    contact to open a portal session for. Not met yet: the state without a contact.
    ``ChallengeInvalid`` for unknown, used (replay) or expired challenges."""
    at = ensure_utc(at)
    repo = HandleChallengeRepository(session)
    stored = _live(repo, secret, at)
    state = _state(secret, stored)
    if stored.met_at is None or stored.contact_id is None:
        return state
    if ContactRepository(session, keyring).get(stored.contact_id).erased_at is not None:
        raise ChallengeInvalid()
    if not repo.mark_used(stored.id, at=at):
        raise ChallengeInvalid()  # a concurrent request used it first
    audit(
        session,
        actor=ACTOR,
        action="portal.handle_login",
        subject_id=stored.contact_id,
        object_ids=(stored.id,),
        details={"channel": stored.channel},
        at=at,
    )
    return replace(state, contact_id=stored.contact_id)
