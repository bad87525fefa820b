"""ICAO Doc 9303 check digit (weights 7-3-1, letters A=10 … Z=35, "<" = 0), used by
German ID cards and passports in their machine-readable zone."""

from __future__ import annotations


def icao_check_digit(value: str) -> int:
    total = 0
    for i, char in enumerate(value.upper()):
        if char.isdigit():
            number = int(char)
        elif "A" <= char <= "Z":
            number = ord(char) - 55
        else:
            number = 0
        total += number * (7, 3, 1)[i % 3]
    return total % 10
