"""Order and customer numbers.

Built in: any code of 4–25 letters/digits (at least one digit) right after an order,
shipment, ticket or customer word ("Bestellnr. 4711-0815-22", "Kundennummer: K-123456",
"order #A12345", "Sendung #22920544", "Bestellnummer 0301 2345678"), 0.8 — more than a
phone number's 0.75, so a landline-shaped order number stays an order number. Codes
with fewer than five letters and digits ("Ticket #4711") are not reported. Companies
add their exact formats via ``build_analyzer(company_formats=...)``: a mapping entity →
regex (a named group ``value`` marks the part to report), 0.9.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from sphere.errors import ConfigurationError
from sphere.pii.document import Document
from sphere.pii.span import Span

# the value keeps a glued "#" ("Sendung #22920544") and one inner space before a group
# of 3+ digits ("Bestellnummer 0301 2345678", formatted like a landline on purpose)
_CODE = (
    r":? ?(?:nr\.?|no\.?|nummer|number)? ?:? ?(?:(?:is|ist|lautet) )?"
    r"(?P<value>#?[A-Z0-9][A-Z0-9\-/]{3,24}(?: \d{3,}(?![\w\-/]))?)(?![\w\-])"
)


def _keyed(words: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{words}){_CODE}", re.IGNORECASE)


_ALNUM = re.compile(r"[A-Za-z0-9]")


class _KeywordCodeRecognizer:
    #: Shops print order and parcel numbers with their "#"; customer numbers have none.
    KEEP_HASH = True
    ENTITY: str
    PATTERN: re.Pattern[str]
    NAME: str
    LANGUAGES = frozenset({"de", "en", "und"})
    _digit_re = re.compile(r"\d")

    def analyze(self, doc: Document) -> Iterator[Span]:
        if self._digit_re.search(doc.norm) is None:
            return
        for match in self.PATTERN.finditer(doc.norm):
            value = match.group("value")
            if self._digit_re.search(value) is None or len(_ALNUM.findall(value)) < 5:
                continue
            start, end = match.span("value")
            if value.startswith("#") and not self.KEEP_HASH:
                start += 1  # "Customer #48359906": the number, not the sign
            yield Span(start, end, self.ENTITY, 0.8, self.NAME, "keyword and code")


class OrderNumberRecognizer(_KeywordCodeRecognizer):
    NAME = "order_number"
    ENTITY = "ORDER_NUMBER"
    ENTITIES = ("ORDER_NUMBER",)
    PATTERN = _keyed(
        r"bestell(?:ung|nummer|nr\.?|-nr\.?)|auftrags?(?:nummer|nr\.?|-nr\.?)?"
        r"|rechnungs?(?:nummer|nr\.?|-nr\.?)?|sendungs(?:nummer|nr\.?)"
        r"|order(?: ?(?:number|no\.?|nr\.?|id))?|invoice(?: ?(?:number|no\.?))?"
        r"|sendung|(?:support-?)?ticket|vorgangs(?:nummer|nr\.?)|tracking(?: ?(?:number|no\.?))?"
    )


class CustomerNumberRecognizer(_KeywordCodeRecognizer):
    NAME = "customer_number"
    ENTITY = "CUSTOMER_NUMBER"
    ENTITIES = ("CUSTOMER_NUMBER",)
    KEEP_HASH = False
    PATTERN = _keyed(
        r"kunden(?:nummer|nr\.?|-nr\.?|konto)|kd\.?-?nr\.?|mitglieds(?:nummer|nr\.?)"
        r"|vertrags(?:nummer|nr\.?)|customer(?: ?(?:number|no\.?|id|account))?"
        r"|account(?: ?(?:number|no\.?))|membership(?: ?number)?|cust\.? ?no\.?"
    )


class CompanyFormatRecognizer:
    """The company's own formats: ``{"ORDER_NUMBER": r"\\bB-\\d{8}\\b", ...}``."""

    NAME = "company_formats"
    LANGUAGES = frozenset({"de", "en", "und"})

    def __init__(self, formats: Mapping[str, str]) -> None:
        compiled: list[tuple[str, re.Pattern[str]]] = []
        for entity, pattern in formats.items():
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", entity):
                raise ConfigurationError(f"company format entity {entity!r} must be UPPER_CASE")
            try:
                compiled.append((entity, re.compile(pattern)))
            except re.error as exc:
                raise ConfigurationError(f"company format {entity}: invalid regex ({exc})") from exc
        self._formats = tuple(compiled)
        self.ENTITIES = tuple(entity for entity, _ in compiled)

    def analyze(self, doc: Document) -> Iterator[Span]:
        for entity, pattern in self._formats:
            for match in pattern.finditer(doc.norm):
                if "value" in pattern.groupindex and match.group("value") is not None:
                    start, end = match.span("value")
                else:
                    start, end = match.span()
                if end > start:
                    yield Span(start, end, entity, 0.9, self.NAME, "company format")
