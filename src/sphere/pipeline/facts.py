"""Turn what the earlier stages learned about one observation into policy facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sphere.consent.state import current_state
from sphere.domain import (
    Addressing,
    Collection,
    ConsentState,
    DataCategory,
    Facts,
    Purpose,
    Relationship,
    Visibility,
)
from sphere.domain.consent import ConsentRecord, DataUse


@dataclass(frozen=True, slots=True)
class AuthorState:
    """What the CRM knows about a linked author; ``None`` fields mean not linked."""

    contact_id: str | None = None
    is_customer: bool = False
    is_employee: bool = False
    identity_verified: bool = False
    objected: bool = False
    restricted: bool = False
    consents: tuple[tuple[Purpose, ConsentState], ...] = ()
    # The ledger itself, read with the states at ``as_of``: asked for particular data
    # uses, only consents whose scope covers them count (Art. 4(11)).
    ledger: tuple[ConsentRecord, ...] = ()
    as_of: datetime | None = None
    minor: bool = False  # GDPR Art. 8: flagged as a minor (pipeline.minors)

    @property
    def is_linked(self) -> bool:
        return self.contact_id is not None

    def guardian_consent(self, purpose: Purpose) -> bool:
        """A valid consent for ``purpose`` given by a holder of parental responsibility."""
        if self.as_of is None:
            return False
        status = current_state(self.ledger, purpose, now=self.as_of)
        return status.is_valid and status.guardian

    def consent_for(self, purpose: Purpose, *, uses: tuple[DataUse, ...] = ()) -> ConsentState:
        if uses and self.as_of is not None:
            return current_state(self.ledger, purpose, now=self.as_of, uses=uses).state
        for p, state in self.consents:
            if p is purpose:
                return state
        return ConsentState.NONE


UNLINKED = AuthorState()


def relationship_of(author: AuthorState) -> Relationship:
    if not author.is_linked:
        return Relationship.UNKNOWN
    if author.is_employee:
        return Relationship.EMPLOYEE
    if author.is_customer:
        return (
            Relationship.VERIFIED_CUSTOMER
            if author.identity_verified
            else Relationship.PROBABLE_CUSTOMER
        )
    return Relationship.PROSPECT


def effective_visibility(
    visibility: Visibility, addressing: Addressing, *, on_company_page: bool
) -> Visibility:
    """A direct message to the company or a post on its page is a company channel."""
    if addressing is Addressing.DIRECT:
        return Visibility.COMPANY_DIRECT
    if on_company_page and visibility is Visibility.PUBLIC:
        return Visibility.COMPANY_PUBLIC
    return visibility


def build_facts(
    *,
    visibility: Visibility,
    addressing: Addressing,
    author: AuthorState,
    collection: Collection,
    has_special_category: bool,
    is_about_company: bool,
    on_company_page: bool = False,
    purpose: Purpose = Purpose.PUBLIC_MONITORING,
    source: str | None = None,
) -> Facts:
    """``source``: the channel the post came from; the consent asked for must cover
    this category of data from this source (Art. 4(11))."""
    if has_special_category:
        category = DataCategory.SPECIAL_CATEGORY
    elif is_about_company:
        category = DataCategory.PRODUCT_CONTENT
    else:
        category = DataCategory.GENERAL_CONTENT
    return Facts(
        purpose=purpose,
        visibility=effective_visibility(visibility, addressing, on_company_page=on_company_page),
        addressing=addressing,
        relationship=relationship_of(author),
        data_category=category,
        collection=collection,
        consent=author.consent_for(
            purpose, uses=(DataUse(category, source),) if source is not None else ()
        ),
        objection=author.objected,
        provenance_recorded=True,
    )


def contact_import_facts(collection: Collection) -> Facts:
    """The facts of importing a customer record from the system of record (the CRM):
    contact data of a verified customer, for service provision. The cockpit's what-if
    rebuilds stored imports from the same function."""
    return Facts(
        purpose=Purpose.SERVICE_PROVISION,
        visibility=Visibility.COMPANY_DIRECT,
        addressing=Addressing.NOT_APPLICABLE,
        relationship=Relationship.VERIFIED_CUSTOMER,
        data_category=DataCategory.CONTACT_DATA,
        collection=collection,
    )
