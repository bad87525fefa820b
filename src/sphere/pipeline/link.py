"""Link an observation's author to a contact — only through a known identity.

A post is linked only when its author's account is an identity the contact provided
(CRM import, portal) or verified (challenge). No fuzzy matching here: matching by names,
photos or style is the separate purpose ``identity_matching``, consent-only and off.
People mentioned in a post are never looked up and never become contacts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sphere.domain import (
    Channel,
    IdentityKind,
    Observation,
    ObservationKind,
)
from sphere.pipeline.consents import ConsentLookup, ConsentsLookup, LedgerView
from sphere.pipeline.facts import UNLINKED, AuthorState
from sphere.storage.crypto import Keyring, pseudonym_subject
from sphere.storage.entities import Contact
from sphere.storage.repositories.contacts import ContactRepository

_KINDS = frozenset(kind.value for kind in IdentityKind)


@dataclass(frozen=True, slots=True)
class Link:
    author: AuthorState
    identity_id: str | None = None
    key_subject: str | None = None  # pseudonym subject for an unlinked author


class Linker:
    """Looks authors up by blind index; remembers contacts for the length of one batch
    (one transaction: the share locks and the reads hold exactly as long).

    :meth:`prefetch` reads what a whole batch needs in a few set-based statements — the
    authors' identities, the contacts behind them (share-locked), their identity kinds
    and consent states; anything not prefetched (or forgotten) is read on first use.
    """

    def __init__(
        self,
        contacts: ContactRepository,
        keyring: Keyring,
        consents: ConsentLookup,
        consents_many: ConsentsLookup | None = None,
    ) -> None:
        self.contacts, self.keyring, self.consents = contacts, keyring, consents
        self.consents_many = consents_many
        self._states: dict[str, AuthorState] = {}
        self._locked: dict[str, Contact] = {}
        self._found: dict[tuple[IdentityKind, Channel | None, str], tuple[str, str] | None] = {}
        self._pseudonyms: dict[tuple[Channel, str], str] = {}

    def prefetch(self, observations: Iterable[Observation]) -> None:
        """Read what linking ``observations`` will need, set-based (see class docstring)."""
        wanted: dict[tuple[IdentityKind, Channel | None], set[str]] = {}
        for obs in observations:
            if obs.author is not None:
                for value in (obs.author.channel_user_id, obs.author.handle):
                    if value:
                        wanted.setdefault((IdentityKind.HANDLE, obs.channel), set()).add(value)
            if obs.kind is not ObservationKind.EVENT:
                continue  # only events link through their identities (link_identities)
            for kind_value, value in (obs.attributes.get("identities") or {}).items():
                if isinstance(value, str) and kind_value in _KINDS:
                    wanted.setdefault((IdentityKind(kind_value), None), set()).add(value)
        for (kind, channel), values in wanted.items():
            missing = [v for v in values if (kind, channel, v) not in self._found]
            if not missing:
                continue
            found = self.contacts.lookup_identities(kind, missing, channel=channel)
            for value in missing:
                self._found[(kind, channel, value)] = found.get(value)
        contact_ids = {hit[1] for hit in self._found.values() if hit is not None}
        self._locked.update(
            self.contacts.get_many_for_processing(contact_ids - self._locked.keys())
        )
        living = [
            cid
            for cid in contact_ids
            if cid in self._locked and cid not in self._states and self._may_link(cid)
        ]
        if not living:
            return
        kinds = self.contacts.identity_kinds_many(living)
        consents = self.consents_many(living) if self.consents_many else {}
        for contact_id in living:
            self._states[contact_id] = self._author_state(
                contact_id,
                kinds[contact_id],
                consents[contact_id] if contact_id in consents else self.consents(contact_id),
            )

    def key_subject(self, obs: Observation) -> str | None:
        """The subject whose key a stored record of ``obs`` is encrypted under (for
        preloading keys; reads nothing that :meth:`prefetch` did not)."""
        if obs.author is None:
            return None
        link = self.link(obs)
        return link.author.contact_id or link.key_subject

    def link(self, obs: Observation) -> Link:
        if obs.author is None:
            return Link(UNLINKED)
        channel = obs.channel
        for value in (obs.author.channel_user_id, obs.author.handle):
            if not value:
                continue
            found = self._lookup(IdentityKind.HANDLE, value, channel)
            if found is not None:
                identity_id, contact_id = found
                if self._may_link(contact_id):
                    return Link(self._state(contact_id), identity_id=identity_id)
                break  # erased or restricted (Art. 17/18): treat as an unknown author
        account = obs.author.channel_user_id or obs.author.handle or ""
        subject = self._pseudonyms.get((channel, account))
        if subject is None:  # an HMAC per author and batch, not per post
            index = self.keyring.blind_index(IdentityKind.HANDLE, channel.value, account)
            subject = self._pseudonyms[(channel, account)] = pseudonym_subject(index)
        return Link(UNLINKED, key_subject=subject)

    def mark_minor(self, contact_id: str) -> AuthorState | None:
        """Remember that the contact was just flagged as a minor (later posts of the batch
        are judged with it); returns the updated author state."""
        state = self._states.get(contact_id)
        if state is not None:
            state = self._states[contact_id] = replace(state, minor=True)
        return state

    def link_identities(self, identities: dict[str, str]) -> Link:
        """Link an event through its cookie, device or customer-number identity."""
        for kind_value, value in identities.items():
            found = self._lookup(IdentityKind(kind_value), value, None)
            if found is not None:
                identity_id, contact_id = found
                if not self._may_link(contact_id):
                    return Link(UNLINKED)
                return Link(self._state(contact_id), identity_id=identity_id)
        return Link(UNLINKED)

    def _lookup(
        self, kind: IdentityKind, value: str, channel: Channel | None
    ) -> tuple[str, str] | None:
        """Identity lookups, remembered for the batch: the same authors post again."""
        key = (kind, channel, value)
        if key not in self._found:
            self._found[key] = self.contacts.lookup_identity(kind, value, channel=channel)
        return self._found[key]

    def _may_link(self, contact_id: str) -> bool:
        """Share-lock the contact and refuse erased (Art. 17) or restricted (Art. 18) ones.

        The lock lasts for the transaction (one batch), so the contact read under it is
        remembered and also feeds :meth:`_state`.
        """
        contact = self._locked.get(contact_id)
        if contact is None:
            contact = self._locked[contact_id] = self.contacts.get_for_processing(contact_id)
        return contact.erased_at is None and not contact.restricted

    def _state(self, contact_id: str) -> AuthorState:
        state = self._states.get(contact_id)
        if state is None:
            state = self._states[contact_id] = self._author_state(
                contact_id,
                self.contacts.identity_kinds(contact_id),
                self.consents(contact_id),
            )
        return state

    def _author_state(
        self,
        contact_id: str,
        kinds: set[IdentityKind],
        consents: LedgerView,
    ) -> AuthorState:
        contact = self._locked.get(contact_id) or self.contacts.get(contact_id)
        return AuthorState(
            contact_id=contact_id,
            is_customer=IdentityKind.CUSTOMER_NUMBER in kinds,
            is_employee=contact.is_employee,
            identity_verified=True,  # stored identities are provided or verified
            objected=contact.objected_marketing or contact.objected_profiling,
            restricted=contact.restricted,
            consents=consents.pairs,
            ledger=consents.records,
            as_of=consents.as_of,
            minor=contact.minor_since is not None,
        )
