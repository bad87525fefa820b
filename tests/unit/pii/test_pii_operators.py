from __future__ import annotations

import pytest

from sphere.errors import ConfigurationError, InvalidInput
from sphere.pii.anonymizer import anonymize
from sphere.pii.operators import default_operator_registry
from sphere.pii.operators.encrypt import EncryptOperator, decrypt, decrypt_text
from sphere.pii.operators.generalize import GeneralizeOperator
from sphere.pii.operators.mask import MaskOperator
from sphere.pii.operators.pseudonymize import PseudonymizeOperator
from sphere.pii.operators.redact import RedactOperator
from sphere.pii.span import Span

TEXT = "Anna und anna trafen Tom"
SPANS = [Span(0, 4, "PERSON", 0.9, "t", ""), Span(9, 13, "PERSON", 0.9, "t", ""),
         Span(21, 24, "PERSON", 0.9, "t", "")]  # fmt: skip
KEY = b"k" * 32


def test_replace_numbers_consistently_within_a_document() -> None:
    result = anonymize(TEXT, SPANS)
    assert result.text == "<PERSON_1> und <PERSON_1> trafen <PERSON_2>"
    first = result.items[2]
    assert (first.start, first.end) == (21, 24)
    assert result.text[first.new_start : first.new_end] == "<PERSON_2>"


def test_redact_and_mask() -> None:
    assert anonymize(TEXT, SPANS, default=RedactOperator()).text == " und  trafen "
    assert anonymize("mail a@example.com", [Span(5, 18, "EMAIL_ADDRESS", 1, "t", "")],
                     default=MaskOperator()).text == "mail *@*******.***"  # fmt: skip


def test_pseudonym_is_stable_across_documents_and_keyed() -> None:
    op = PseudonymizeOperator(key=KEY)
    one = anonymize("Anna", [SPANS[0]], default=op).text
    two = anonymize("Anna", [SPANS[0]], default=PseudonymizeOperator(key=KEY)).text
    other = anonymize("Anna", [SPANS[0]], default=PseudonymizeOperator(key=b"x" * 32)).text
    assert one == two != other
    assert one.startswith("<PERSON:")
    with pytest.raises(ConfigurationError):
        PseudonymizeOperator(key=b"short")
    assert "k" * 8 not in repr(op)


def test_encrypt_round_trip_and_wrong_key() -> None:
    result = anonymize(TEXT, SPANS, default=EncryptOperator(key=KEY))
    assert "Anna" not in result.text
    assert decrypt_text(result.text, key=KEY) == TEXT
    token = result.text[result.items[0].new_start : result.items[0].new_end]
    assert decrypt(token, key=KEY) == "Anna"
    with pytest.raises(InvalidInput):
        decrypt(token, key=b"z" * 32)


@pytest.mark.parametrize(
    ("value", "entity", "expected"),
    [
        ("12.03.1985", "DATE_OF_BIRTH", "1985"),
        ("12.03.85", "DATE_TIME", "1985"),
        ("Hauptstraße 1, 10115 Berlin", "LOCATION", "10xxx"),
        ("34 Jahre", "AGE", "30-39"),
        ("Anna", "PERSON", "<PERSON>"),  # nothing to generalise to
    ],
)
def test_generalize(value: str, entity: str, expected: str) -> None:
    span = Span(0, len(value), entity, 1.0, "t", "")
    assert anonymize(value, [span], default=GeneralizeOperator()).text == expected


def test_operator_registry() -> None:
    registry = default_operator_registry()
    assert set(registry.names) == {
        "redact",
        "mask",
        "replace",
        "pseudonymize",
        "encrypt",
        "generalize",
    }
    with pytest.raises(ConfigurationError):
        registry.create("shred")


def test_per_type_operators() -> None:
    result = anonymize(TEXT, SPANS[:1], operators={"PERSON": RedactOperator()})
    assert result.text == " und anna trafen Tom"
