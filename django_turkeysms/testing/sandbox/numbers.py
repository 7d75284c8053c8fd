"""Recipient numbers: validation, canonical form, country and operator names."""

from __future__ import annotations

import functools

TURKEY = "Turkey-TR"
UNKNOWN_COUNTRY = "International-XX"
INTERNATIONAL_OPERATOR = "International"

# Calling code -> the provider's "<Name>-<ISO2>" country label.
COUNTRIES = {
    "1": "United States-US",
    "7": "Russia-RU",
    "20": "Egypt-EG",
    "31": "Netherlands-NL",
    "33": "France-FR",
    "44": "United Kingdom-GB",
    "49": "Germany-DE",
    "962": "Jordan-JO",
    "963": "Syria-SY",
    "964": "Iraq-IQ",
    "966": "Saudi Arabia-SA",
    "971": "United Arab Emirates-AE",
    "994": "Azerbaijan-AZ",
}
# Turkish mobile prefix after "90" -> operator.
OPERATORS = {
    "50": "Türk Telekom",
    "53": "Turkcell",
    "54": "Vodafone",
    "55": "Türk Telekom",
}


def _strip_prefix(raw: str) -> str:
    if raw.startswith("+"):
        return raw[1:]
    if raw.startswith("00"):
        return raw[2:]
    return raw


def _is_turkish_mobile(national: str) -> bool:
    return len(national) == 10 and national.startswith("5")


@functools.lru_cache(maxsize=4096)
def canonical_number(raw: str) -> str | None:
    """Return the number as the provider stores it (digits, country code first).

    ``None`` means the provider answers TS-1034 (invalid number).
    """
    digits = _strip_prefix(raw)
    if not (digits.isascii() and digits.isdigit()):
        return None
    if digits.startswith("90"):
        return digits if _is_turkish_mobile(digits[2:]) else None
    if _is_turkish_mobile(digits):
        return "90" + digits
    if 8 <= len(digits) <= 15 and not digits.startswith("0"):
        return digits
    return None


def number_key(raw: str) -> str:
    """The key counters and per-number settings use: canonical when valid."""
    return canonical_number(raw) or raw


def is_turkish(number: str) -> bool:
    return number.startswith("90")


def country_of(number: str) -> str:
    if is_turkish(number):
        return TURKEY
    for length in (3, 2, 1):
        country = COUNTRIES.get(number[:length])
        if country is not None:
            return country
    return UNKNOWN_COUNTRY


def operator_of(number: str) -> str:
    if not is_turkish(number):
        return INTERNATIONAL_OPERATOR
    return OPERATORS.get(number[2:4], INTERNATIONAL_OPERATOR)
