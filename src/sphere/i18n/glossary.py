"""One glossary: the words for the product's fixed terms in every language.

Purposes, data categories, legal bases (the article cited the way each language cites
law: "Art. 6 Abs. 1 lit. a DSGVO" / "Art. 6(1)(a) GDPR"), request types and states, and
channels. Pages, e-mails, receipts, notices and the export all take their words from
here (``term(tr, "purpose", "enrichment")``; in templates ``{{ term("purpose", p) }}``),
so a term reads the same everywhere. An unknown key falls back to the key made readable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from sphere.i18n import N_, Translator

PURPOSES: Final[Mapping[str, str]] = {
    "customer_care": N_("Customer care"),
    "service_provision": N_("Providing our service"),
    "enrichment": N_("Customer record enrichment"),
    "profiling": N_("Profiling"),
    "direct_marketing": N_("Direct marketing"),
    "public_monitoring": N_("Social listening"),
    "identity_matching": N_("Identity matching"),
    "hr_screening": N_("HR screening"),
    "legal_obligation": N_("Legal obligations"),
    "security": N_("Security and fraud prevention"),
    "web_analytics": N_("Web analytics"),
    "provided": N_("Your contact details"),
}
# What each purpose means: the shipped policy's descriptions (default_policy.yaml), so a
# policy that keeps them reads in every language; see ``describe``.
PURPOSE_DESCRIPTIONS: Final[Mapping[str, str]] = {
    "customer_care": N_("Answer customers who address the company."),
    "service_provision": N_(
        "Perform a contract with a verified customer (orders, warranty, support)."
    ),
    "enrichment": N_("Add facts from social data to a customer record."),
    "profiling": N_("Interests, scores and segments about a person."),
    "direct_marketing": N_(
        "Campaigns that reach a person (e-mail needs consent under UWG section 7)."
    ),
    "public_monitoring": N_("Anonymous aggregates over public posts."),
    "identity_matching": N_("Fuzzy matching of social accounts to contacts (consent only)."),
    "hr_screening": N_("Screening posts of applicants and employees."),
    "legal_obligation": N_("Records the law requires (HGB section 257, AO section 147)."),
    "security": N_("Fraud prevention and abuse handling."),
    "web_analytics": N_("Measuring web and app use (TDDDG section 25 consent)."),
}
LEGAL_BASES: Final[Mapping[str, str]] = {
    "art6_1_a": N_("your consent"),
    "art6_1_b": N_("a contract with you"),
    "art6_1_c": N_("a legal obligation"),
    "art6_1_d": N_("vital interests"),
    "art6_1_e": N_("a task in the public interest"),
    "art6_1_f": N_("our legitimate interest"),
    "art9_2_a": N_("your explicit consent"),
    "art9_2_e": N_("data you made public"),
    "art9_2_f": N_("legal claims"),
}
REQUEST_TYPES: Final[Mapping[str, str]] = {
    "access": N_("Access to my data (Art. 15)"),
    "portability": N_("Copy of my data (Art. 20)"),
    "erasure": N_("Erase my data (Art. 17)"),
    "objection": N_("Object to marketing and profiling (Art. 21)"),
    "rectification": N_("Correct my data (Art. 16)"),
    "restriction": N_("Restrict processing (Art. 18)"),
}
# The same kinds as staff name them (the cockpit; the portal words them as the person asks).
REQUEST_KINDS: Final[Mapping[str, str]] = {
    "access": N_("Access (Art. 15)"),
    "portability": N_("Data portability (Art. 20)"),
    "erasure": N_("Erasure (Art. 17)"),
    "objection": N_("Objection (Art. 21)"),
    "rectification": N_("Rectification (Art. 16)"),
    "restriction": N_("Restriction of processing (Art. 18)"),
}
REQUEST_STATES: Final[Mapping[str, str]] = {
    "received": N_("received"),
    "identity_verified": N_("identity verified, being handled"),
    "in_progress": N_("in progress"),
    "completed": N_("completed"),
    "rejected": N_("rejected"),
}
CHANNELS: Final[Mapping[str, str]] = {
    "mastodon": "Mastodon",
    "x": "X",
    "bluesky": "Bluesky",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "forum": N_("Our forum"),
    "email": N_("E-mail"),
    "crm": N_("Customer database"),
    "web": N_("Website"),
    "mobile": N_("App"),
}
DATA_CATEGORIES: Final[Mapping[str, str]] = {
    "product_content": N_("content about our products"),
    "contact_data": N_("contact details"),
    "profile_attribute": N_("profile details"),
    "special_category": N_("special categories of personal data"),
    "social_graph": N_("social connections"),
    "behavioural": N_("use of website and app"),
    "general_content": N_("other content of posts"),
}
# Art. 30(1)(c) and (d): the record's default categories of people and of recipients
# (``sphere.cockpit.record``), keyed by their English words.
SUBJECT_CATEGORIES: Final[Mapping[str, str]] = {
    text: text
    for text in (
        N_("customers"),
        N_("social media users who address the company"),
        N_("customers who consented"),
        N_("prospects who consented"),
        N_("social media users (anonymous aggregates only)"),
        N_("employees"),
        N_("applicants"),
        N_("website and app users"),
        N_("website and app users who consented"),
    )
}
RECIPIENTS: Final[Mapping[str, str]] = {
    text: text
    for text in (
        N_("customer service team"),
        N_("sales and service teams"),
        N_("sales and marketing teams"),
        N_("marketing team"),
        N_("e-mail service provider (processor)"),
        N_("marketing team (aggregates)"),
        N_("CRM administrators"),
        N_("accounting"),
        N_("tax authorities on request"),
        N_("IT security team"),
    )
}
CONSENT_STATUSES: Final[Mapping[str, str]] = {
    "dpv:ConsentGiven": N_("consent given"),
    "dpv:ConsentWithdrawn": N_("consent withdrawn"),
    "dpv:ConsentExpired": N_("consent expired"),
    "dpv:ConsentRefused": N_("consent refused"),
}
OUTCOMES: Final[Mapping[str, str]] = {
    "allow": N_("allow"),
    "allow_with_duties": N_("allow with duties"),
    "anonymise": N_("anonymise"),
    "needs_consent": N_("needs consent"),
    "needs_review": N_("needs review"),
    "deny": N_("deny"),
}
ROLES: Final[Mapping[str, str]] = {
    "dpo": N_("data protection officer"),
    "admin": N_("administrator"),
    "auditor": N_("auditor"),
    "marketer": N_("marketing"),
    "agent": N_("customer service"),
}
# What one held item is (the portal's overview, the export's summary).
ITEM_KINDS: Final[Mapping[str, str]] = {
    "email": N_("E-mail address"),
    "phone": N_("Phone number"),
    "handle": N_("Account"),
    "cookie_id": N_("Cookie ID"),
    "device_id": N_("Device ID"),
    "advertising_id": N_("Advertising ID"),
    "customer_number": N_("Customer number"),
    "post": N_("Post"),
    "comment": N_("Comment"),
    "message": N_("Message"),
    "event": N_("Event"),
    "interest": N_("Interest"),
    "sentiment": N_("Mood of your posts"),
    "cross_selling_potential": N_("Interest in further products"),
    "churn_risk": N_("Likelihood of leaving us"),
    "unknown": N_("unknown"),
}
COLLECTIONS: Final[Mapping[str, str]] = {
    "official_api": N_("through the platform's official interface"),
    "export": N_("from an export"),
    "manual": N_("entered by staff or given by the person"),
    "scraper": N_("by scraping"),
}
VISIBILITIES: Final[Mapping[str, str]] = {
    "public": N_("public"),
    "restricted": N_("followers or a closed group only"),
    "private_message": N_("a private message between people"),
    "company_public": N_("on our own page, forum or timeline"),
    "company_direct": N_("a direct message to us"),
}
ADDRESSINGS: Final[Mapping[str, str]] = {
    "direct": N_("us, in a private message"),
    "addressed": N_("us, by mention or reply"),
    "public_mention": N_("nobody: names our brand in public"),
    "private_context": N_("nobody: not public and not to us"),
    "not_applicable": N_("not a post"),
}
OUTREACH: Final[Mapping[str, str]] = {
    "email": N_("E-mail"),
    "sms": N_("SMS"),
    "social_reply": N_("Reply on the social network"),
    "webhook": N_("Into the CRM (nobody is contacted)"),
}
MEASURE_STATES: Final[Mapping[str, str]] = {
    "draft": N_("draft"),
    "submitted": N_("awaiting the DPO's decision"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
}
CAMPAIGN_STATES: Final[Mapping[str, str]] = {
    "draft": N_("draft"),
    "dry_run": N_("dry run done"),
    "done": N_("sent"),
    "refused": N_("refused"),
}
# Art. 9(1) GDPR.
SPECIAL_CATEGORIES: Final[Mapping[str, str]] = {
    "health": N_("health"),
    "religion": N_("religion"),
    "politics": N_("political opinions"),
    "trade_union": N_("trade union membership"),
    "sexual_orientation": N_("sex life or sexual orientation"),
    "ethnic_origin": N_("racial or ethnic origin"),
    "biometric": N_("biometric data"),
    "genetic": N_("genetic data"),
}
# What the stored tables hold (retention and special-category findings).
STORED_TABLES: Final[Mapping[str, str]] = {
    "attributes": N_("derived attributes"),
    "events": N_("events"),
    "interactions": N_("posts and messages"),
    "quarantine": N_("quarantined items"),
}
# Why a measure or a send was decided so, in plain words, by the reason's stable code
# (``marketing.planning``, ``marketing.recipient``, the dry run). The code's own text
# carries figures and ids and stays in English for the API, CSV and audit; a page in
# another language shows these words (``reason``) next to the count and the article.
REASONS: Final[Mapping[str, str]] = {
    "allowed": N_("may be reached"),
    "measure.can-run": N_("may run for everyone in the audience"),
    "audience.subset": N_("may run for part of the audience; the others are left out"),
    "audience.empty": N_("the audience holds no contacts"),
    "audience.none-eligible": N_("no contact may be reached"),
    "audience.relationship": N_("not in the measure's audience (relationship)"),
    "dpia.missing": N_(
        "a data protection impact assessment is required and none is on record; the DPO "
        "must be consulted"
    ),
    "dpia.on-record": N_("a data protection impact assessment is on record"),
    "dpia.art35-3a": N_("systematic and extensive evaluation of personal aspects (profiling)"),
    "dpia.art35-3b": N_("special categories of data on a large scale"),
    "dpia.art35-3c": N_("systematic monitoring of publicly accessible areas on a large scale"),
    "dpia.criteria": N_("two or more risk criteria of the DPIA lists hold"),
    "dpia.policy": N_("the record of processing marks this purpose as requiring a DPIA"),
    "policy.needs-review": N_("the policy has no rule for these contacts; a person must decide"),
    "uwg.existing-customer-policy-conflict": N_(
        "only the existing-customer exemption would allow advertising to these contacts, but "
        "the policy requires consent for this purpose; the DPO must approve a recorded "
        "balancing test first"
    ),
    "uwg.no-consent": N_(
        "advertising by e-mail or SMS needs prior express consent, and the existing-customer "
        "exemption does not apply"
    ),
    "art14.notices-due": N_(
        "the information on data obtained from social media (Art. 14) is due for these "
        "contacts before or with the first use"
    ),
    "art14.held": N_(
        "held: the information on data obtained from social media (Art. 14) has not been "
        "given yet and is due at the latest with the first communication"
    ),
    "minor.no-guardian-consent": N_(
        "minors: no processing for this purpose without the consent of a holder of parental "
        "responsibility"
    ),
    "channel.never-used": N_("the contacts never used or gave this channel"),
    "channel.social-reply-not-addressed": N_(
        "a social reply is only sent where the author addressed the company"
    ),
    "restriction.excluded": N_(
        "processing is restricted for these contacts; only storage is allowed"
    ),
    "consent.missing": N_("no consent for this purpose"),
    "special-category.excluded": N_(
        "data of these contacts involves special categories, which the policy does not "
        "permit for this purpose"
    ),
    "art22.refused": N_(
        "a score would drive an automated decision with legal or similarly significant "
        "effect without explicit consent and a human review"
    ),
    "art22.safeguarded": N_(
        "an automated decision with legal effect rests on explicit consent with human "
        "review; the DPO must approve the safeguards"
    ),
    "vulnerable.minors": N_("the audience holds minors, who merit specific protection"),
    "vulnerable.employees": N_("the audience holds employees, whose consent is rarely free"),
    "vulnerable.declared": N_("the measure is declared to concern vulnerable people"),
    "frequency.cap": N_("the frequency cap is reached: no further message in its window"),
    "quiet-hours": N_(
        "quiet hours in the person's time zone: eligible, sent when the quiet hours end"
    ),
}
# The shipped policy's rule reasons (policy/default_policy.yaml) by rule id, so that a
# policy that keeps them reads in every language (``rule_reason``); "{purpose}" is the
# purpose the decision was about.
RULE_REASONS: Final[Mapping[str, str]] = {
    "hr.screening-denied": N_("Screening employees' or applicants' social media is not permitted."),
    "collection.scraper-denied": N_(
        "Data collected by scraping is refused; only official APIs, exports and manual "
        "entry are accepted."
    ),
    "provenance.missing-denied": N_(
        "Derived processing needs a recorded source; this datum has no provenance."
    ),
    "objection.derived-denied": N_(
        "The person objected; no marketing, profiling or enrichment for purpose '{purpose}'."
    ),
    "consent.withdrawn-denied": N_("Consent for purpose '{purpose}' was withdrawn."),
    "nonpublic.not-addressed-denied": N_(
        "The content is not public and not addressed to the company; it may not be "
        "processed without consent."
    ),
    "nonpublic.private-context-denied": N_(
        "The content was written in a private context, not to the company; it may not be "
        "processed without consent."
    ),
    "third-party.monitoring-anonymise": N_(
        "People mentioned in a post are counted only in anonymous aggregates."
    ),
    "third-party.never-a-contact": N_("People mentioned in a post are never stored as contacts."),
    "monitoring.anonymise-only": N_("Public monitoring keeps anonymous aggregates only."),
    "special-category.needs-explicit-consent": N_(
        "Special-category data (for example health) needs the person's explicit consent."
    ),
    "special-category.explicit-consent": N_(
        "Special-category data may be used to answer the person, who gave explicit "
        "consent; keep only what the answer needs."
    ),
    "special-category.not-needed-denied": N_(
        "Special-category data is not processed for purpose '{purpose}'."
    ),
    "customer-care.addressed": N_(
        "The person addressed the company; the post may be processed to answer it."
    ),
    "customer-care.other-denied": N_(
        "Customer care only processes posts that address the company, and only their content."
    ),
    "enrichment.verified-product-content": N_(
        "A verified customer's post about the company's products may enrich their record;"
        " the customer is informed."
    ),
    "enrichment.with-consent": N_("The person consented to enrichment of their record."),
    "enrichment.needs-consent": N_(
        "Enrichment from profile attributes, non-public content or unverified matches "
        "needs the person's consent."
    ),
    "enrichment.other-denied": N_(
        "Only records of matched customers are enriched, and only with product content, "
        "profile attributes or contact data."
    ),
    "marketing.with-consent": N_("The person consented to purpose '{purpose}'."),
    "marketing.needs-consent": N_(
        "Purpose '{purpose}' from social data needs the person's consent."
    ),
    "identity-matching.with-consent": N_("The person consented to matching their accounts."),
    "identity-matching.needs-consent": N_(
        "Fuzzy identity matching is done only with the person's consent."
    ),
    "consent-purposes.undeclared-data-denied": N_(
        "This data category is not used for purpose '{purpose}'."
    ),
    "service.contract": N_("Needed to perform the contract with a verified customer."),
    "security.legitimate-interest": N_(
        "Fraud prevention and abuse handling; only what the case needs is kept."
    ),
    "legal-obligation.retention": N_("The law requires these records to be kept."),
    "web-analytics.with-consent": N_(
        "The person consented to measuring their use of the web site or app."
    ),
    "web-analytics.needs-consent": N_("Measuring web and app use needs the person's consent."),
}

# The nine criteria of WP248 rev.01 (III.B.a), in the words of its translations.
DPIA_CRITERIA: dict[str, str] = {
    "evaluation_scoring": N_("Evaluation or scoring"),
    "automated_decision": N_("Automated decision-making with legal or similar significant effect"),
    "systematic_monitoring": N_("Systematic monitoring"),
    "sensitive_data": N_("Sensitive data or data of a highly personal nature"),
    "large_scale": N_("Data processed on a large scale"),
    "matching_datasets": N_("Matching or combining datasets"),
    "vulnerable_subjects": N_("Data concerning vulnerable data subjects"),
    "innovative_use": N_("Innovative use or new technological or organisational solutions"),
    "prevents_rights": N_(
        "Processing that prevents people from exercising a right or using a service or contract"
    ),
}
# Likelihood and severity (DSK Kurzpapier Nr. 18), and the three levels of risk.
DPIA_LEVELS: dict[str, str] = {
    "1": N_("negligible"),
    "2": N_("limited"),
    "3": N_("significant"),
    "4": N_("maximum"),
}
DPIA_RATINGS: dict[str, str] = {
    "low": N_("low risk"),
    "risk": N_("risk"),
    "high": N_("high risk"),
}
# The goals of Art. 32(1)(a)-(d) (and SDM data minimisation) a security measure serves.
TOM_GOALS: Final[Mapping[str, str]] = {
    "pseudonymisation_encryption": N_("pseudonymisation and encryption"),
    "confidentiality": N_("confidentiality"),
    "integrity": N_("integrity"),
    "availability": N_("availability and recovery"),
    "resilience": N_("resilience"),
    "testing": N_("regular testing and evaluation"),
    "minimisation": N_("data minimisation"),
}

KINDS: Final[Mapping[str, Mapping[str, str]]] = {
    "purpose": PURPOSES,
    "purpose_description": PURPOSE_DESCRIPTIONS,
    "legal_basis": LEGAL_BASES,
    "request_type": REQUEST_TYPES,
    "request_kind": REQUEST_KINDS,
    "request_state": REQUEST_STATES,
    "channel": CHANNELS,
    "data_category": DATA_CATEGORIES,
    "subject_category": SUBJECT_CATEGORIES,
    "recipient": RECIPIENTS,
    "consent_status": CONSENT_STATUSES,
    "item_kind": ITEM_KINDS,
    "role": ROLES,
    "outcome": OUTCOMES,
    "collection": COLLECTIONS,
    "visibility": VISIBILITIES,
    "addressing": ADDRESSINGS,
    "outreach": OUTREACH,
    "measure_state": MEASURE_STATES,
    "campaign_state": CAMPAIGN_STATES,
    "special_category": SPECIAL_CATEGORIES,
    "stored_table": STORED_TABLES,
    "dpia_criterion": DPIA_CRITERIA,
    "dpia_level": DPIA_LEVELS,
    "dpia_rating": DPIA_RATINGS,
    "reason": REASONS,
    "tom_goal": TOM_GOALS,
}

_ARTICLE = re.compile(r"^art(\d+)(?:_(\d+))?(?:_([a-z]))?$")


def term(tr: Translator, kind: str, key: object) -> str:
    """The word for ``key`` (an enum or its value) of ``kind`` in ``tr``'s language."""
    value = str(getattr(key, "value", key) or "")
    words = KINDS.get(kind, {}).get(value)
    if words is None:
        if kind in ("purpose_description", "subject_category", "recipient"):
            return "" if kind == "purpose_description" else value  # the DPO's own words
        return value.replace("_", " ").capitalize()
    return tr.gettext(words) if words else ""


def describe(tr: Translator, purpose: object, text: str) -> str:
    """A purpose's description as the policy words it, in ``tr``'s language: the
    catalogue's translation of ``text``; for a description the catalogue does not know
    (the DPO rewrote it), English keeps it and other languages get the glossary's."""
    translated = tr.gettext(text) if text else ""
    if translated != text or tr.lang == "en":
        return translated
    return term(tr, "purpose_description", purpose) or text


def article(tr: Translator, code: object) -> str:
    """The article a legal-basis or right code cites: ``art6_1_a`` → "Art. 6 Abs. 1 lit. a
    DSGVO" in German, "Art. 6(1)(a) GDPR" in English; ``art15`` → "Art. 15 DSGVO".
    Anything else is taken as a citation in the code's English form ("GDPR Art. 7(3),
    Art. 17(1)(b)"; ``LegalBasis.article``, a reason's ``article``) and cited the way the
    language cites law (``sphere.i18n.citation``)."""
    value = str(getattr(code, "value", code) or "")
    match = _ARTICLE.match(value)
    if match is None:
        from sphere.i18n.citation import cite

        return cite(tr, value)
    number, paragraph, point = match.groups()
    if tr.lang == "de":
        text = f"Art. {number}"
        text += f" Abs. {paragraph}" if paragraph else ""
        text += f" lit. {point}" if point else ""
        return f"{text} DSGVO"
    text = f"Art. {number}"
    text += f"({paragraph})" if paragraph else ""
    text += f"({point})" if point else ""
    return f"{text} GDPR"


def legal_basis(tr: Translator, code: object) -> str:
    """Article and plain words: "Art. 6 Abs. 1 lit. a DSGVO – Ihre Einwilligung"."""
    words = term(tr, "legal_basis", code)
    return f"{article(tr, code)} – {words}" if words else article(tr, code)


def reason(tr: Translator, code: object, text: str, purpose: object = None) -> str:
    """A reason of the planning check, the send check or the dry run as a page shows
    it: in English its own ``text`` (with its figures), in another language the plain
    words for its ``code`` — a reason code, or the id of a shipped policy rule (its
    reason with ``purpose`` named); any other code (a rule the DPO wrote) keeps ``text``."""
    value = str(getattr(code, "value", code) or "")
    if tr.lang == "en":
        return text
    if value in REASONS:
        return tr.gettext(REASONS[value])
    if value in RULE_REASONS:
        words = tr.gettext(RULE_REASONS[value])
        named = term(tr, "purpose", purpose) if purpose else "…"
        return words.replace("{purpose}", named)
    return text


def rule_reason(tr: Translator, text: str) -> str:
    """A policy rule's reason as the policy words it ("Consent for purpose '{purpose}'
    was withdrawn.", or as a decision filled it in: "… purpose 'direct_marketing' …"),
    in ``tr``'s language when it is a shipped rule's reason; any other text is kept."""
    if tr.lang == "en" or not text:
        return text
    stripped = text.rstrip(".") + "."
    if stripped in _SHIPPED_REASONS:
        return tr.gettext(stripped)
    for template, pattern in _FILLED:
        if match := pattern.match(stripped):
            return tr.gettext(template).replace("{purpose}", term(tr, "purpose", match[1]))
    return text


_SHIPPED_REASONS: Final = frozenset(RULE_REASONS.values())
_FILLED: Final = tuple(
    (t, re.compile("^" + re.escape(t).replace(re.escape("{purpose}"), "([a-z_]+)") + "$"))
    for t in RULE_REASONS.values()
    if "{purpose}" in t
)
