"""GDPR Art. 14 information notices (data not obtained from the person), German and English.

When Sphere takes a public post into a customer record, the data were not collected from
the author, so Art. 14 applies: the controller must tell the person, within the
Art. 14(3) deadline (``sphere.dsr.deadline.notice_deadline``), the elements of Art. 14(1)
and (2). This module turns structured inputs into plain text plus a structured dict;
it renders no HTML (the portal escapes and lays it out).

Elements and their keys in :attr:`Notice.sections`:

=======================  ==========================  =========================
key                      element                     GDPR
=======================  ==========================  =========================
``objection``            right to object, separate    Art. 21(1), (2), (4)
``controller``           controller identity/contact  Art. 14(1)(a)
``dpo``                  DPO contact                  Art. 14(1)(b)
``purposes``             purposes and legal basis     Art. 14(1)(c)
``data_categories``      categories of data           Art. 14(1)(d)
``recipients``           recipients                   Art. 14(1)(e)
``third_country``        third-country transfers      Art. 14(1)(f)
``retention``            storage period / criteria    Art. 14(2)(a)
``legitimate_interests`` interests pursued            Art. 14(2)(b)
``rights``               access … portability         Art. 14(2)(c)
``withdrawal``           withdraw consent             Art. 14(2)(d), Art. 7(3)
``complaint``            supervisory authority        Art. 14(2)(e), Art. 77
``source``               source, public or not        Art. 14(2)(f)
``automated_decisions``  automated decisions          Art. 14(2)(g), Art. 22
``provision``            whether provision required   (Art. 13(2)(e), stated for
                                                      completeness)
=======================  ==========================  =========================

Art. 21(4) requires the right to object to be "explicitly brought to the attention of
the data subject … clearly and separately from any other information": it is the first
section, framed and headed in capitals, never merged with the list of other rights.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sphere.domain import DataCategory, LegalBasis, Purpose
from sphere.errors import InvalidInput

LANGUAGES = ("de", "en")
Text = str | Mapping[str, str]  # one text for all languages, or {"de": …, "en": …}


def _text(value: Text, language: str) -> str:
    if isinstance(value, str):
        return value
    if language in value:
        return value[language]
    if "en" in value:
        return value["en"]
    return next(iter(value.values()), "")


@dataclass(frozen=True, slots=True)
class Party:
    """An organisation and how to reach it (controller, DPO, authority)."""

    name: str
    contact: str


@dataclass(frozen=True, slots=True)
class NoticePurpose:
    """One purpose: Art. 6(1) basis and, for Art. 6(1)(f), the interest pursued."""

    purpose: Purpose
    legal_basis: LegalBasis
    description: Text = ""
    legitimate_interest: Text | None = None

    def __post_init__(self) -> None:
        if self.legal_basis is LegalBasis.LEGITIMATE_INTEREST and not self.legitimate_interest:
            raise InvalidInput(
                f"purpose {self.purpose.value!r}: Art. 6(1)(f) needs the legitimate interest "
                "stated (Art. 14(2)(b))"
            )


class DeclaredPurpose(Protocol):
    """What the notice needs from a policy purpose (``sphere.policy.PurposeSpec`` fits)."""

    @property
    def purpose(self) -> Purpose: ...
    @property
    def legal_basis(self) -> LegalBasis: ...
    @property
    def description(self) -> str: ...
    @property
    def balancing_test(self) -> str | None: ...


def notice_purposes(declared: Iterable[DeclaredPurpose]) -> tuple[NoticePurpose, ...]:
    """Notice purposes from the policy's declared purposes (e.g. ``Policy.purposes.values()``).

    The policy's ``balancing_test`` (the recorded Art. 6(1)(f) balancing) supplies the
    legitimate interest; its texts are single-language, so give a ``{"de": …, "en": …}``
    :class:`NoticePurpose` by hand where a translated wording is needed.
    """
    return tuple(
        NoticePurpose(
            purpose=spec.purpose,
            legal_basis=spec.legal_basis,
            description=spec.description,
            legitimate_interest=spec.balancing_test,
        )
        for spec in declared
    )


@dataclass(frozen=True, slots=True)
class NoticeInput:
    controller: Party
    purposes: tuple[NoticePurpose, ...]
    data_categories: tuple[DataCategory, ...]
    source: Text  # e.g. "public posts on Mastodon addressed to @optiklinse"
    retention: Text  # period, or the criteria that determine it
    supervisory_authority: Party
    dpo: Party | None = None
    recipients: tuple[Text, ...] = ()
    source_is_public: bool = True
    third_country: Text | None = None  # transfers and safeguards, None = none
    automated_decisions: Text | None = None  # Art. 22 logic, None = none
    provision_required: Text | None = None  # None = not required (data not from the person)

    def __post_init__(self) -> None:
        if not self.purposes:
            raise InvalidInput("an Art. 14 notice needs at least one purpose")


@dataclass(frozen=True, slots=True)
class Notice:
    language: str
    text: str
    sections: dict[str, dict[str, Any]]


_PURPOSE_LABEL: dict[str, dict[Purpose, str]] = {
    "en": {
        Purpose.CUSTOMER_CARE: "answering your enquiries and posts addressed to us",
        Purpose.SERVICE_PROVISION: "performing our contract with you",
        Purpose.ENRICHMENT: "adding information to your customer record",
        Purpose.PROFILING: "creating interest profiles and scores",
        Purpose.DIRECT_MARKETING: "direct marketing",
        Purpose.PUBLIC_MONITORING: "anonymous statistics about public discussion of our brand",
        Purpose.IDENTITY_MATCHING: "matching social media accounts to customer records",
        Purpose.HR_SCREENING: "screening in recruitment and employment",
        Purpose.LEGAL_OBLIGATION: "retention required by law",
        Purpose.SECURITY: "fraud prevention and abuse handling",
        Purpose.WEB_ANALYTICS: "measuring the use of our website and apps",
    },
    "de": {
        Purpose.CUSTOMER_CARE: "Beantwortung Ihrer Anfragen und an uns gerichteten Beiträge",
        Purpose.SERVICE_PROVISION: "Erfüllung unseres Vertrags mit Ihnen",
        Purpose.ENRICHMENT: "Ergänzung Ihres Kundendatensatzes",
        Purpose.PROFILING: "Erstellung von Interessenprofilen und Bewertungen",
        Purpose.DIRECT_MARKETING: "Direktwerbung",
        Purpose.PUBLIC_MONITORING: (
            "anonyme Statistiken über öffentliche Gespräche zu unserer Marke"
        ),
        Purpose.IDENTITY_MATCHING: "Zuordnung von Social-Media-Konten zu Kundendatensätzen",
        Purpose.HR_SCREENING: "Prüfung im Bewerbungs- und Beschäftigungsverhältnis",
        Purpose.LEGAL_OBLIGATION: "gesetzliche Aufbewahrungspflichten",
        Purpose.SECURITY: "Betrugsprävention und Missbrauchsbekämpfung",
        Purpose.WEB_ANALYTICS: "Messung der Nutzung unserer Website und Apps",
    },
}

_BASIS_LABEL: dict[str, dict[LegalBasis, str]] = {
    "en": {
        LegalBasis.CONSENT: "Art. 6(1)(a) GDPR (your consent)",
        LegalBasis.CONTRACT: "Art. 6(1)(b) GDPR (contract)",
        LegalBasis.LEGAL_OBLIGATION: "Art. 6(1)(c) GDPR (legal obligation)",
        LegalBasis.VITAL_INTERESTS: "Art. 6(1)(d) GDPR (vital interests)",
        LegalBasis.PUBLIC_TASK: "Art. 6(1)(e) GDPR (public task)",
        LegalBasis.LEGITIMATE_INTEREST: "Art. 6(1)(f) GDPR (legitimate interests)",
        LegalBasis.EXPLICIT_CONSENT: "Art. 9(2)(a) GDPR (your explicit consent)",
        LegalBasis.MANIFESTLY_PUBLIC: "Art. 9(2)(e) GDPR (data you made manifestly public)",
        LegalBasis.LEGAL_CLAIMS: "Art. 9(2)(f) GDPR (legal claims)",
    },
    "de": {
        LegalBasis.CONSENT: "Art. 6 Abs. 1 lit. a DSGVO (Ihre Einwilligung)",
        LegalBasis.CONTRACT: "Art. 6 Abs. 1 lit. b DSGVO (Vertrag)",
        LegalBasis.LEGAL_OBLIGATION: "Art. 6 Abs. 1 lit. c DSGVO (rechtliche Verpflichtung)",
        LegalBasis.VITAL_INTERESTS: "Art. 6 Abs. 1 lit. d DSGVO (lebenswichtige Interessen)",
        LegalBasis.PUBLIC_TASK: "Art. 6 Abs. 1 lit. e DSGVO (öffentliche Aufgabe)",
        LegalBasis.LEGITIMATE_INTEREST: "Art. 6 Abs. 1 lit. f DSGVO (berechtigte Interessen)",
        LegalBasis.EXPLICIT_CONSENT: "Art. 9 Abs. 2 lit. a DSGVO (Ihre ausdrückliche Einwilligung)",
        LegalBasis.MANIFESTLY_PUBLIC: (
            "Art. 9 Abs. 2 lit. e DSGVO (von Ihnen offensichtlich öffentlich gemachte Daten)"
        ),
        LegalBasis.LEGAL_CLAIMS: "Art. 9 Abs. 2 lit. f DSGVO (Rechtsansprüche)",
    },
}

_CATEGORY_LABEL: dict[str, dict[DataCategory, str]] = {
    "en": {
        DataCategory.PRODUCT_CONTENT: "content of your posts about our products and services",
        DataCategory.CONTACT_DATA: "contact data (e-mail address, phone number, account name)",
        DataCategory.PROFILE_ATTRIBUTE: "public profile information (name, bio, location)",
        DataCategory.SPECIAL_CATEGORY: "special categories of personal data (Art. 9 GDPR)",
        DataCategory.SOCIAL_GRAPH: "connections between accounts (followers, replies)",
        DataCategory.BEHAVIOURAL: "usage data of our website and apps",
        DataCategory.GENERAL_CONTENT: "content of your public posts",
    },
    "de": {
        DataCategory.PRODUCT_CONTENT: "Inhalte Ihrer Beiträge zu unseren Produkten und Leistungen",
        DataCategory.CONTACT_DATA: "Kontaktdaten (E-Mail-Adresse, Telefonnummer, Kontoname)",
        DataCategory.PROFILE_ATTRIBUTE: "öffentliche Profilangaben (Name, Beschreibung, Ort)",
        DataCategory.SPECIAL_CATEGORY: (
            "besondere Kategorien personenbezogener Daten (Art. 9 DSGVO)"
        ),
        DataCategory.SOCIAL_GRAPH: "Verbindungen zwischen Konten (Follower, Antworten)",
        DataCategory.BEHAVIOURAL: "Nutzungsdaten unserer Website und Apps",
        DataCategory.GENERAL_CONTENT: "Inhalte Ihrer öffentlichen Beiträge",
    },
}

# Fixed wording per language. {placeholders} are filled with str.format.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Information under Art. 14 GDPR on the processing of your personal data",
        "objection_title": "YOUR RIGHT TO OBJECT (ART. 21 GDPR)",
        "objection_general": (
            "Where we process your data on the basis of Art. 6(1)(e) or (f) GDPR, you have "
            "the right to object at any time, on grounds relating to your particular "
            "situation (Art. 21(1) GDPR). We will then no longer process the data unless we "
            "demonstrate compelling legitimate grounds which override your interests, rights "
            "and freedoms, or the processing serves legal claims."
        ),
        "objection_marketing": (
            "Where we process your data for direct marketing, you have the right to object "
            "at any time, without giving reasons; this includes profiling related to direct "
            "marketing. After your objection we will no longer process your data for these "
            "purposes (Art. 21(2) and (3) GDPR)."
        ),
        "objection_how": "To object, contact us at: {contact}",
        "controller": "Controller: {name}, {contact}",
        "dpo": "Data protection officer: {name}, {contact}",
        "dpo_none": "Data protection officer: not designated",
        "purposes": "Purposes and legal basis of the processing:",
        "purpose_line": "- {label}: {basis}",
        "legitimate_interests": "Legitimate interests pursued (Art. 6(1)(f) GDPR):",
        "legitimate_interests_none": "Legitimate interests: we do not rely on Art. 6(1)(f) GDPR.",
        "data_categories": "Categories of personal data concerned:",
        "recipients": "Recipients or categories of recipients:",
        "recipients_none": "Recipients: none outside our organisation.",
        "third_country": "Transfer to third countries: {text}",
        "third_country_none": (
            "Transfer to third countries: we do not transfer your data to a country "
            "outside the EU/EEA or to an international organisation."
        ),
        "retention": "Storage period: {text}",
        "rights": (
            "Your rights: access (Art. 15 GDPR), rectification (Art. 16), erasure "
            "(Art. 17), restriction of processing (Art. 18) and data portability (Art. 20), "
            "as well as the right to object described above (Art. 21)."
        ),
        "withdrawal": (
            "Where processing rests on your consent, you may withdraw it at any time with "
            "effect for the future (Art. 7(3) GDPR); this does not affect the lawfulness of "
            "processing before the withdrawal."
        ),
        "withdrawal_none": "Consent: none of the processing described here relies on consent.",
        "complaint": (
            "You have the right to lodge a complaint with a supervisory authority "
            "(Art. 77 GDPR), in particular in the Member State of your habitual residence, "
            "place of work or place of the alleged infringement. Responsible for us: "
            "{name}, {contact}"
        ),
        "source": "Source of the data: {text}",
        "source_public": "The data come from publicly accessible sources.",
        "source_not_public": "The data do not come from publicly accessible sources.",
        "automated": "Automated decision-making including profiling (Art. 22 GDPR): {text}",
        "automated_none": (
            "Automated decision-making: we do not make decisions based solely on automated "
            "processing, including profiling, that produce legal effects concerning you or "
            "similarly significantly affect you (Art. 22 GDPR)."
        ),
        "provision": "Obligation to provide the data: {text}",
        "provision_none": (
            "Obligation to provide the data: you are under no statutory or contractual "
            "obligation to provide the data; we did not collect them from you."
        ),
    },
    "de": {
        "title": "Informationen nach Art. 14 DSGVO zur Verarbeitung Ihrer personenbezogenen Daten",
        "objection_title": "IHR WIDERSPRUCHSRECHT (ART. 21 DSGVO)",
        "objection_general": (
            "Soweit wir Ihre Daten auf Grundlage von Art. 6 Abs. 1 lit. e oder f DSGVO "
            "verarbeiten, haben Sie das Recht, aus Gründen, die sich aus Ihrer besonderen "
            "Situation ergeben, jederzeit Widerspruch einzulegen (Art. 21 Abs. 1 DSGVO). Wir "
            "verarbeiten die Daten dann nicht mehr, es sei denn, wir können zwingende "
            "schutzwürdige Gründe nachweisen, die Ihre Interessen, Rechte und Freiheiten "
            "überwiegen, oder die Verarbeitung dient Rechtsansprüchen."
        ),
        "objection_marketing": (
            "Soweit wir Ihre Daten für Direktwerbung verarbeiten, haben Sie das Recht, "
            "jederzeit und ohne Angabe von Gründen Widerspruch einzulegen; dies gilt auch für "
            "ein damit verbundenes Profiling. Nach Ihrem Widerspruch verarbeiten wir Ihre "
            "Daten nicht mehr für diese Zwecke (Art. 21 Abs. 2 und 3 DSGVO)."
        ),
        "objection_how": "Ihren Widerspruch richten Sie bitte an: {contact}",
        "controller": "Verantwortlicher: {name}, {contact}",
        "dpo": "Datenschutzbeauftragte/r: {name}, {contact}",
        "dpo_none": "Datenschutzbeauftragte/r: nicht benannt",
        "purposes": "Zwecke und Rechtsgrundlage der Verarbeitung:",
        "purpose_line": "- {label}: {basis}",
        "legitimate_interests": "Verfolgte berechtigte Interessen (Art. 6 Abs. 1 lit. f DSGVO):",
        "legitimate_interests_none": (
            "Berechtigte Interessen: wir stützen keine Verarbeitung auf Art. 6 Abs. 1 lit. f DSGVO."
        ),
        "data_categories": "Kategorien der verarbeiteten personenbezogenen Daten:",
        "recipients": "Empfänger oder Kategorien von Empfängern:",
        "recipients_none": "Empfänger: keine außerhalb unseres Unternehmens.",
        "third_country": "Übermittlung in Drittländer: {text}",
        "third_country_none": (
            "Übermittlung in Drittländer: wir übermitteln Ihre Daten nicht in ein Land "
            "außerhalb der EU/des EWR oder an eine internationale Organisation."
        ),
        "retention": "Speicherdauer: {text}",
        "rights": (
            "Ihre Rechte: Auskunft (Art. 15 DSGVO), Berichtigung (Art. 16), Löschung "
            "(Art. 17), Einschränkung der Verarbeitung (Art. 18) und Datenübertragbarkeit "
            "(Art. 20) sowie das oben beschriebene Widerspruchsrecht (Art. 21)."
        ),
        "withdrawal": (
            "Soweit die Verarbeitung auf Ihrer Einwilligung beruht, können Sie diese jederzeit "
            "mit Wirkung für die Zukunft widerrufen (Art. 7 Abs. 3 DSGVO); die Rechtmäßigkeit "
            "der bis zum Widerruf erfolgten Verarbeitung bleibt unberührt."
        ),
        "withdrawal_none": (
            "Einwilligung: keine der beschriebenen Verarbeitungen beruht auf einer Einwilligung."
        ),
        "complaint": (
            "Sie haben das Recht auf Beschwerde bei einer Aufsichtsbehörde (Art. 77 DSGVO), "
            "insbesondere in dem Mitgliedstaat Ihres Aufenthaltsorts, Ihres Arbeitsplatzes "
            "oder des Orts des mutmaßlichen Verstoßes. Für uns zuständig: {name}, {contact}"
        ),
        "source": "Herkunft der Daten: {text}",
        "source_public": "Die Daten stammen aus öffentlich zugänglichen Quellen.",
        "source_not_public": "Die Daten stammen nicht aus öffentlich zugänglichen Quellen.",
        "automated": (
            "Automatisierte Entscheidungsfindung einschließlich Profiling (Art. 22 DSGVO): {text}"
        ),
        "automated_none": (
            "Automatisierte Entscheidungsfindung: wir treffen keine ausschließlich auf einer "
            "automatisierten Verarbeitung einschließlich Profiling beruhenden Entscheidungen, "
            "die Ihnen gegenüber rechtliche Wirkung entfalten oder Sie in ähnlicher Weise "
            "erheblich beeinträchtigen (Art. 22 DSGVO)."
        ),
        "provision": "Pflicht zur Bereitstellung der Daten: {text}",
        "provision_none": (
            "Pflicht zur Bereitstellung der Daten: Sie sind weder gesetzlich noch vertraglich "
            "verpflichtet, die Daten bereitzustellen; wir haben sie nicht bei Ihnen erhoben."
        ),
    },
}

_OBJECTABLE = frozenset({LegalBasis.LEGITIMATE_INTEREST, LegalBasis.PUBLIC_TASK})
_CONSENT = frozenset({LegalBasis.CONSENT, LegalBasis.EXPLICIT_CONSENT})
_RULE = "=" * 72


def render_notice(inputs: NoticeInput, language: str) -> Notice:
    """The Art. 14 notice in ``language`` ("de" or "en") as plain text and sections."""
    if language not in LANGUAGES:
        raise InvalidInput(f"notice language {language!r} is not one of {', '.join(LANGUAGES)}")
    w = _WORDS[language]
    sections: dict[str, dict[str, Any]] = {}

    def put(key: str, article: str, lines: list[str], **data: Any) -> None:
        sections[key] = {"article": article, "text": "\n".join(lines), **data}

    has_marketing = any(p.purpose is Purpose.DIRECT_MARKETING for p in inputs.purposes)
    objectable = any(p.legal_basis in _OBJECTABLE for p in inputs.purposes)
    objection = [w["objection_general"]] if objectable or not has_marketing else []
    if has_marketing:
        objection.append(w["objection_marketing"])
    objection.append(w["objection_how"].format(contact=inputs.controller.contact))
    put(
        "objection",
        "Art. 21(4)",
        objection,
        title=w["objection_title"],
        direct_marketing=has_marketing,
    )

    c = inputs.controller
    put("controller", "Art. 14(1)(a)", [w["controller"].format(name=c.name, contact=c.contact)])
    dpo = inputs.dpo
    put(
        "dpo",
        "Art. 14(1)(b)",
        [w["dpo"].format(name=dpo.name, contact=dpo.contact) if dpo else w["dpo_none"]],
        designated=dpo is not None,
    )
    purpose_lines = [w["purposes"]]
    purpose_data = []
    for p in inputs.purposes:
        label = _PURPOSE_LABEL[language][p.purpose]
        description = _text(p.description, language) if p.description else ""
        if description:
            label = f"{label} ({description})"
        basis = _BASIS_LABEL[language][p.legal_basis]
        purpose_lines.append(w["purpose_line"].format(label=label, basis=basis))
        purpose_data.append(
            {"purpose": p.purpose.value, "legal_basis": p.legal_basis.value, "dpv": p.purpose.dpv}
        )
    put("purposes", "Art. 14(1)(c)", purpose_lines, items=purpose_data)

    put(
        "data_categories",
        "Art. 14(1)(d)",
        [w["data_categories"]]
        + [f"- {_CATEGORY_LABEL[language][d]}" for d in inputs.data_categories],
        items=[d.value for d in inputs.data_categories],
    )
    recipients = [_text(r, language) for r in inputs.recipients]
    put(
        "recipients",
        "Art. 14(1)(e)",
        [w["recipients"]] + [f"- {r}" for r in recipients]
        if recipients
        else [w["recipients_none"]],
        items=recipients,
    )
    put(
        "third_country",
        "Art. 14(1)(f)",
        [
            w["third_country"].format(text=_text(inputs.third_country, language))
            if inputs.third_country
            else w["third_country_none"]
        ],
        transfers=inputs.third_country is not None,
    )
    put(
        "retention",
        "Art. 14(2)(a)",
        [w["retention"].format(text=_text(inputs.retention, language))],
    )
    interests = [
        (p, _text(p.legitimate_interest, language))
        for p in inputs.purposes
        if p.legal_basis is LegalBasis.LEGITIMATE_INTEREST and p.legitimate_interest
    ]
    put(
        "legitimate_interests",
        "Art. 14(2)(b)",
        [w["legitimate_interests"]]
        + [f"- {_PURPOSE_LABEL[language][p.purpose]}: {text}" for p, text in interests]
        if interests
        else [w["legitimate_interests_none"]],
        items={p.purpose.value: text for p, text in interests},
    )
    put("rights", "Art. 14(2)(c)", [w["rights"]])
    relies_on_consent = any(p.legal_basis in _CONSENT for p in inputs.purposes)
    put(
        "withdrawal",
        "Art. 14(2)(d)",
        [w["withdrawal"] if relies_on_consent else w["withdrawal_none"]],
        applies=relies_on_consent,
    )
    sa = inputs.supervisory_authority
    put("complaint", "Art. 14(2)(e)", [w["complaint"].format(name=sa.name, contact=sa.contact)])
    put(
        "source",
        "Art. 14(2)(f)",
        [
            w["source"].format(text=_text(inputs.source, language)),
            w["source_public"] if inputs.source_is_public else w["source_not_public"],
        ],
        publicly_accessible=inputs.source_is_public,
    )
    put(
        "automated_decisions",
        "Art. 14(2)(g)",
        [
            w["automated"].format(text=_text(inputs.automated_decisions, language))
            if inputs.automated_decisions
            else w["automated_none"]
        ],
        applies=inputs.automated_decisions is not None,
    )
    put(
        "provision",
        "Art. 13(2)(e)",
        [
            w["provision"].format(text=_text(inputs.provision_required, language))
            if inputs.provision_required
            else w["provision_none"]
        ],
        required=inputs.provision_required is not None,
    )

    body = [w["title"], "", _RULE, w["objection_title"], "", sections["objection"]["text"], _RULE]
    for key in sections:
        if key != "objection":
            body += ["", sections[key]["text"]]
    return Notice(language=language, text="\n".join(body) + "\n", sections=sections)


def render_notices(inputs: NoticeInput) -> dict[str, Notice]:
    """The notice in every supported language."""
    return {language: render_notice(inputs, language) for language in LANGUAGES}
