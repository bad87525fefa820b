"""Consent and privacy signals as policy facts."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.consent.gpc import objected_purposes, read_privacy_signals
from sphere.consent.state import current_states
from sphere.consent.tcf import decode_tc_string, tcf_consent_for
from sphere.domain import Clock, ConsentState, Purpose
from sphere.domain.consent import ConsentRecord
from sphere.errors import InvalidInput
from sphere.storage.repositories.consents import ConsentRepository


@dataclass(frozen=True, slots=True)
class LedgerView:
    """A contact's consent states at ``as_of`` and the ledger they come from (so the
    gate can ask for consent that covers a particular source and category)."""

    pairs: tuple[tuple[Purpose, ConsentState], ...]
    records: tuple[ConsentRecord, ...]
    as_of: datetime


ConsentLookup = Callable[[str], LedgerView]
ConsentsLookup = Callable[[Collection[str]], dict[str, LedgerView]]


def _view(records: list[ConsentRecord], now: datetime) -> LedgerView:
    pairs = tuple((p, s.state) for p, s in current_states(records, now=now).items())
    return LedgerView(pairs, tuple(records), now)


def consent_lookup(session: Session, clock: Clock) -> ConsentLookup:
    def lookup(contact_id: str) -> LedgerView:
        return _view(ConsentRepository(session).for_contact(contact_id), clock.now())

    return lookup


def consents_lookup(session: Session, clock: Clock) -> ConsentsLookup:
    """:func:`consent_lookup` for the contacts of a whole batch (one ledger read)."""

    def lookup(contact_ids: Collection[str]) -> dict[str, LedgerView]:
        now = clock.now()
        ledgers = ConsentRepository(session).for_contacts(contact_ids)
        return {cid: _view(records, now) for cid, records in ledgers.items()}

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
