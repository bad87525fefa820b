"""Art. 14 notices: every Art. 14(1)/(2) element present in German and English."""

from __future__ import annotations

import pytest

from sphere.domain import DataCategory, LegalBasis, Purpose
from sphere.dsr.notice import (
    LANGUAGES,
    NoticeInput,
    NoticePurpose,
    Party,
    notice_purposes,
    render_notice,
    render_notices,
)
from sphere.errors import InvalidInput

INPUTS = NoticeInput(
    controller=Party("Optiklinse GmbH, Musterweg 1, 12345 Beispielstadt", "privacy@example.com"),
    dpo=Party("Dr. Erika Beispiel", "dpo@example.com"),
    purposes=(
        NoticePurpose(
            Purpose.CUSTOMER_CARE,
            LegalBasis.LEGITIMATE_INTEREST,
            legitimate_interest={
                "de": "Beantwortung öffentlicher Anfragen an unser Konto",
                "en": "answering public enquiries addressed to our account",
            },
        ),
        NoticePurpose(Purpose.DIRECT_MARKETING, LegalBasis.CONSENT),
    ),
    data_categories=(DataCategory.GENERAL_CONTENT, DataCategory.PROFILE_ATTRIBUTE),
    source={
        "de": "öffentliche Beiträge auf Mastodon, die an @optiklinse gerichtet sind",
        "en": "public posts on Mastodon addressed to @optiklinse",
    },
    retention={"de": "12 Monate nach dem letzten Kontakt", "en": "12 months after last contact"},
    supervisory_authority=Party(
        "Landesbeauftragte für Datenschutz (fiktiv)", "poststelle@example.org"
    ),
    recipients=(
        {"de": "CRM-Dienstleister (Auftragsverarbeiter)", "en": "CRM provider (processor)"},
    ),
)

# For each section key: a marker that must appear in the text, per language.
REQUIRED = {
    "objection": {"de": "ohne Angabe von Gründen", "en": "without giving reasons"},
    "controller": {"de": "Verantwortlicher: Optiklinse GmbH", "en": "Controller: Optiklinse GmbH"},
    "dpo": {"de": "dpo@example.com", "en": "dpo@example.com"},
    "purposes": {"de": "Art. 6 Abs. 1 lit. a DSGVO", "en": "Art. 6(1)(a) GDPR"},
    "data_categories": {"de": "öffentliche Profilangaben", "en": "public profile information"},
    "recipients": {"de": "CRM-Dienstleister", "en": "CRM provider"},
    "third_country": {"de": "Drittländer", "en": "third countries"},
    "retention": {"de": "12 Monate", "en": "12 months"},
    "legitimate_interests": {"de": "Beantwortung öffentlicher", "en": "answering public"},
    "rights": {"de": "Art. 15 DSGVO", "en": "Art. 15 GDPR"},
    "withdrawal": {"de": "widerrufen", "en": "withdraw"},
    "complaint": {"de": "Aufsichtsbehörde", "en": "supervisory authority"},
    "source": {"de": "@optiklinse", "en": "@optiklinse"},
    "automated_decisions": {"de": "Art. 22 DSGVO", "en": "Art. 22 GDPR"},
    "provision": {"de": "Bereitstellung", "en": "provide the data"},
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", sorted(REQUIRED))
def test_every_element_present(language: str, key: str) -> None:
    notice = render_notice(INPUTS, language)
    assert key in notice.sections
    marker = REQUIRED[key][language]
    assert marker in notice.sections[key]["text"]
    assert marker in notice.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_objection_first_and_separate(language: str) -> None:
    notice = render_notice(INPUTS, language)
    assert next(iter(notice.sections)) == "objection"
    lines = notice.text.splitlines()
    title = notice.sections["objection"]["title"]
    assert (
        title
        == {
            "de": "IHR WIDERSPRUCHSRECHT (ART. 21 DSGVO)",
            "en": "YOUR RIGHT TO OBJECT (ART. 21 GDPR)",
        }[language]
    )
    at = next(i for i, line in enumerate(lines) if title in line)
    assert set(lines[at - 1]) == {"="}  # framed: a rule line above the heading
    # the marketing objection (Art. 21(2)) is there because direct marketing is a purpose
    assert notice.sections["objection"]["direct_marketing"] is True
    assert "21" in notice.sections["objection"]["article"]
    # and the objection is not merged into the list of other rights
    assert notice.sections["objection"]["text"] not in notice.sections["rights"]["text"]
    assert lines.index(title) < lines.index(notice.sections["controller"]["text"])


def test_english_and_german_differ() -> None:
    notices = render_notices(INPUTS)
    assert set(notices) == {"de", "en"}
    assert notices["de"].text != notices["en"].text
    assert "Herkunft der Daten" in notices["de"].text
    assert "Source of the data" in notices["en"].text
    assert "öffentlich zugänglichen Quellen" in notices["de"].text


def test_structured_dict() -> None:
    sections = render_notice(INPUTS, "en").sections
    assert sections["purposes"]["items"] == [
        {"purpose": "customer_care", "legal_basis": "art6_1_f", "dpv": "dpv:CustomerCare"},
        {"purpose": "direct_marketing", "legal_basis": "art6_1_a", "dpv": "dpv:DirectMarketing"},
    ]
    assert sections["data_categories"]["items"] == ["general_content", "profile_attribute"]
    assert sections["withdrawal"]["applies"] is True
    assert sections["third_country"]["transfers"] is False
    assert sections["source"]["publicly_accessible"] is True
    assert sections["controller"]["article"] == "Art. 14(1)(a)"


def test_without_consent_or_marketing_or_dpo() -> None:
    inputs = NoticeInput(
        controller=INPUTS.controller,
        purposes=(
            NoticePurpose(
                Purpose.PUBLIC_MONITORING,
                LegalBasis.LEGITIMATE_INTEREST,
                legitimate_interest="brand monitoring",
            ),
        ),
        data_categories=(DataCategory.GENERAL_CONTENT,),
        source="public posts",
        retention="30 days",
        supervisory_authority=INPUTS.supervisory_authority,
        third_country="USA, EU-U.S. Data Privacy Framework",
        automated_decisions="none beyond spam filtering",
    )
    notice = render_notice(inputs, "en")
    assert notice.sections["withdrawal"]["applies"] is False
    assert "none of the processing" in notice.sections["withdrawal"]["text"]
    assert notice.sections["objection"]["direct_marketing"] is False
    assert "Art. 21(1)" in notice.sections["objection"]["text"]
    assert "not designated" in notice.sections["dpo"]["text"]
    assert "Data Privacy Framework" in notice.sections["third_country"]["text"]
    assert notice.sections["recipients"]["items"] == []


def test_legitimate_interest_must_be_stated() -> None:
    with pytest.raises(InvalidInput, match="legitimate interest"):
        NoticePurpose(Purpose.PROFILING, LegalBasis.LEGITIMATE_INTEREST)


def test_needs_a_purpose_and_a_known_language() -> None:
    with pytest.raises(InvalidInput):
        NoticeInput(
            controller=INPUTS.controller,
            purposes=(),
            data_categories=(),
            source="x",
            retention="y",
            supervisory_authority=INPUTS.supervisory_authority,
        )
    with pytest.raises(InvalidInput, match="language"):
        render_notice(INPUTS, "fr")


def test_plain_text_only() -> None:
    text = render_notice(INPUTS, "de").text
    assert "<" not in text and ">" not in text


def test_notice_purposes_from_policy() -> None:
    from sphere.policy import default_policy

    policy = default_policy()
    purposes = notice_purposes(policy.purposes.values())
    assert {p.purpose for p in purposes} == set(policy.purposes)
    for item in purposes:
        if item.legal_basis is LegalBasis.LEGITIMATE_INTEREST:
            assert item.legitimate_interest
    inputs = NoticeInput(
        controller=INPUTS.controller,
        purposes=purposes,
        data_categories=(DataCategory.GENERAL_CONTENT,),
        source="public posts",
        retention="see policy",
        supervisory_authority=INPUTS.supervisory_authority,
    )
    assert "Art. 6" in render_notice(inputs, "de").sections["purposes"]["text"]
