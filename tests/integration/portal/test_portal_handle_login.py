"""Portal log-in by social-handle challenge (``sphere.portal.handle_login``) on SQLite and
PostgreSQL: what is stored, who can meet a challenge, expiry, replay, throttling, and the
wiring into the ingestion pipeline."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from sphere.accounts import LoginThrottled
from sphere.channels import build_registry
from sphere.domain import Author, Channel, IdentityKind, Observation, ObservationKind
from sphere.domain.time import FrozenClock
from sphere.errors import InvalidInput
from sphere.pipeline.runner import ingest_file
from sphere.portal.handle_login import (
    PHRASE_PATTERN,
    ChallengeInvalid,
    HandleChallenge,
    observe_challenge_posts,
    redeem_handle_challenge,
    start_handle_challenge,
)
from sphere.runtime import Runtime
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.portal_tables import PortalHandleChallengeRow
from sphere.storage.repositories import AuditRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.tables import ContactRow
from tests.factories import CRM_HEADER, crm_row, mastodon_status, write_jsonl
from tests.runtimes import runtime_for_tests

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
THROTTLE = b"throttle-secret-for-tests-only"
LENA_ID, LENA_HANDLE = "200000000000000001", "lena_fotografie"
MAX_ID, MAX_HANDLE = "200000000000000002", "max_m"


@dataclass(frozen=True)
class People:
    lena: str
    max: str


@pytest.fixture
def people(session: Session, keyring: Keyring) -> People:
    """Lena and Max, each with a Mastodon account (name and id) and an e-mail on file."""
    contacts = ContactRepository(session, keyring)
    ids = []
    for handle, account_id, email in (
        (LENA_HANDLE, LENA_ID, "lena.beispiel@example.com"),
        (MAX_HANDLE, MAX_ID, "max.muster@example.org"),
    ):
        contact = contacts.create(at=T0)
        contacts.add_identity(contact.id, IdentityKind.EMAIL, email, at=T0)
        for value in (handle, account_id):
            contacts.add_identity(
                contact.id, IdentityKind.HANDLE, value, channel=Channel.MASTODON, at=T0
            )
        ids.append(contact.id)
    return People(*ids)


def _start(
    session: Session, keyring: Keyring, handle: str, *, at: datetime = T0, channel: str = "mastodon"
) -> HandleChallenge:
    return start_handle_challenge(
        session, keyring, channel, handle, at=at, throttle_secret=THROTTLE
    )


def _post(text: str, *, account_id: str, username: str, status_id: str = "9001") -> list[Any]:
    """A real Mastodon Status, parsed by the Mastodon adapter as ingestion would."""
    payload = mastodon_status(status_id, text, account_id=account_id, username=username)
    return build_registry().get("mastodon").parse(payload, ref="test:1")


def _row(session: Session) -> PortalHandleChallengeRow:
    session.expire_all()
    return session.scalars(select(PortalHandleChallengeRow)).one()


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def test_start_stores_only_hashes_and_audits_the_subject(
    session: Session, keyring: Keyring, people: People
) -> None:
    challenge = _start(session, keyring, "@lena_fotografie")
    assert PHRASE_PATTERN.fullmatch(challenge.phrase)
    assert challenge.phrase.startswith("sphere-login-")
    assert len(challenge.secret) >= 43 and challenge.secret not in challenge.phrase
    assert challenge.expires_at == T0 + timedelta(minutes=30)
    assert challenge.secret not in repr(challenge)
    row = _row(session)
    assert row.contact_id == people.lena and row.channel == "mastodon"
    assert row.phrase_sha256 == _sha(challenge.phrase)
    assert row.secret_sha256 == _sha(challenge.secret)
    assert (row.met_at, row.used_at, row.attempts) == (None, None, 0)
    stored = " ".join(str(getattr(row, c.key)) for c in PortalHandleChallengeRow.__table__.c)
    for clear in (challenge.phrase, challenge.secret, LENA_HANDLE):
        assert clear not in stored
    entries = AuditRepository(session).for_subject(people.lena)
    assert [e.action for e in entries][-1] == "portal.handle_challenge_started"
    logged = json.dumps([e.as_dict() for e in entries], default=str)
    assert challenge.phrase not in logged and LENA_HANDLE not in logged


def test_unknown_handle_gets_the_same_shape_and_can_never_be_met(
    session: Session, keyring: Keyring, people: People
) -> None:
    known = _start(session, keyring, LENA_HANDLE)
    unknown = _start(session, keyring, "nobody_here")
    assert PHRASE_PATTERN.fullmatch(unknown.phrase)
    assert len(unknown.secret) == len(known.secret)
    assert unknown.expires_at == known.expires_at
    rows = {r.secret_sha256: r for r in session.scalars(select(PortalHandleChallengeRow))}
    assert rows[_sha(unknown.secret)].contact_id is None
    audit_count = AuditRepository(session).count()
    # Even a post quoting the phrase from an account on file meets nothing.
    for account_id, username in ((LENA_ID, LENA_HANDLE), ("31337", "nobody_here")):
        posted = _post(unknown.phrase, account_id=account_id, username=username)
        assert observe_challenge_posts(session, keyring, posted, at=T0) == 0
    assert redeem_handle_challenge(session, keyring, unknown.secret, at=T0).contact_id is None
    session.expire_all()
    row = session.get(PortalHandleChallengeRow, rows[_sha(unknown.secret)].id)
    assert row is not None and row.met_at is None and row.attempts == 2
    assert AuditRepository(session).count() == audit_count


@pytest.mark.parametrize(
    ("account_id", "username"),
    [(LENA_ID, "renamed_lena"), ("999999", LENA_HANDLE)],
    ids=["by-account-id", "by-handle"],
)
def test_own_post_meets_the_challenge_and_the_secret_logs_in_once(
    session: Session, keyring: Keyring, people: People, account_id: str, username: str
) -> None:
    challenge = _start(session, keyring, LENA_HANDLE)
    # The adapter reports the handle as "name@server": with that form on file too, the
    # "by-handle" post matches by its handle alone (its account id is not on file).
    ContactRepository(session, keyring).add_identity(
        people.lena, IdentityKind.HANDLE, f"{LENA_HANDLE}@photo.example", channel=Channel.MASTODON
    )
    pending = redeem_handle_challenge(session, keyring, challenge.secret, at=T0)
    assert pending.contact_id is None and pending.phrase == challenge.phrase
    posted = _post(
        f"@optiklinse hier ist mein Code: {challenge.phrase.upper()}",
        account_id=account_id,
        username=username,
    )
    at = T0 + timedelta(minutes=5)
    assert observe_challenge_posts(session, keyring, posted, at=at) == 1
    assert observe_challenge_posts(session, keyring, posted, at=at) == 0  # met once
    done = redeem_handle_challenge(session, keyring, challenge.secret, at=at)
    assert done.contact_id == people.lena
    row = _row(session)
    assert row.met_at == at and row.used_at == at
    with pytest.raises(ChallengeInvalid):  # replay of a used challenge
        redeem_handle_challenge(session, keyring, challenge.secret, at=at)
    actions = [e.action for e in AuditRepository(session).for_subject(people.lena)]
    assert actions[-3:] == [
        "portal.handle_challenge_started",
        "portal.handle_challenge_met",
        "portal.handle_login",
    ]


def test_stranger_posting_the_phrase_counts_an_attempt_and_meets_nothing(
    session: Session, keyring: Keyring, people: People
) -> None:
    challenge = _start(session, keyring, LENA_HANDLE)
    for display_trick in (MAX_HANDLE, "lena_fotografie@evil.example"):
        posted = _post(challenge.phrase, account_id=MAX_ID, username=display_trick)
        assert observe_challenge_posts(session, keyring, posted, at=T0) == 0
    stranger = _post(challenge.phrase, account_id="424242", username="lena_fotografie_")
    assert observe_challenge_posts(session, keyring, stranger, at=T0) == 0
    row = _row(session)
    assert row.met_at is None and row.attempts == 3
    assert redeem_handle_challenge(session, keyring, challenge.secret, at=T0).contact_id is None


def test_phrase_on_another_channel_or_without_author_meets_nothing(
    session: Session, keyring: Keyring, people: People
) -> None:
    challenge = _start(session, keyring, LENA_HANDLE)
    on_x = Observation(
        channel=Channel.X,
        kind=ObservationKind.POST,
        source_id="1",
        created_at=T0,
        author=Author(channel_user_id=LENA_ID, handle=LENA_HANDLE),
        text=challenge.phrase,
    )
    anonymous = Observation(
        channel=Channel.MASTODON,
        kind=ObservationKind.POST,
        source_id="2",
        created_at=T0,
        text=challenge.phrase,
    )
    assert observe_challenge_posts(session, keyring, [on_x, anonymous], at=T0) == 0
    assert _row(session).met_at is None


def test_mastodon_full_address_finds_the_bare_name_on_file(
    session: Session, keyring: Keyring, people: People
) -> None:
    challenge = _start(session, keyring, "@Lena_Fotografie@photo.example")
    assert _row(session).contact_id == people.lena
    posted = _post(challenge.phrase, account_id=LENA_ID, username=LENA_HANDLE)
    assert observe_challenge_posts(session, keyring, posted, at=T0) == 1


def test_expired_challenge_is_not_met_and_a_late_check_is_refused(
    session: Session, keyring: Keyring, people: People
) -> None:
    late = _start(session, keyring, LENA_HANDLE)
    posted = _post(late.phrase, account_id=LENA_ID, username=LENA_HANDLE)
    after = T0 + timedelta(minutes=30)
    assert observe_challenge_posts(session, keyring, posted, at=after) == 0
    assert _row(session).met_at is None
    with pytest.raises(ChallengeInvalid):
        redeem_handle_challenge(session, keyring, late.secret, at=after)


def test_met_challenge_must_be_used_before_it_expires(
    session: Session, keyring: Keyring, people: People
) -> None:
    challenge = _start(session, keyring, LENA_HANDLE)
    posted = _post(challenge.phrase, account_id=LENA_ID, username=LENA_HANDLE)
    assert observe_challenge_posts(session, keyring, posted, at=T0 + timedelta(minutes=29)) == 1
    with pytest.raises(ChallengeInvalid):
        redeem_handle_challenge(session, keyring, challenge.secret, at=T0 + timedelta(minutes=31))
    with pytest.raises(ChallengeInvalid):  # no secret, or a made-up one
        redeem_handle_challenge(session, keyring, "", at=T0)
    with pytest.raises(ChallengeInvalid):
        redeem_handle_challenge(session, keyring, "x" * 43, at=T0)


@pytest.mark.parametrize("handle", [LENA_HANDLE, "nobody_here"], ids=["on-file", "unknown"])
def test_three_challenges_per_handle_in_15_minutes(
    session: Session, keyring: Keyring, people: People, handle: str
) -> None:
    for minute in range(3):
        _start(session, keyring, handle, at=T0 + timedelta(minutes=minute))
    with pytest.raises(LoginThrottled) as refused:
        _start(session, keyring, "@" + handle.upper(), at=T0 + timedelta(minutes=5))
    assert refused.value.until == T0 + timedelta(minutes=20)
    _start(session, keyring, MAX_HANDLE, at=T0 + timedelta(minutes=5))  # another handle
    _start(session, keyring, handle, at=T0 + timedelta(minutes=5), channel="x")  # channel
    _start(session, keyring, handle, at=T0 + timedelta(minutes=16))  # window moved on


@pytest.mark.parametrize(
    ("channel", "handle"),
    [("email", LENA_HANDLE), ("crm", LENA_HANDLE), ("mastodon", "  "), ("mastodon", "a" * 201)],
    ids=["e-mail-is-no-handle-channel", "crm", "blank-handle", "too-long"],
)
def test_bad_input_is_refused_with_a_reason(
    session: Session, keyring: Keyring, channel: str, handle: str
) -> None:
    with pytest.raises(InvalidInput):
        _start(session, keyring, handle, channel=channel)
    assert session.scalars(select(PortalHandleChallengeRow)).all() == []


def test_erased_or_deleted_contacts_cannot_log_in(
    session: Session, keyring: Keyring, people: People
) -> None:
    challenge = _start(session, keyring, LENA_HANDLE)
    posted = _post(challenge.phrase, account_id=LENA_ID, username=LENA_HANDLE)
    assert observe_challenge_posts(session, keyring, posted, at=T0) == 1
    lena = session.get(ContactRow, people.lena)
    assert lena is not None
    lena.erased_at = T0
    session.flush()
    with pytest.raises(ChallengeInvalid):
        redeem_handle_challenge(session, keyring, challenge.secret, at=T0)
    again = _start(session, keyring, LENA_HANDLE)  # still answers, for nobody
    assert _challenge_row(session, again).contact_id is None
    session.execute(delete(ContactRow).where(ContactRow.id == people.lena))
    session.expire_all()
    with pytest.raises(NoResultFound):  # ON DELETE CASCADE took it with the contact
        _challenge_row(session, challenge)


def _challenge_row(session: Session, challenge: HandleChallenge) -> PortalHandleChallengeRow:
    return session.scalars(
        select(PortalHandleChallengeRow).where(
            PortalHandleChallengeRow.secret_sha256 == _sha(challenge.secret)
        )
    ).one()


# --- the ingestion pipeline reads the post ------------------------------------------------


@pytest.fixture
def rt(settings: Settings, migrated_db_url: str) -> Iterator[Runtime]:
    with runtime_for_tests(settings, migrated_db_url, clock=FrozenClock(T0)) as runtime:
        yield runtime


def test_ingestion_meets_the_challenge_and_still_judges_the_post(
    rt: Runtime, tmp_path: Path
) -> None:
    crm = tmp_path / "crm.csv"
    crm.write_text(
        CRM_HEADER
        + crm_row("K-1001", "lena.beispiel@example.com", mastodon=LENA_HANDLE, mastodon_id=LENA_ID),
        encoding="utf-8",
    )
    ingest_file(rt.factory, rt.pipeline_context(), crm, source_name="crm")
    with rt.session() as session:
        mine = _start(session, rt.keyring, LENA_HANDLE)
        theirs = _start(session, rt.keyring, "nobody_here")
    posts = write_jsonl(
        tmp_path / "posts.jsonl",
        [
            mastodon_status("1", "nur eine Frage zum Tele 70-200", mention_company=True),
            mastodon_status(
                "2", f"{theirs.phrase} von Lena", mention_company=True, visibility="direct"
            ),
            mastodon_status(
                "3", mine.phrase, account_id=MAX_ID, username=MAX_HANDLE, mention_company=True
            ),
            mastodon_status("4", f"Mein Code: {mine.phrase}", mention_company=True),
        ],
    )
    summary = ingest_file(rt.factory, rt.pipeline_context(), posts, source_name="masto")
    assert summary.quarantine_total == 0
    assert sum(summary.by_class.values()) == 4  # every post still went through the gate
    with rt.session() as session:
        assert redeem_handle_challenge(session, rt.keyring, mine.secret, at=T0).contact_id
        other = redeem_handle_challenge(session, rt.keyring, theirs.secret, at=T0)
        assert other.contact_id is None
        attempts = {
            r.secret_sha256: r.attempts for r in session.scalars(select(PortalHandleChallengeRow))
        }
    assert attempts[_sha(mine.secret)] == 1  # Max's copy of Lena's phrase
    assert attempts[_sha(theirs.secret)] == 1
