"""Built-in recognizers, one per module. ``register_defaults`` adds them to a registry
through the same public ``RecognizerRegistry.add`` a third party would use."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sphere.pii.lexicon import Lexicons
from sphere.pii.recognizers._tagger import SharedTagger
from sphere.pii.registry import RecognizerRegistry


def register_defaults(
    registry: RecognizerRegistry,
    *,
    lexicons: Lexicons,
    company_formats: Mapping[str, str] | None = None,
    use_ner: bool = True,
    ner_model: Path | None = None,
    recall_bias: float | None = None,
) -> None:
    """Add every shipped recognizer to ``registry`` (``ner_model``/``recall_bias``: see
    ``SharedTagger``)."""
    from sphere.pii.recognizers.address import AddressRecognizer
    from sphere.pii.recognizers.company_number import (
        CompanyFormatRecognizer,
        CustomerNumberRecognizer,
        OrderNumberRecognizer,
    )
    from sphere.pii.recognizers.credit_card import CreditCardRecognizer
    from sphere.pii.recognizers.date import DateRecognizer
    from sphere.pii.recognizers.de_id_card import DeIdCardRecognizer
    from sphere.pii.recognizers.de_license_plate import DeLicensePlateRecognizer
    from sphere.pii.recognizers.de_passport import DePassportRecognizer
    from sphere.pii.recognizers.de_pension_number import DePensionNumberRecognizer
    from sphere.pii.recognizers.de_tax_id import DeTaxIdRecognizer
    from sphere.pii.recognizers.email import EmailRecognizer
    from sphere.pii.recognizers.iban import IbanRecognizer
    from sphere.pii.recognizers.ip_address import IpAddressRecognizer
    from sphere.pii.recognizers.person import PersonRecognizer
    from sphere.pii.recognizers.phone import PhoneRecognizer
    from sphere.pii.recognizers.social_handle import SocialHandleRecognizer
    from sphere.pii.recognizers.tagged_location import TaggedLocationRecognizer
    from sphere.pii.recognizers.url import UrlRecognizer

    tagger = (
        SharedTagger(lexicons, model_path=ner_model, recall_bias=recall_bias) if use_ner else None
    )
    for recognizer in (
        EmailRecognizer(),
        SocialHandleRecognizer(),
        UrlRecognizer(),
        PhoneRecognizer(),
        IbanRecognizer(),
        CreditCardRecognizer(),
        IpAddressRecognizer(),
        DeTaxIdRecognizer(),
        DePensionNumberRecognizer(),
        DeIdCardRecognizer(),
        DePassportRecognizer(),
        DeLicensePlateRecognizer(lexicons),
        AddressRecognizer(lexicons),
        DateRecognizer(),
        OrderNumberRecognizer(),
        CustomerNumberRecognizer(),
        PersonRecognizer(lexicons, use_ner=use_ner, tagger=tagger),
    ):
        registry.add(recognizer)
    if use_ner:
        registry.add(TaggedLocationRecognizer(tagger))
    if company_formats:
        registry.add(CompanyFormatRecognizer(company_formats))
