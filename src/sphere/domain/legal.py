"""Purposes, legal bases and special categories: the vocabulary of GDPR Art. 6, 9 and 30.

Purpose values follow W3C DPV purpose terms (``dpv:`` IRIs in ``Purpose.dpv``) where
one exists, so the record of processing can be exported as DPV JSON-LD.
"""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    """Why personal data is processed. The policy declares which of these it allows."""

    CUSTOMER_CARE = "customer_care"  # answer a customer who addressed the company
    SERVICE_PROVISION = "service_provision"  # perform a contract (orders, warranty)
    ENRICHMENT = "enrichment"  # add facts to a contact record from social/behavioural data
    PROFILING = "profiling"  # scores, interests, segments about a person
    DIRECT_MARKETING = "direct_marketing"  # campaigns that reach a person
    PUBLIC_MONITORING = "public_monitoring"  # brand/social listening, aggregates only
    IDENTITY_MATCHING = "identity_matching"  # fuzzy matching of accounts to contacts
    HR_SCREENING = "hr_screening"  # screening employees' or applicants' posts
    LEGAL_OBLIGATION = "legal_obligation"  # retention required by law (HGB, AO)
    SECURITY = "security"  # fraud prevention, abuse handling
    WEB_ANALYTICS = "web_analytics"  # measuring web/app use

    @property
    def dpv(self) -> str:
        return _DPV_PURPOSE[self]


_DPV_PURPOSE: dict[Purpose, str] = {
    Purpose.CUSTOMER_CARE: "dpv:CustomerCare",
    Purpose.SERVICE_PROVISION: "dpv:ServiceProvision",
    # CRM enrichment for after-sales care; personalised advertising is ``profiling`` /
    # ``direct_marketing`` and needs consent (CJEU C-252/21).
    Purpose.ENRICHMENT: "dpv:CustomerRelationshipManagement",
    Purpose.PROFILING: "dpv:CreatePersonalizedRecommendations",
    Purpose.DIRECT_MARKETING: "dpv:DirectMarketing",
    Purpose.PUBLIC_MONITORING: "dpv:SocialMediaMarketing",
    Purpose.IDENTITY_MATCHING: "dpv:IdentityVerification",
    Purpose.HR_SCREENING: "dpv:HumanResourceManagement",
    Purpose.LEGAL_OBLIGATION: "dpv:LegalCompliance",
    Purpose.SECURITY: "dpv:FraudPreventionAndDetection",
    Purpose.WEB_ANALYTICS: "dpv:ServiceUsageAnalytics",
}


class LegalBasis(StrEnum):
    """GDPR Art. 6(1) a–f, and the Art. 9(2) exceptions the product needs."""

    CONSENT = "art6_1_a"
    CONTRACT = "art6_1_b"
    LEGAL_OBLIGATION = "art6_1_c"
    VITAL_INTERESTS = "art6_1_d"
    PUBLIC_TASK = "art6_1_e"
    LEGITIMATE_INTEREST = "art6_1_f"
    EXPLICIT_CONSENT = "art9_2_a"
    MANIFESTLY_PUBLIC = "art9_2_e"
    LEGAL_CLAIMS = "art9_2_f"

    @property
    def article(self) -> str:
        return _ARTICLE[self]


_ARTICLE: dict[LegalBasis, str] = {
    LegalBasis.CONSENT: "GDPR Art. 6(1)(a)",
    LegalBasis.CONTRACT: "GDPR Art. 6(1)(b)",
    LegalBasis.LEGAL_OBLIGATION: "GDPR Art. 6(1)(c)",
    LegalBasis.VITAL_INTERESTS: "GDPR Art. 6(1)(d)",
    LegalBasis.PUBLIC_TASK: "GDPR Art. 6(1)(e)",
    LegalBasis.LEGITIMATE_INTEREST: "GDPR Art. 6(1)(f)",
    LegalBasis.EXPLICIT_CONSENT: "GDPR Art. 9(2)(a)",
    LegalBasis.MANIFESTLY_PUBLIC: "GDPR Art. 9(2)(e)",
    LegalBasis.LEGAL_CLAIMS: "GDPR Art. 9(2)(f)",
}


class SpecialCategory(StrEnum):
    """GDPR Art. 9(1) special categories of personal data."""

    HEALTH = "health"
    RELIGION = "religion"
    POLITICS = "politics"
    TRADE_UNION = "trade_union"
    SEXUAL_ORIENTATION = "sexual_orientation"
    ETHNIC_ORIGIN = "ethnic_origin"
    BIOMETRIC = "biometric"
    GENETIC = "genetic"
