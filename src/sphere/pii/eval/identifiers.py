"""Made-up identifiers with *valid* check digits, for the evaluation set.

A recognizer that validates check digits (as Sphere's do) must be tested on numbers
that pass them; a recognizer that does not validate is then measured on the tricky
negatives instead. Every value here is drawn from a seeded ``random.Random`` so the
data set is reproducible. Formats:

* IBAN: ``DE`` + ISO 7064 MOD 97-10 check digits + 8-digit bank code + 10-digit account.
* Card numbers: test-range prefixes (4111…, 5555…, 3782…, 6011…) completed with a Luhn digit.
* Steuer-ID (§139b AO): 11 digits, first not 0, exactly one digit repeated 2-3 times in the
  first ten, ISO 7064 MOD 11,10 check digit (checked with python-stdnum).
* Rentenversicherungsnummer (§147 SGB VI): area(2) + birth date DDMMYY + surname initial +
  serial(2) + check digit (weights 2,1,2,5,7,1,2,1,2,1,2,1 over digits with the letter as
  its two-digit alphabet position; digit sums of the products, mod 10).
* Personalausweis / Reisepass document numbers: 9 characters from the ICAO 9303 alphabet
  used by the Bundesdruckerei, optionally followed by the 7-3-1 check digit.
* Phone numbers: German formats with random subscriber digits; UK/US ones inside the
  ranges reserved for drama (020 7946 0xxx, 555-01xx).
"""

from __future__ import annotations

import random

from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.de import idnr

_DOC_ALPHABET = "CFGHJKLMNPRTVWXYZ0123456789"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def iban_de(rng: random.Random, *, grouped: bool | None = None) -> str:
    bban = _digits(rng, 8) + _digits(rng, 10)
    check = std_iban.calc_check_digits("DE00" + bban)
    number = f"DE{check}{bban}"
    assert std_iban.is_valid(number)
    if grouped is None:
        grouped = rng.random() < 0.7
    return std_iban.format(number) if grouped else number


def credit_card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4111", 16), ("4000", 16), ("5555", 16), ("5105", 16)])
    body = prefix + _digits(rng, length - len(prefix) - 1)
    number = body + luhn.calc_check_digit(body)
    style = rng.random()
    if style < 0.6:
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))
    if style < 0.8:
        return "-".join(number[i : i + 4] for i in range(0, 16, 4))
    return number


def steuer_id(rng: random.Random) -> str:
    while True:
        digits = [rng.choice("123456789")] + [rng.choice("0123456789") for _ in range(9)]
        candidate = "".join(digits)
        for check in "0123456789":
            if idnr.is_valid(candidate + check):
                number = candidate + check
                if rng.random() < 0.5:
                    return number
                return f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"


def _rv_check_digit(core: str) -> str:
    weights = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)
    letter_pos = ord(core[8]) - ord("A") + 1
    digits = core[:8] + f"{letter_pos:02d}" + core[9:11]
    total = sum(sum(int(c) for c in str(int(d) * w)) for d, w in zip(digits, weights, strict=True))
    return str(total % 10)


def pension_number(rng: random.Random, *, surname: str = "M") -> str:
    area = rng.choice(["12", "13", "15", "17", "24", "28", "38", "42", "53", "65"])
    born = f"{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(50, 99):02d}"
    initial = surname[:1].upper() if surname[:1].isalpha() and surname[:1].isascii() else "M"
    core = area + born + initial + f"{rng.randint(0, 99):02d}"
    number = core + _rv_check_digit(core)
    if rng.random() < 0.5:
        return number
    return f"{number[:2]} {number[2:8]} {number[8]} {number[9:]}"


def _icao_check_digit(value: str) -> str:
    weights = (7, 3, 1)
    total = 0
    for i, char in enumerate(value):
        n = int(char) if char.isdigit() else ord(char) - ord("A") + 10
        total += n * weights[i % 3]
    return str(total % 10)


def _document_number(rng: random.Random, first: str) -> str:
    body = rng.choice(first) + "".join(rng.choice(_DOC_ALPHABET) for _ in range(8))
    return body + _icao_check_digit(body) if rng.random() < 0.4 else body


def id_card(rng: random.Random) -> str:
    return _document_number(rng, "LMNPRTVWXY")


def passport(rng: random.Random) -> str:
    return _document_number(rng, "CFGHJK")


def license_plate(rng: random.Random) -> str:
    district = rng.choice(["K", "B", "M", "HH", "F", "S", "D", "DO", "BN", "LEV", "GL", "AC"])
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.randint(1, 2)))
    number = str(rng.randint(1, 9999))
    suffix = "E" if rng.random() < 0.1 else ""
    sep = "-" if rng.random() < 0.7 else " "
    return f"{district}{sep}{letters} {number}{suffix}"


def order_number(rng: random.Random) -> str:
    """Shop order numbers; several formats deliberately look like phone numbers."""
    style = rng.randrange(4)
    if style == 0:
        return f"{_digits(rng, 3)}-{_digits(rng, 7)}-{_digits(rng, 7)}"
    if style == 1:
        return f"A-{rng.randint(2019, 2026)}-{_digits(rng, 6)}"
    if style == 2:
        return f"0{_digits(rng, 3)} {_digits(rng, 7)}"  # looks like a German landline
    return f"#{_digits(rng, 8)}"


def customer_number(rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"KD-{_digits(rng, 6)}"
    if style == 1:
        return f"K{_digits(rng, 9)}"
    return _digits(rng, 8)


def phone_de(rng: random.Random) -> str:
    mobile = rng.choice(["151", "160", "170", "171", "172", "176", "157", "1590"])
    area = rng.choice(["30", "40", "69", "89", "221", "211", "711", "351", "341", "511"])
    style = rng.randrange(8)
    if style == 0:
        return f"0{mobile} {_digits(rng, 7)}"
    if style == 1:
        return f"+49 {mobile} {_digits(rng, 7)}"
    if style == 2:
        return f"+49 {area} {_digits(rng, 7)}"
    if style == 3:
        d = _digits(rng, 7)
        return f"(0{area}) {d[:3]} {d[3:5]} {d[5:]}"
    if style == 4:
        return f"0{area}/{_digits(rng, 7)}"
    if style == 5:
        return f"0{area}-{_digits(rng, 6)}"
    if style == 6:
        return f"+49 (0){area} {_digits(rng, 8)}"
    return f"0{mobile}-{_digits(rng, 3)} {_digits(rng, 4)}"


def phone_en(rng: random.Random) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"({rng.choice(['212', '312', '415', '617'])}) 555-01{_digits(rng, 2)}"
    if style == 1:
        return f"+1 212 555 01{_digits(rng, 2)}"
    if style == 2:
        return f"+44 20 7946 0{_digits(rng, 3)}"
    if style == 3:
        return f"020 7946 0{_digits(rng, 3)}"
    return f"555-01{_digits(rng, 2)}"


def ip_address(rng: random.Random) -> str:
    style = rng.randrange(6)
    if style == 0:
        return f"192.0.2.{rng.randint(1, 254)}"
    if style == 1:
        return f"198.51.100.{rng.randint(1, 254)}"
    if style == 2:
        return f"203.0.113.{rng.randint(1, 254)}"
    if style == 3:
        return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if style == 4:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return f"2001:db8:{rng.randint(0, 0xFFFF):x}::{rng.randint(1, 0xFFFF):x}"


def version_string(rng: random.Random) -> str:
    """A four-part version number that looks like an IPv4 address (a tricky negative)."""
    return f"{rng.randint(1, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}"
