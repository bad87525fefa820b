"""Consent and privacy signals as policy facts."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlalchemy.orm import Session

from sphere.consent.gpc import objected_purposes, read_privacy_signals
from sphere.consent.ledger import state_pairs, state_pairs_many
from sphere.consent.tcf import decode_tc_string, tcf_consent_for
from sphere.domain import Clock, ConsentState, Purpose
from sphere.errors import InvalidInput

ConsentLookup = Callable[[str], tuple[tuple[Purpose, ConsentState], ...]]


ConsentsLookup = Callable[[Collection[str]], dict[str, tuple[tuple[Purpose, ConsentState], ...]]]


def consent_lookup(session: Session, clock: Clock) -> ConsentLookup:
    def lookup(contact_id: str) -> tuple[tuple[Purpose, ConsentState], ...]:
        return state_pairs(session, contact_id, now=clock.now())

    return lookup


def consents_lookup(session: Session, clock: Clock) -> ConsentsLookup:
    """:func:`consent_lookup` for the contacts of a whole batch (one ledger read)."""

    def lookup(
        contact_ids: Collection[str],
    ) -> dict[str, tuple[tuple[Purpose, ConsentState], ...]]:
        return state_pairs_many(session, contact_ids, now=clock.now())

    return lookup


def event_consent(attributes: Mapping[str, Any], purpose: Purpose) -> tuple[ConsentState, bool]:
    """Consent state and objection for ``purpose`` from the signals sent with an event.

    GPC and a refused ATT prompt are objections (GDPR Art. 21(5)); a TCF string or the
    app's own consent flag can give consent for analytics.
    """
    signals = read_privacy_signals(attributes)
    objection = purpose in objected_purposes(signals)
    raw = attributes.get("signals") or {}
    state = ConsentState.NONE
    tcf = raw.get("tcf_string")
    if tcf:
        try:
            state = tcf_consent_for(decode_tc_string(tcf), purpose)
        except InvalidInput:
            state = ConsentState.NONE  # a malformed string grants nothing
    flag = raw.get("consent_analytics") if purpose is Purpose.WEB_ANALYTICS else None
    if flag is True:
        state = ConsentState.GIVEN
    elif flag is False:
        state = ConsentState.WITHDRAWN
    return state, objection
