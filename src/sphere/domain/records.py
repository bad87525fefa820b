"""Records that flow through the pipeline: what channels yield and what storage keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sphere.domain.facts import Visibility
from sphere.domain.legal import LegalBasis, Purpose


class Channel(StrEnum):
    MASTODON = "mastodon"
    X = "x"
    FACEBOOK = "facebook"
    BLUESKY = "bluesky"
    FORUM = "forum"  # the company's own forum (generic JSONL/CSV)
    CRM = "crm"  # contact import from the CRM
    WEB = "web"  # web analytics events
    MOBILE = "mobile"  # mobile app events
    EMAIL = "email"


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    HANDLE = "handle"  # a social account, scoped by channel
    COOKIE_ID = "cookie_id"
    DEVICE_ID = "device_id"
    ADVERTISING_ID = "advertising_id"
    CUSTOMER_NUMBER = "customer_number"


class ObservationKind(StrEnum):
    POST = "post"  # a public or restricted post
    COMMENT = "comment"
    MESSAGE = "message"  # a direct/private message
    EVENT = "event"  # web or mobile behaviour
    CONTACT = "contact"  # a CRM contact record
    DELETION = "deletion"  # the platform says: this record was deleted
    EDIT = "edit"  # a new version of an existing record


class AttributeKind(StrEnum):
    """GDPR Art. 15 distinguishes what the person gave, what we saw and what we inferred."""

    PROVIDED = "provided"
    OBSERVED = "observed"
    DERIVED = "derived"


@dataclass(frozen=True, slots=True)
class Author:
    """The account that wrote a post, as the channel describes it."""

    channel_user_id: str
    handle: str | None = None  # e.g. "anna@photo.social" or "anna_k"
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """One post, comment, message, event or contact, parsed from a channel payload.

    ``text`` is plain text: HTML reduced to text, entities decoded, control and
    zero-width characters handled at the adapter. ``mentions`` are channel user ids
    or handles the platform marked as mentions. ``raw_ref`` locates the record in its
    input (file and line) for quarantine and provenance; it holds no content.
    """

    channel: Channel
    kind: ObservationKind
    source_id: str  # unique per channel
    created_at: datetime  # timezone-aware UTC
    author: Author | None = None
    text: str = ""
    visibility: Visibility = Visibility.PUBLIC
    language: str | None = None
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    in_reply_to_id: str | None = None
    in_reply_to_user_id: str | None = None
    quoted_id: str | None = None
    conversation_id: str | None = None
    on_company_page: bool = False  # written on the company's own page/forum
    container_id: str | None = None  # page, group or forum the record was written on
    edited_at: datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)  # event/contact fields
    raw_ref: str = ""


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a stored or derived datum came from and what it relied on (invariant 2)."""

    purpose: Purpose
    legal_basis: LegalBasis
    policy_version: str
    rule_id: str
    source_record_ids: tuple[str, ...] = ()
    consent_record_id: str | None = None
