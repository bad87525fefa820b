"""The DSR workflow, deadlines with a frozen clock, identity verification and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sphere.audit import latest
from sphere.channels.mastodon import MastodonAdapter
from sphere.domain import Channel, IdentityKind
from sphere.dsr.deadline import ExtensionNotAllowed
from sphere.rights.consents import grant_consent
from sphere.rights.refusal import Refused
from sphere.rights.requests import (
    RequestState,
    RequestType,
    complete_request,
    extend_request,
    list_requests,
    open_request,
    reject_request,
    require_ready,
)
from sphere.rights.verification import (
    confirm_email_code,
    confirm_social_challenge,
    start_email_verification,
    start_social_challenge,
)
from sphere.storage.repositories.contacts import ContactRepository
from tests.factories import mastodon_status
from tests.integration.rights.scenario import EMAIL, HANDLE, channel_handle, seed_customer


def _refused(rt, fn, code: str) -> None:  # noqa: ANN001
    """Run ``fn(session)``; it must be refused with ``code`` and the refusal is audited."""
    with rt.session() as session:
        with pytest.raises(Refused) as info:
            fn(session)
        assert info.value.code == code
    with rt.session() as session:
        entry = latest(session, limit=1)[0]
        assert entry.action in ("dsr.refused", "consent.refused")
        assert entry.details["reason"] == code


def _open(rt, subject: str = EMAIL, kind: RequestType = RequestType.ACCESS):  # noqa: ANN001, ANN202
    with rt.session() as session:
        return open_request(session, rt.keyring, subject, kind, at=rt.clock.now(), actor="dpo")


def test_deadline_is_one_month_extendable_by_two_and_overdue_is_visible(rt, tmp_path) -> None:
    seed_customer(rt, tmp_path)
    rt.clock.current = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
    request = _open(rt)
    assert request.state == RequestState.RECEIVED
    assert request.due_at.date().isoformat() == "2026-02-28"
    with rt.session() as session:
        with pytest.raises(ExtensionNotAllowed):
            extend_request(session, request.id, "  ", at=rt.clock.now(), actor="dpo")
        extended = extend_request(
            session, request.id, "many records across channels", at=rt.clock.now(), actor="dpo"
        )
    assert extended.due_at.date().isoformat() == "2026-04-28"
    assert extended.extension_reason == "many records across channels"
    rt.clock.current = datetime(2026, 4, 29, 9, 0, tzinfo=UTC)
    with rt.session() as session:
        overdue = list_requests(session, now=rt.clock.now(), overdue_only=True)
    assert [v.request.id for v in overdue] == [request.id]
    assert overdue[0].to_dict()["overdue"] is True


def test_email_code_verifies_once_and_refuses_replay_expiry_and_guessing(rt, tmp_path) -> None:
    seed_customer(rt, tmp_path)
    request = _open(rt, channel_handle())
    with rt.session() as session:
        challenge, address = start_email_verification(
            session, rt.keyring, request.id, at=rt.clock.now(), actor="dpo"
        )
    assert address == EMAIL and len(challenge.secret) == 8
    _refused(
        rt,
        lambda s: require_ready(s, request.id, (RequestType.ACCESS,), at=rt.clock.now(), actor="x"),
        "not_verified",
    )
    wrong = "00000000" if challenge.secret != "00000000" else "11111111"
    _refused(
        rt,
        lambda s: confirm_email_code(s, request.id, wrong, at=rt.clock.now(), actor="x"),
        "wrong_code",
    )
    with rt.session() as session:
        verified = confirm_email_code(
            session, request.id, challenge.secret, at=rt.clock.now(), actor="subject"
        )
    assert verified.state == RequestState.IDENTITY_VERIFIED
    _refused(
        rt,
        lambda s: confirm_email_code(s, request.id, challenge.secret, at=rt.clock.now(), actor="x"),
        "replayed_code",
    )
    with rt.session() as session:
        started = require_ready(
            session, request.id, (RequestType.ACCESS,), at=rt.clock.now(), actor="dpo"
        )
        assert started.state == RequestState.IN_PROGRESS
        done = complete_request(session, request.id, at=rt.clock.now(), actor="dpo")
    assert done.state == RequestState.COMPLETED and done.completed_at == rt.clock.now()

    # expiry and attempt limits on a second request
    second = _open(rt)
    with rt.session() as session:
        code, _ = start_email_verification(
            session, rt.keyring, second.id, at=rt.clock.now(), actor="dpo"
        )
    rt.clock.advance(timedelta(hours=1))
    _refused(
        rt,
        lambda s: confirm_email_code(s, second.id, code.secret, at=rt.clock.now(), actor="x"),
        "expired_code",
    )
    with rt.session() as session:
        code, _ = start_email_verification(
            session, rt.keyring, second.id, at=rt.clock.now(), actor="dpo"
        )
    bad = "99999999" if code.secret != "99999999" else "88888888"
    for _ in range(5):
        _refused(
            rt,
            lambda s: confirm_email_code(s, second.id, bad, at=rt.clock.now(), actor="x"),
            "wrong_code",
        )
    _refused(
        rt,
        lambda s: confirm_email_code(s, second.id, code.secret, at=rt.clock.now(), actor="x"),
        "too_many_attempts",
    )
    with rt.session() as session:
        rejected = reject_request(
            session,
            second.id,
            "identity not verified",
            at=rt.clock.now(),
            actor="dpo",
            code="identity_not_verified",
        )
    assert rejected.state == RequestState.REJECTED
    assert rejected.rejected_reason == "identity not verified"


def test_social_challenge_is_read_back_through_the_channel_adapter(rt, tmp_path) -> None:
    seed_customer(rt, tmp_path)
    request = _open(rt, channel_handle(), RequestType.ERASURE)
    with rt.session() as session:
        challenge = start_social_challenge(
            session, rt.keyring, request.id, Channel.MASTODON, at=rt.clock.now(), actor="dpo"
        )
    adapter = MastodonAdapter()
    impostor = adapter.parse(
        mastodon_status("90", f"hi {challenge.secret}", account_id="777", username="not_lena"),
        ref="t:1",
    )[0]
    _refused(
        rt,
        lambda s: confirm_social_challenge(
            s, rt.keyring, request.id, impostor, at=rt.clock.now(), actor="x"
        ),
        "wrong_account",
    )
    no_phrase = adapter.parse(mastodon_status("91", "just a photo"), ref="t:2")[0]
    _refused(
        rt,
        lambda s: confirm_social_challenge(
            s, rt.keyring, request.id, no_phrase, at=rt.clock.now(), actor="x"
        ),
        "wrong_code",
    )
    post = adapter.parse(
        mastodon_status("92", f"Verifizierung: {challenge.secret} <b>danke</b>"), ref="t:3"
    )[0]
    with rt.session() as session:
        verified = confirm_social_challenge(
            session, rt.keyring, request.id, post, at=rt.clock.now(), actor="subject"
        )
    assert verified.state == RequestState.IDENTITY_VERIFIED
    assert verified.verification_method == "social_challenge"


def test_bad_input_is_refused_audited_and_discloses_nothing(rt, tmp_path) -> None:
    customer = seed_customer(rt, tmp_path)
    with rt.session() as session:  # another person uses the same handle on X
        contacts = ContactRepository(session, rt.keyring)
        other = contacts.create(at=rt.clock.now())
        contacts.add_identity(other.id, IdentityKind.HANDLE, HANDLE, channel=Channel.X)
        contacts.add_identity(other.id, IdentityKind.EMAIL, "kim.anders@example.net")

    def opener(subject: str, requester: str | None = None):  # noqa: ANN202
        return lambda s: open_request(
            s,
            rt.keyring,
            subject,
            RequestType.ACCESS,
            at=rt.clock.now(),
            actor="dpo",
            requester=requester,
        )

    _refused(rt, opener("nobody@example.net"), "unknown_subject")
    _refused(rt, opener(HANDLE), "ambiguous_identifier")
    _refused(rt, opener(EMAIL, requester="kim.anders@example.net"), "not_own_data")
    _refused(
        rt,
        lambda s: grant_consent(
            s,
            rt.policy(),
            customer.contact_id,
            "mind_reading",
            channel="portal",
            at=rt.clock.now(),
            actor="x",
        ),
        "unknown_purpose",
    )
    with rt.session() as session, pytest.raises(Refused) as info:
        opener("nobody@example.net")(session)
    assert "nobody" not in str(info.value) and HANDLE not in str(info.value)
    request = _open(rt)
    _refused(
        rt,
        lambda s: start_email_verification(
            s, rt.keyring, request.id, at=rt.clock.now(), actor="x", email="kim.anders@example.net"
        ),
        "no_email_on_file",
    )
