"""The finite fact space the policy decides over.

Every fact is an enum, so the policy can be compiled into a lookup table over all
combinations (see ``sphere.policy.compiler``). Adding a member widens the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sphere.domain.legal import Purpose


class Visibility(StrEnum):
    PUBLIC = "public"  # anyone can read it (Mastodon public/unlisted, a public tweet)
    RESTRICTED = "restricted"  # followers-only, closed group
    PRIVATE_MESSAGE = "private_message"  # a DM between people, not to the company
    COMPANY_PUBLIC = "company_public"  # on the company's own page, forum or timeline
    COMPANY_DIRECT = "company_direct"  # a direct message to a company account


class Addressing(StrEnum):
    """Did the author address the company? Decided by the addressing classifier."""

    DIRECT = "direct"  # private message to a company account
    ADDRESSED = "addressed"  # mentions/replies to the company, or posts on its page
    PUBLIC_MENTION = "public_mention"  # names the brand in public, does not address it
    PRIVATE_CONTEXT = "private_context"  # not public and not addressed to the company
    NOT_APPLICABLE = "not_applicable"  # events and imports that are not posts


class Relationship(StrEnum):
    VERIFIED_CUSTOMER = "verified_customer"  # linked through a provided/verified identity
    PROBABLE_CUSTOMER = "probable_customer"  # matched, but not through a verified identity
    PROSPECT = "prospect"  # not a customer, engaged with the company
    THIRD_PARTY = "third_party"  # someone mentioned in a post, not its author
    EMPLOYEE = "employee"
    UNKNOWN = "unknown"  # author not linked to any contact


class DataCategory(StrEnum):
    PRODUCT_CONTENT = "product_content"  # content about the company's products/services
    CONTACT_DATA = "contact_data"  # e-mail, phone, handle the person gave us
    PROFILE_ATTRIBUTE = "profile_attribute"  # bio, location, age from a social profile
    SPECIAL_CATEGORY = "special_category"  # GDPR Art. 9 data
    SOCIAL_GRAPH = "social_graph"  # followers, friends, who talks to whom
    BEHAVIOURAL = "behavioural"  # web and app events
    GENERAL_CONTENT = "general_content"  # post text not about the company


class Collection(StrEnum):
    OFFICIAL_API = "official_api"
    EXPORT = "export"
    MANUAL = "manual"
    SCRAPER = "scraper"


class ConsentState(StrEnum):
    NONE = "none"
    GIVEN = "given"  # Art. 6(1)(a) consent for the purpose
    EXPLICIT = "explicit"  # Art. 9(2)(a) explicit consent (covers special categories)
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class Facts:
    """What the policy needs to know to decide one processing of one datum."""

    purpose: Purpose
    visibility: Visibility = Visibility.PUBLIC
    addressing: Addressing = Addressing.NOT_APPLICABLE
    relationship: Relationship = Relationship.UNKNOWN
    data_category: DataCategory = DataCategory.GENERAL_CONTENT
    collection: Collection = Collection.OFFICIAL_API
    consent: ConsentState = ConsentState.NONE
    objection: bool = False
    provenance_recorded: bool = True
