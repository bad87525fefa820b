"""Build a realistic stored state of N records and M contacts quickly, for
``bench_oversight.py``: bulk inserts through the project's own tables and repositories,
not through the pipeline (which would take hours at a million records).

What is built, all of it consistent with the shipped default policy:

* sources (Mastodon, X, the forum, the CRM export, web analytics, one scraper), the
  default policy as the stored active version, a DPO account;
* M contacts imported from the CRM: customer number, e-mail and (60 %) a Mastodon
  handle as identities (encrypted, blind-indexed), the import decision and audit entry,
  flags (employees, restrictions, objections) and consents (direct marketing, profiling,
  enrichment, web analytics; some withdrawn, expired or about to expire);
* interactions (80 % of N): posts by linked contacts and by pseudonymous authors, each
  decided by the real gate (``sphere.pipeline.gate``) with the policy in force — only
  what the gate stores is stored — with its decision-log row, encrypted text under the
  author's key, retention deadline and ``interaction.stored`` audit entry; ingestion
  times spread so that about one day's worth is past its retention deadline;
* events (12 %): web/mobile events of contacts with web-analytics consent;
* attributes (8 %): derived interests under profiling consent with provenance edges to
  the posts and the consent, plus some legal-obligation records;
* the Art. 14 notice duties the pipeline derives as posts arrive (``DutyKeeper``: per
  linked (contact, source) with a post under an informing rule, due a month after the
  first post; most sent) and the duty sync mark at the newest post;
* data-subject requests (1 % of contacts, some overdue),
  quarantined lines, anonymous aggregates, an approved measure and a draft campaign
  over every contact.

Every audit entry is hashed into the chain by ``sphere.audit.AuditBatch``, so the chain
verifies. Same (records, contacts, seed) → the same facts (ids and ciphertexts differ).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session, sessionmaker

from sphere.accounts import Role, create_staff_user, make_password_hasher
from sphere.audit import AuditBatch
from sphere.domain import (
    Addressing,
    Channel,
    Collection,
    ConsentState,
    DataCategory,
    Facts,
    IdentityKind,
    ObservationKind,
    Purpose,
    SpecialCategory,
    Visibility,
)
from sphere.domain.time import FrozenClock
from sphere.dsr.deadline import notice_deadline
from sphere.dsr.notice import LANGUAGES
from sphere.governance.policy_versions import apply_policy
from sphere.governance.sources import add_source
from sphere.pipeline.facts import AuthorState, build_facts, contact_import_facts, relationship_of
from sphere.pipeline.gate import gate
from sphere.policy import Policy, default_policy
from sphere.rights.notices import MARK, SOCIAL_CHANNELS, informing_rules
from sphere.storage.crypto import Keyring, pseudonym_subject
from sphere.storage.db import session_scope
from sphere.storage.entities import NewInteraction
from sphere.storage.marketing_tables import CampaignRow, MeasureRow
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.notice_duties import NoticeDutyRepository
from sphere.storage.rights_tables import DsrRequestRow, NoticeDutyRow
from sphere.storage.tables import (
    AggregateRow,
    AttributeRow,
    AttributeSourceRow,
    ConsentRow,
    ContactRow,
    EventRow,
    IdentityRow,
    QuarantineRow,
    new_id,
    new_ordered_id,
    new_public_id,
)

CHUNK = 5_000
ACTOR = "bench"
DPO_USER, DPO_PASSWORD = "bench-dpo", "bench password not for production"
MEASURE, CAMPAIGN = "bench newsletter", "bench spring"
SOURCES: tuple[tuple[str, str, str], ...] = (
    ("bench-mastodon", "mastodon", "official_api"),
    ("bench-x", "x", "official_api"),
    ("bench-forum", "forum", "export"),
    ("bench-crm", "crm", "export"),
    ("bench-web", "web", "official_api"),
    ("bench-scraper", "bluesky", "scraper"),
)
POST_SOURCES = (("bench-mastodon", Channel.MASTODON), ("bench-x", Channel.X))
TEXTS = (
    "@spherephoto my camera stopped focusing after the update, order {n} — can you help?",
    "Das neue Objektiv ist super, danke @spherephoto! #fotografie",
    "Anyone else having trouble with the charger? asked @kim_example too",
    "Lieferung {n} ist immer noch nicht da, bitte melden",
    "Great workshop yesterday, the tele lens is worth every cent",
    "Meine Kamera war zur Reparatur, lief alles gut. Nummer {n}",
)


@dataclass(slots=True)
class BuildStats:
    contacts: int = 0
    identities: int = 0
    consents: int = 0
    interactions: int = 0
    events: int = 0
    attributes: int = 0
    decisions: int = 0
    audit_entries: int = 0
    requests: int = 0
    notice_duties: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return self.interactions + self.events + self.attributes


@dataclass(frozen=True, slots=True)
class Person:
    """The generated facts of one contact (what the gate needs to decide its posts)."""

    id: str
    handle: str | None
    is_employee: bool
    restricted: bool
    objected_marketing: bool
    objected_profiling: bool
    consents: tuple[tuple[Purpose, ConsentState], ...]
    consent_ids: dict[Purpose, str]

    def author(self) -> AuthorState:
        return AuthorState(
            contact_id=self.id,
            is_customer=True,
            is_employee=self.is_employee,
            identity_verified=True,
            objected=self.objected_marketing or self.objected_profiling,
            restricted=self.restricted,
            consents=self.consents,
        )

    def consent(self, purpose: Purpose) -> ConsentState:
        return dict(self.consents).get(purpose, ConsentState.NONE)


def _chunks(total: int, size: int = CHUNK) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(total, start + size)


class StateBuilder:
    def __init__(
        self,
        factory: sessionmaker[Session],
        keyring: Keyring,
        *,
        records: int,
        contacts: int,
        now: datetime,
        seed: int = 12,
        progress: Callable[[str], None] = lambda _m: None,
    ) -> None:
        self.factory, self.keyring, self.now = factory, keyring, now
        self.records, self.contacts = records, contacts
        self.rng = random.Random(seed)
        self.policy: Policy = default_policy()
        self.stats = BuildStats()
        self.people: list[Person] = []
        self.say = progress
        self._gate_cache: dict[tuple[Any, ...], Any] = {}
        # Per (contact, source) of linked social posts, what the pipeline's Art. 14 duty
        # keeper derives: [first ingested, channel, stored under an informing rule,
        # (ingested, id) of the latest post with a language, that language].
        self._pairs: dict[tuple[str, str], list[Any]] = {}
        self._newest: datetime | None = None

    # -- the whole build -------------------------------------------------------------
    def build(self) -> BuildStats:
        import time

        for name, step in (
            ("setup", self._setup),
            ("contacts", self._contacts),
            ("interactions", self._interactions),
            ("events", self._events),
            ("attributes", self._attributes),
            ("requests", self._requests),
            ("extras", self._extras),
        ):
            started = time.perf_counter()
            step()
            self.stats.seconds[name] = round(time.perf_counter() - started, 1)
            self.say(f"built {name} in {self.stats.seconds[name]} s")
        return self.stats

    def _setup(self) -> None:
        with session_scope(self.factory) as session:
            for name, channel, collection in SOURCES:
                add_source(
                    session,
                    name,
                    channel=channel,
                    collection=collection,
                    actor=ACTOR,
                    at=self.now,
                )
            apply_policy(session, self.policy, actor=ACTOR, at=self.now)
            create_staff_user(
                session,
                DPO_USER,
                DPO_PASSWORD,
                role=Role.DPO,
                display_name="Bench DPO",
                hasher=make_password_hasher(fast=True),
                clock=FrozenClock(self.now),
            )

    # -- contacts --------------------------------------------------------------------
    def _person(self, index: int) -> tuple[Person, list[dict[str, Any]]]:
        rng, now = self.rng, self.now
        contact_id = new_id()
        consents: list[tuple[Purpose, ConsentState]] = []
        rows: list[dict[str, Any]] = []
        ids: dict[Purpose, str] = {}
        for purpose, share in (
            (Purpose.DIRECT_MARKETING, 0.40),
            (Purpose.PROFILING, 0.20),
            (Purpose.ENRICHMENT, 0.10),
            (Purpose.WEB_ANALYTICS, 0.15),
        ):
            if rng.random() >= share:
                continue
            given_at = now - timedelta(days=rng.randint(40, 700))
            expires = None
            roll = rng.random()
            if roll < 0.05:
                expires = now - timedelta(days=rng.randint(1, 30))  # lapsed
            elif roll < 0.08:
                expires = now + timedelta(days=rng.randint(1, 6))  # lapses within 7 days
            elif roll < 0.30:
                expires = now + timedelta(days=rng.randint(30, 700))
            consent_id = new_ordered_id()
            rows.append(
                self._consent_row(contact_id, purpose, "given", given_at, consent_id, expires)
            )
            state = ConsentState.GIVEN if expires is None or expires > now else ConsentState.NONE
            if rng.random() < 0.06:
                withdrawn_at = given_at + timedelta(days=rng.randint(1, 4))
                rows.append(
                    self._consent_row(
                        contact_id, purpose, "withdrawn", withdrawn_at, new_ordered_id(), None
                    )
                )
                state = ConsentState.WITHDRAWN
            elif state is ConsentState.GIVEN:
                ids[purpose] = consent_id
            consents.append((purpose, state))
        person = Person(
            id=contact_id,
            handle=f"user{index}@photo.example" if rng.random() < 0.6 else None,
            is_employee=rng.random() < 0.01,
            restricted=rng.random() < 0.005,
            objected_marketing=rng.random() < 0.02,
            objected_profiling=rng.random() < 0.01,
            consents=tuple(consents),
            consent_ids=ids,
        )
        return person, rows

    def _consent_row(
        self,
        contact_id: str,
        purpose: Purpose,
        action: str,
        at: datetime,
        consent_id: str,
        expires: datetime | None,
    ) -> dict[str, Any]:
        return {
            "id": consent_id,
            "contact_id": contact_id,
            "purpose": purpose.value,
            "action": action,
            "explicit": False,
            "notice_hash": None,
            "channel": Channel.CRM.value,
            "evidence": {"source": "bench-crm", "column": "newsletter"},
            "recorded_at": at,
            "expires_at": expires,
        }

    def _contacts(self) -> None:
        import_decision = self.policy.evaluate(contact_import_facts(Collection.EXPORT))
        keep = import_decision.retention or timedelta(days=1095)
        for start, end in _chunks(self.contacts):
            with session_scope(self.factory) as session:
                decisions = DecisionRepository(session)
                audit = AuditBatch(session)
                contact_rows, identity_rows, consent_rows, decision_rows = [], [], [], []
                for index in range(start, end):
                    person, consents = self._person(index)
                    self.people.append(person)
                    imported = self.now - timedelta(days=self.rng.randint(1, 900))
                    contact_rows.append(
                        {
                            "id": person.id,
                            "public_id": new_public_id(),
                            "created_at": imported,
                            "is_employee": person.is_employee,
                            "restricted": person.restricted,
                            "objected_marketing": person.objected_marketing,
                            "objected_profiling": person.objected_profiling,
                            "erased_at": None,
                            "retention_until": max(imported + keep, self.now + timedelta(days=30)),
                        }
                    )
                    method = "provided:bench-crm"
                    email_method = "purchase" if self.rng.random() < 0.3 else method
                    items = [
                        (IdentityKind.CUSTOMER_NUMBER, "", f"K-{100000 + index}", method),
                        (IdentityKind.EMAIL, "", f"person{index}@example.com", email_method),
                    ]
                    if person.handle:
                        items.append((IdentityKind.HANDLE, "mastodon", person.handle, method))
                    for kind, channel, value, how in items:
                        identity_rows.append(
                            {
                                "id": new_id(),
                                "contact_id": person.id,
                                "kind": kind.value,
                                "channel": channel,
                                "value_ciphertext": self.keyring.encrypt_for(
                                    session, person.id, value
                                ),
                                "key_id": person.id,
                                "blind_index": self.keyring.blind_index(kind, channel, value),
                                "verified": True,
                                "verification_method": how,
                                "created_at": imported,
                            }
                        )
                    logged, row = decisions.prepare(
                        import_decision,
                        record_type="contact",
                        record_ref=f"contact:{person.id}",
                        contact_id=person.id,
                        at=imported,
                    )
                    decision_rows.append(row)
                    audit.add(
                        actor=ACTOR,
                        action="contact.imported",
                        subject_id=person.id,
                        object_ids=(logged.id,),
                        purpose=import_decision.purpose,
                        legal_basis=import_decision.legal_basis,
                        details={"source": "bench-crm", "identities": len(items)},
                        at=imported,
                    )
                    for consent in consents:
                        consent_rows.append(consent)
                        audit.add(
                            actor=ACTOR,
                            action=f"consent.{consent['action']}",
                            subject_id=person.id,
                            object_ids=(consent["id"],),
                            purpose=consent["purpose"],
                            details={"channel": "crm"},
                            at=consent["recorded_at"],
                        )
                connection = session.connection()
                connection.execute(insert(ContactRow.__table__), contact_rows)
                connection.execute(insert(IdentityRow.__table__), identity_rows)
                if consent_rows:
                    connection.execute(insert(ConsentRow.__table__), consent_rows)
                decisions.insert_prepared(decision_rows)
                self.stats.audit_entries += len(audit.pending)
                audit.flush()
                self.stats.contacts += len(contact_rows)
                self.stats.identities += len(identity_rows)
                self.stats.consents += len(consent_rows)
                self.stats.decisions += len(decision_rows)

    # -- interactions ----------------------------------------------------------------
    def _decide(
        self,
        person: Person | None,
        visibility: Visibility,
        addressing: Addressing,
        special: bool,
        about: bool,
    ) -> Any:
        key = (person.author() if person else None, visibility, addressing, special, about)
        if key not in self._gate_cache:
            author = person.author() if person else AuthorState()

            def facts_for(purpose: Purpose) -> Facts:
                return build_facts(
                    visibility=visibility,
                    addressing=addressing,
                    author=author,
                    collection=Collection.OFFICIAL_API,
                    has_special_category=special,
                    is_about_company=about,
                    purpose=purpose,
                )

            self._gate_cache[key] = gate(
                facts_for, self.policy.evaluate, addressing=addressing, is_linked=author.is_linked
            )
        return self._gate_cache[key]

    def _draw_post(
        self, handled: list[Person]
    ) -> tuple[Person | None, Visibility, Addressing, bool, Any]:
        rng = self.rng
        while True:
            person = rng.choice(handled) if handled and rng.random() < 0.55 else None
            roll = rng.random()
            if roll < 0.55:
                visibility, addressing = Visibility.PUBLIC, Addressing.ADDRESSED
            elif roll < 0.70:
                visibility, addressing = Visibility.COMPANY_DIRECT, Addressing.DIRECT
            elif roll < 0.95:
                visibility, addressing = Visibility.PUBLIC, Addressing.PUBLIC_MENTION
            else:
                visibility, addressing = Visibility.RESTRICTED, Addressing.ADDRESSED
            special = rng.random() < 0.015
            result = self._decide(person, visibility, addressing, special, True)
            if result.disposition.stores_personal_data:
                return person, visibility, addressing, special, result

    def _interactions(self) -> None:
        total = int(self.records * 0.80)
        handled = [p for p in self.people if p.handle]
        pseudonyms = max(1, self.contacts // 2)
        informing = set(informing_rules(self.policy))
        serial = 0
        for start, end in _chunks(total):
            with session_scope(self.factory) as session:
                decisions = DecisionRepository(session)
                interactions = InteractionRepository(session, self.keyring)
                audit = AuditBatch(session)
                decision_rows, rows = [], []
                for _ in range(start, end):
                    serial += 1
                    person, visibility, addressing, special, result = self._draw_post(handled)
                    decision = result.decision
                    days = min(365, decision.retention.days if decision.retention else 365)
                    ingested = self.now - timedelta(
                        days=self.rng.uniform(0, days + 1), seconds=self.rng.randint(0, 3600)
                    )
                    source, channel = POST_SOURCES[serial % 2]
                    key_subject = None
                    if person is None:
                        blind = self.keyring.blind_index(
                            IdentityKind.HANDLE, channel.value, f"anon{serial % pseudonyms}"
                        )
                        key_subject = pseudonym_subject(blind)
                    logged, decision_row = decisions.prepare(
                        decision,
                        record_type="interaction",
                        record_ref=f"{channel.value}:bench-{serial}",
                        contact_id=person.id if person else None,
                        at=ingested,
                    )
                    row = interactions.prepare(
                        NewInteraction(
                            source_name=source,
                            channel=channel,
                            source_id=f"bench-{serial}",
                            kind=ObservationKind.POST
                            if addressing is not Addressing.DIRECT
                            else ObservationKind.MESSAGE,
                            created_at=ingested - timedelta(minutes=5),
                            visibility=visibility,
                            addressing=addressing,
                            text=self.rng.choice(TEXTS).format(n=serial),
                            contact_id=person.id if person else None,
                            key_subject=key_subject,
                            language="de" if serial % 3 else "en",
                            special_categories=frozenset({SpecialCategory.HEALTH})
                            if special
                            else frozenset(),
                            decision_id=logged.id,
                            retention_until=ingested + decision.retention
                            if decision.retention
                            else None,
                        ),
                        at=ingested,
                    )
                    row["batch_observed"] = True  # its duty is written below, as the keeper's
                    decision_rows.append(decision_row)
                    rows.append(row)
                    self._note_pair(row, informs=decision.rule_id in informing)
                    audit.add(
                        actor="pipeline",
                        action="interaction.stored",
                        subject_id=person.id if person else key_subject,
                        object_ids=(str(row["id"]), logged.id),
                        purpose=decision.purpose,
                        legal_basis=decision.legal_basis,
                        details={
                            "addressing": addressing.value,
                            "rule": decision.rule_id,
                            "outcome": decision.outcome.value,
                        },
                        at=ingested,
                    )
                decisions.insert_prepared(decision_rows)
                interactions.insert_prepared(rows)
                self.stats.audit_entries += len(audit.pending)
                audit.flush()
                self.stats.interactions += len(rows)
                self.stats.decisions += len(decision_rows)
            if (start // CHUNK) % 20 == 0:
                self.say(f"  interactions {end:,}/{total:,}")

    def _note_pair(self, row: dict[str, Any], *, informs: bool) -> None:
        """What a stored post adds to its (contact, source) pair's Art. 14 duty."""
        at = row["ingested_at"]
        self._newest = at if self._newest is None else max(self._newest, at)
        contact_id, channel = row["contact_id"], str(row["channel"])
        if contact_id is None or channel not in {c.value for c in SOCIAL_CHANNELS}:
            return
        key = (str(contact_id), str(row["source_name"]))
        pair = self._pairs.get(key)
        latest = (at, str(row["id"]))
        if pair is None:
            self._pairs[key] = [at, channel, informs, latest, row["language"]]
            return
        pair[0], pair[1], pair[2] = min(pair[0], at), min(pair[1], channel), pair[2] or informs
        if row["language"] is not None and (pair[4] is None or latest > pair[3]):
            pair[3], pair[4] = latest, row["language"]

    def _duty_rows(self) -> list[dict[str, Any]]:
        """The Art. 14 duties the pipeline derives as the posts arrive (``DutyKeeper``),
        what ``sync_duties`` would create from scratch; about 70 % of those obtained more
        than three days ago were sent."""
        duties = []
        for (contact_id, source_name), pair in sorted(self._pairs.items()):
            first, channel, informs, _latest, language = pair
            if not informs:
                continue
            sent = first + timedelta(days=3)
            duties.append(
                {
                    "id": new_id(),
                    "contact_id": contact_id,
                    "source_name": source_name,
                    "channel": channel,
                    "obtained_at": first,
                    "due_at": notice_deadline(first).due_at,
                    "sent_at": sent if sent < self.now and self.rng.random() < 0.7 else None,
                    "language": language if language in LANGUAGES else "de",
                    "notice_sha256": None,
                }
            )
        return duties

    # -- events ----------------------------------------------------------------------
    def _events(self) -> None:
        total = int(self.records * 0.12)
        consenting = [
            p for p in self.people if p.consent(Purpose.WEB_ANALYTICS) is ConsentState.GIVEN
        ]
        if not consenting:
            return
        cache: dict[Any, Any] = {}
        serial = 0
        for start, end in _chunks(total):
            with session_scope(self.factory) as session:
                decisions = DecisionRepository(session)
                audit = AuditBatch(session)
                decision_rows, rows = [], []
                for _ in range(start, end):
                    serial += 1
                    person = self.rng.choice(consenting)
                    author = person.author()
                    if author not in cache:
                        cache[author] = self.policy.evaluate(
                            Facts(
                                purpose=Purpose.WEB_ANALYTICS,
                                visibility=Visibility.COMPANY_DIRECT,
                                addressing=Addressing.NOT_APPLICABLE,
                                relationship=relationship_of(author),
                                data_category=DataCategory.BEHAVIOURAL,
                                collection=Collection.OFFICIAL_API,
                                consent=ConsentState.GIVEN,
                                objection=author.objected,
                            )
                        )
                    decision = cache[author]
                    if not decision.permits_storage:
                        continue
                    ingested = self.now - timedelta(days=self.rng.uniform(0, 300))
                    logged, decision_row = decisions.prepare(
                        decision,
                        record_type="event",
                        record_ref=f"web:ev-{serial}",
                        contact_id=person.id,
                        at=ingested,
                    )
                    event_id = new_id()
                    payload = json.dumps(
                        {"event_type": "page_view", "url": f"https://shop.example/p/{serial}"}
                    )
                    rows.append(
                        {
                            "id": event_id,
                            "contact_id": person.id,
                            "channel": "web",
                            "source_id": f"ev-{serial}",
                            "kind": "page_view",
                            "payload_ciphertext": self.keyring.encrypt_for(
                                session, person.id, payload
                            ),
                            "key_id": person.id,
                            "occurred_at": ingested - timedelta(seconds=30),
                            "ingested_at": ingested,
                            "decision_id": logged.id,
                            "retention_until": ingested + decision.retention
                            if decision.retention
                            else None,
                        }
                    )
                    decision_rows.append(decision_row)
                    audit.add(
                        actor="pipeline",
                        action="event.stored",
                        subject_id=person.id,
                        object_ids=(event_id, logged.id),
                        purpose=decision.purpose,
                        legal_basis=decision.legal_basis,
                        details={"rule": decision.rule_id},
                        at=ingested,
                    )
                decisions.insert_prepared(decision_rows)
                if rows:
                    session.connection().execute(insert(EventRow.__table__), rows)
                self.stats.audit_entries += len(audit.pending)
                audit.flush()
                self.stats.events += len(rows)
                self.stats.decisions += len(decision_rows)

    # -- attributes ------------------------------------------------------------------
    def _attributes(self) -> None:
        total = int(self.records * 0.08)
        profiled = [p for p in self.people if Purpose.PROFILING in p.consent_ids]
        if not profiled:
            return
        with session_scope(self.factory) as session:
            posts: dict[str, list[str]] = {}
            for interaction_id, contact_id in session.execute(
                text("SELECT id, contact_id FROM interactions WHERE contact_id IS NOT NULL")
            ):
                posts.setdefault(contact_id, []).append(interaction_id)
        interests = ("photography", "tele lenses", "workshops", "video", "travel")
        for start, end in _chunks(total):
            with session_scope(self.factory) as session:
                audit = AuditBatch(session)
                rows, edges = [], []
                for _ in range(start, end):
                    person = self.rng.choice(profiled)
                    created = self.now - timedelta(days=self.rng.uniform(0, 300))
                    attribute_id = new_id()
                    legal = self.rng.random() < 0.02
                    purpose = Purpose.LEGAL_OBLIGATION if legal else Purpose.PROFILING
                    consent_id = None if legal else person.consent_ids[Purpose.PROFILING]
                    value = f"invoice {start}" if legal else self.rng.choice(interests)
                    rows.append(
                        {
                            "id": attribute_id,
                            "contact_id": person.id,
                            "kind": "provided" if legal else "derived",
                            "name": "invoice" if legal else "interest",
                            "value_ciphertext": self.keyring.encrypt_for(session, person.id, value),
                            "key_id": person.id,
                            "purpose": purpose.value,
                            "legal_basis": "art6_1_c" if legal else "art6_1_a",
                            "consent_id": consent_id,
                            "policy_version": self.policy.version,
                            "rule_id": "legal-obligation.retention"
                            if legal
                            else "profiling.with-consent",
                            "explanation": "" if legal else "derived from posts about the topic",
                            "special_categories": [],
                            "retention_until": created + timedelta(days=3650 if legal else 365),
                            "created_at": created,
                        }
                    )
                    if consent_id:
                        edges.append(
                            {
                                "attribute_id": attribute_id,
                                "source_type": "consent",
                                "source_id": consent_id,
                            }
                        )
                    for source in self.rng.sample(
                        posts.get(person.id, []), k=min(2, len(posts.get(person.id, [])))
                    ):
                        edges.append(
                            {
                                "attribute_id": attribute_id,
                                "source_type": "interaction",
                                "source_id": source,
                            }
                        )
                    audit.add(
                        actor="marketing",
                        action="attribute.derived",
                        subject_id=person.id,
                        object_ids=(attribute_id,),
                        purpose=purpose,
                        details={"name": "interest"},
                        at=created,
                    )
                connection = session.connection()
                connection.execute(insert(AttributeRow.__table__), rows)
                if edges:
                    connection.execute(insert(AttributeSourceRow.__table__), edges)
                self.stats.audit_entries += len(audit.pending)
                audit.flush()
                self.stats.attributes += len(rows)

    # -- requests, duties and the rest ---------------------------------------------
    def _requests(self) -> None:
        count = max(20, self.contacts // 100)
        kinds = ("access", "erasure", "objection", "rectification", "restriction", "portability")
        states = ("received", "identity_verified", "in_progress", "completed", "rejected")
        with session_scope(self.factory) as session:
            rows = []
            for index in range(count):
                person = self.people[(index * 7919) % len(self.people)]
                received = self.now - timedelta(days=self.rng.uniform(0, 60))
                state = states[index % len(states)]
                rows.append(
                    {
                        "id": new_id(),
                        "contact_id": person.id,
                        "type": kinds[index % len(kinds)],
                        "state": state,
                        "channel": "email",
                        "received_at": received,
                        "due_at": received + timedelta(days=30),
                        "verified_at": received + timedelta(days=1)
                        if state != "received"
                        else None,
                        "verification_method": "email_code" if state != "received" else None,
                        "completed_at": received + timedelta(days=10)
                        if state == "completed"
                        else None,
                        "rejected_reason": "identity not confirmed"
                        if state == "rejected"
                        else None,
                        "result": {},
                        "opened_by": "dpo:bench",
                    }
                )
            session.connection().execute(insert(DsrRequestRow.__table__), rows)
            self.stats.requests = len(rows)

    def _extras(self) -> None:
        with session_scope(self.factory) as session:
            connection = session.connection()
            # Art. 14 duties as the pipeline keeps them, and the sync mark it moves on.
            duties = self._duty_rows()
            for start in range(0, len(duties), CHUNK):
                connection.execute(insert(NoticeDutyRow.__table__), duties[start : start + CHUNK])
            if self._newest is not None:
                NoticeDutyRepository(session).set_mark(MARK, self._newest)
            self.stats.notice_duties = len(duties)
            quarantine = []
            for index in range(200):
                key_id = f"record:{new_id()}"
                quarantine.append(
                    {
                        "id": new_id(),
                        "source_name": "bench-mastodon",
                        "file": "mastodon.jsonl",
                        "line": index + 1,
                        "reason": "bad JSON at column 12",
                        "payload_ciphertext": self.keyring.encrypt_for(
                            session, key_id, '{"broken": true'
                        ),
                        "key_id": key_id,
                        "created_at": self.now - timedelta(days=index % 40),
                        "retention_until": self.now + timedelta(days=30 - index % 40),
                    }
                )
            connection.execute(insert(QuarantineRow.__table__), quarantine)
            aggregates = []
            for day in range(365):
                for channel in ("mastodon", "x"):
                    for outcome in ("anonymise", "deny"):
                        aggregates.append(
                            {
                                "id": new_id(),
                                "day": (self.now - timedelta(days=day)).date(),
                                "channel": channel,
                                "addressing": "public_mention",
                                "outcome": outcome,
                                "topic": "company",
                                "count": self.rng.randint(10, 400),
                            }
                        )
            connection.execute(insert(AggregateRow.__table__), aggregates)
            measure_id = new_id()
            connection.execute(
                insert(MeasureRow.__table__),
                {
                    "id": measure_id,
                    "name": MEASURE,
                    "kind": "campaign",
                    "purpose": "direct_marketing",
                    "channel": "email",
                    "data_items": [
                        {
                            "category": "contact_data",
                            "collection": "export",
                            "label": "e-mail address",
                        }
                    ],
                    "audience": {},
                    "flags": {},
                    "state": "approved",
                    "verdict": "can_run_for_subset",
                    "eligible": 0,
                    "total": 0,
                    "check_result": {},
                    "policy_version": self.policy.version,
                    "submitted_by": "marketer:bench",
                    "submitted_at": self.now - timedelta(days=3),
                    "dpo_decision": "approved",
                    "dpo_reason": "consent-based newsletter",
                    "dpo_actor": "dpo:bench",
                    "decided_at": self.now - timedelta(days=2),
                    "created_at": self.now - timedelta(days=3),
                },
            )
            connection.execute(
                insert(CampaignRow.__table__),
                {
                    "id": new_id(),
                    "name": CAMPAIGN,
                    "measure_id": measure_id,
                    "segment_id": None,
                    "offer": {"subject": "Spring offer", "body": "20 % off tele lenses"},
                    "channel": "email",
                    "max_sends": 3,
                    "cap_window_days": 7,
                    "quiet_start": "20:00",
                    "quiet_end": "08:00",
                    "state": "draft",
                    "refusal": {},
                    "dry_run_audience": [],
                    "created_by": "marketer:bench",
                    "created_at": self.now - timedelta(days=1),
                },
            )


def measure_spec() -> dict[str, Any]:
    """The planning check's measure: a consent-based newsletter to every contact."""
    return {
        "name": "bench planning check",
        "kind": "campaign",
        "purpose": "direct_marketing",
        "channel": "email",
        "data_items": [{"category": "contact_data", "collection": "export", "label": "e-mail"}],
        "audience": {},
    }
