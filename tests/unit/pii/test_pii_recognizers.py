"""Table-driven recognizer tests: valid cases, invalid checksums and tricky negatives."""

from __future__ import annotations

import pytest

from sphere.pii.analyzer import Analyzer, build_analyzer
from sphere.pii.recognizers._icao import icao_check_digit
from sphere.pii.recognizers.de_pension_number import is_valid_pension_number


def found(analyzer: Analyzer, text: str, lang: str | None = None) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.type) for s in analyzer.analyze(text, lang=lang)]


CASES = [
    # --- e-mail
    ("email", "Schreib an anna.beispiel@example.com bitte", "de",
     [("anna.beispiel@example.com", "EMAIL_ADDRESS")]),
    ("email-obfuscated", "mail: tom [at] example [dot] org", "en",
     [("tom [at] example [dot] org", "EMAIL_ADDRESS")]),
    # --- phone
    ("phone-de-mobile", "Ruf mich an: 0170 1234567", "de", [("0170 1234567", "PHONE_NUMBER")]),
    ("phone-international", "Tel. +49 30 12345678", "de", [("+49 30 12345678", "PHONE_NUMBER")]),
    ("phone-us", "call me at (555) 201-2345 today", "en", [("(555) 201-2345", "PHONE_NUMBER")]),
    # order number that is digit-shaped like a phone: no leading 0/+ and an order keyword
    ("order-not-phone", "Bestellnr. 4711-0815-22 fehlt", "de", [("4711-0815-22", "ORDER_NUMBER")]),
    # a date is never a phone number even though it starts with 0
    ("date-not-phone", "am 01.02.2023 bestellt", "de", [("01.02.2023", "DATE_TIME")]),
    # --- IBAN (DE89… is the public ISO 13616 documentation example)
    ("iban-grouped", "IBAN DE89 3704 0044 0532 0130 00 danke", "de",
     [("DE89 3704 0044 0532 0130 00", "IBAN_CODE")]),
    ("iban-compact", "IBAN DE89370400440532013000", "de",
     [("DE89370400440532013000", "IBAN_CODE")]),
    # check digits 88 instead of 89: MOD 97 fails
    ("iban-bad-checksum", "IBAN DE88 3704 0044 0532 0130 00", "de", []),
    # --- credit card (4111… is the well-known Visa test number)
    ("card-visa", "Karte 4111 1111 1111 1111", "de", [("4111 1111 1111 1111", "CREDIT_CARD")]),
    # last digit changed: Luhn fails
    ("card-bad-luhn", "Karte 4111 1111 1111 1112", "de", []),
    # --- IP
    ("ipv4", "Server 192.168.1.20 antwortet nicht", "de", [("192.168.1.20", "IP_ADDRESS")]),
    ("ipv6", "host 2001:db8::1 is down", "en", [("2001:db8::1", "IP_ADDRESS")]),
    # version strings look like IPv4: "v" glued on, or "Firmware" in context
    ("version-v-prefix", "running v1.2.3.4 now", "en", []),
    ("version-firmware", "Firmware 2.10.1.3 installiert", "de", []),
    # 300 is not an octet
    ("ip-invalid-octet", "wert 300.1.1.1 gemessen", "de", []),
    # --- URL and handles
    ("url", "siehe https://example.com/profil/anna.", "de",
     [("https://example.com/profil/anna", "URL")]),
    ("handle", "danke @anna_b!", "de", [("@anna_b", "SOCIAL_HANDLE")]),
    ("fediverse", "folgt @anna@mastodon.example", "de",
     [("@anna@mastodon.example", "SOCIAL_HANDLE")]),
    # --- German identifiers
    ("tax-id", "Steuer-ID 86095742719", "de", [("86095742719", "DE_TAX_ID")]),
    # last digit changed: MOD 11,10 check fails
    ("tax-id-bad-check", "Steuer-ID 86095742711", "de", []),
    ("pension", "RV-Nr 15070649C103", "de", [("15070649C103", "DE_PENSION_NUMBER")]),
    # check digit 4 instead of 3
    ("pension-bad-check", "RV-Nr 15070649C104", "de", []),
    ("id-card-context", "Ausweisnummer L01X00T47", "de", [("L01X00T47", "DE_ID_CARD")]),
    # the same shape without any ID-card context is just a product code
    ("id-card-no-context", "Artikel L01X00T47 ist da", "de", []),
    ("passport-context", "Reisepass C01X00T47", "de", [("C01X00T47", "DE_PASSPORT")]),
    ("plate", "Kennzeichen M-AB 1234 parkt", "de", [("M-AB 1234", "DE_LICENSE_PLATE")]),
    # "QQ" is no German district
    ("plate-unknown-district", "Kennzeichen QQ-AB 1234", "de", []),
    # --- addresses and dates
    ("street-plz", "wohne Hauptstraße 12, 10115 Berlin", "de",
     [("Hauptstraße 12, 10115 Berlin", "LOCATION")]),
    ("street-separate", "Berliner Straße 5a", "de", [("Berliner Straße 5a", "LOCATION")]),
    # five digits + common noun is an amount, not a postal code
    ("plz-noun", "über 12345 Besucher", "de", []),
    ("dob-de", "geboren am 12.03.1985", "de", [("12.03.1985", "DATE_OF_BIRTH")]),
    ("dob-en", "born on March 12, 1985", "en", [("March 12, 1985", "DATE_OF_BIRTH")]),
    ("date", "Lieferung am 2024-05-03", "de", [("2024-05-03", "DATE_TIME")]),
    # month 13 does not exist
    ("date-invalid", "am 12.13.2020", "de", []),
    ("customer-number", "Kundennummer: K-123456", "de", [("K-123456", "CUSTOMER_NUMBER")]),
    # --- persons
    ("person-greeting", "Hallo Anna, danke!", "de", [("Anna", "PERSON")]),
    ("person-title", "Herr Koch hat angerufen", "de", [("Koch", "PERSON")]),
    ("person-full", "Gestern war Anna Schmidt da", "de", [("Anna Schmidt", "PERSON")]),
    ("person-relation", "my wife Sarah says hi", "en", [("Sarah", "PERSON")]),
    ("person-signoff", "Danke für alles\nLG\nAnna", "de", [("Anna", "PERSON")]),
    ("person-intro", "Hi, I'm Tom and my parcel is late", "en", [("Tom", "PERSON")]),
    # German nouns that are also names/surnames: no context, so no person
    ("noun-not-name", "Der Koch und der Bauer sahen die Sonne im Mai", "de", []),
    # "Will" and "Rose" are English words before they are names
    ("ambiguous-en", "Will the Rose bloom?", "en", []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "lang", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_recognizers(
    analyzer: Analyzer, text: str, lang: str, expected: list[tuple[str, str]]
) -> None:
    assert found(analyzer, text, lang) == expected


def test_company_formats_are_configurable() -> None:
    analyzer = build_analyzer(
        company_formats={"ORDER_NUMBER": r"\bB-\d{8}\b", "CONTRACT_ID": r"V(?P<value>\d{6})"},
        use_ner=False,
    )
    text = "Auftrag B-12345678 zu V654321"
    assert found(analyzer, text, "de") == [
        ("B-12345678", "ORDER_NUMBER"),
        ("654321", "CONTRACT_ID"),
    ]


def test_company_format_bad_regex_is_a_configuration_error() -> None:
    from sphere.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        build_analyzer(company_formats={"ORDER_NUMBER": "(["}, use_ner=False)


def test_entities_filter(analyzer: Analyzer) -> None:
    text = "Hallo Anna, mail anna@example.com"
    assert [s.type for s in analyzer.analyze(text, lang="de", entities={"EMAIL_ADDRESS"})] == [
        "EMAIL_ADDRESS"
    ]


def test_icao_check_digit_reference() -> None:
    # ICAO 9303 part 3 specimen: document number L898902C3 has check digit 6
    assert icao_check_digit("L898902C3") == 6


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("15070649C103", True),
        ("15 070649 C 103", True),
        ("15070649C104", False),  # wrong check digit
        ("15071349C103", False),  # month 13
    ],
)
def test_pension_number_check(value: str, valid: bool) -> None:
    assert is_valid_pension_number(value) is valid


def test_overlap_resolution_prefers_score_then_length() -> None:
    from sphere.pii.analyzer import resolve_conflicts
    from sphere.pii.span import Span

    spans = [
        Span(0, 10, "A", 0.5, "r", ""),
        Span(2, 5, "B", 0.9, "r", ""),
        Span(4, 12, "C", 0.9, "r", ""),
        Span(20, 25, "D", 0.6, "r", ""),
    ]
    assert [s.type for s in resolve_conflicts(spans)] == ["C", "D"]


class _FakeTagger:
    def tag(self, text: str, lang: str) -> list[tuple[int, int, str, float]]:
        spans = []
        for word, label in (("Brkic Wqrtz", "PERSON"), ("Anna", "PERSON"), ("Sonne", "PERSON")):
            at = text.find(word)
            if at >= 0:
                spans.append((at, at + len(word), label, 0.8))
        return spans


def test_tagger_is_combined_with_lexicon_and_context() -> None:
    from sphere.pii.lexicon import Lexicons
    from sphere.pii.recognizers._tagger import SharedTagger
    from sphere.pii.recognizers.person import PersonRecognizer
    from sphere.pii.registry import RecognizerRegistry

    shared = SharedTagger()
    shared._tagger, shared._loaded = _FakeTagger(), True
    registry = RecognizerRegistry()
    registry.add(PersonRecognizer(Lexicons(), tagger=shared))
    analyzer = Analyzer(registry)
    text = "Gestern Brkic Wqrtz und Anna gesehen, die Sonne schien"
    spans = analyzer.analyze(text, lang="de")
    # tagger-only name kept; lexicon+tagger agreement scores higher; a common noun dropped
    assert [(text[s.start : s.end], s.explanation) for s in spans] == [
        ("Brkic Wqrtz", "ner"),
        ("Anna", "lexicon+ner"),
    ]
    assert spans[1].score > 0.6
