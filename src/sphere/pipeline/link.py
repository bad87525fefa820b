"""Link an observation's author to a contact — only through a known identity.

A post is linked only when its author's account is an identity the contact provided
(CRM import, portal) or verified (challenge). No fuzzy matching here: matching by names,
photos or style is the separate purpose ``identity_matching``, consent-only and off.
People mentioned in a post are never looked up and never become contacts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sphere.domain import ConsentState, IdentityKind, Observation, Purpose
from sphere.pipeline.facts import UNLINKED, AuthorState
from sphere.storage.crypto import Keyring, pseudonym_subject
from sphere.storage.repositories.contacts import ContactRepository

ConsentLookup = Callable[[str], tuple[tuple[Purpose, ConsentState], ...]]


@dataclass(frozen=True, slots=True)
class Link:
    author: AuthorState
    identity_id: str | None = None
    key_subject: str | None = None  # pseudonym subject for an unlinked author


class Linker:
    """Looks authors up by blind index; caches contacts for the length of one batch."""

    def __init__(
        self, contacts: ContactRepository, keyring: Keyring, consents: ConsentLookup
    ) -> None:
        self.contacts, self.keyring, self.consents = contacts, keyring, consents
        self._states: dict[str, AuthorState] = {}

    def link(self, obs: Observation) -> Link:
        if obs.author is None:
            return Link(UNLINKED)
        channel = obs.channel
        for value in (obs.author.channel_user_id, obs.author.handle):
            if not value:
                continue
            identity = self.contacts.find_identity(IdentityKind.HANDLE, value, channel=channel)
            if identity is not None:
                return Link(self._state(identity.contact_id), identity_id=identity.id)
        account = obs.author.channel_user_id or obs.author.handle or ""
        index = self.keyring.blind_index(IdentityKind.HANDLE, channel.value, account)
        return Link(UNLINKED, key_subject=pseudonym_subject(index))

    def link_identities(self, identities: dict[str, str]) -> Link:
        """Link an event through its cookie, device or customer-number identity."""
        for kind_value, value in identities.items():
            identity = self.contacts.find_identity(IdentityKind(kind_value), value)
            if identity is not None:
                return Link(self._state(identity.contact_id), identity_id=identity.id)
        return Link(UNLINKED)

    def _state(self, contact_id: str) -> AuthorState:
        state = self._states.get(contact_id)
        if state is None:
            contact = self.contacts.get(contact_id)
            kinds = {i.kind for i in self.contacts.identities(contact_id)}
            state = AuthorState(
                contact_id=contact_id,
                is_customer=IdentityKind.CUSTOMER_NUMBER in kinds,
                is_employee=contact.is_employee,
                identity_verified=True,  # stored identities are provided or verified
                objected=contact.objected_marketing or contact.objected_profiling,
                restricted=contact.restricted,
                consents=self.consents(contact_id),
            )
            self._states[contact_id] = state
        return state

    def forget(self, contact_id: str) -> None:
        self._states.pop(contact_id, None)
