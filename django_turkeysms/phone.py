"""Phone numbers: parse what people type, validate it, format it for the provider.

Pure functions over the ``phonenumbers`` library (no Django). Every number the
package sends to is a :class:`phonenumbers.PhoneNumber` that went through
:func:`parse_phone`, so it is valid and a mobile number. Three spellings of the
same number are used:

* E.164 (``+905321234567``, :func:`to_e164`) – the key stored in the database;
* the provider's wire format (``905321234567``, :func:`to_provider`);
* a masked form for display and logs (``+90 532 *** ** 67``, :func:`mask`).

Bad input raises :class:`~django_turkeysms.exceptions.InvalidPhoneNumber` with a
short ``reason`` token and a message that says what to type instead.
"""

from __future__ import annotations

import reprlib
import unicodedata
from collections.abc import Collection

import phonenumbers
from phonenumbers import (
    NumberParseException,
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberFormat,
    PhoneNumberType,
)

from django_turkeysms.exceptions import CountryNotAllowed, InvalidPhoneNumber

__all__ = [
    "calling_code",
    "check_country",
    "is_international",
    "mask",
    "normalize",
    "normalize_digits",
    "parse_phone",
    "region_of",
    "to_e164",
    "to_provider",
]

TURKEY_COUNTRY_CODE = 90

#: Longest input (after stripping surrounding whitespace) worth parsing.
MAX_INPUT_LENGTH = 64

_MAX_SHOWN = 40
_ASCII_DIGITS = frozenset("0123456789")
# Separators people type or paste between digits, including the full-width and
# typographic variants that phonenumbers understands. Anything else (letters,
# control characters, ";ext=" …) is refused before phonenumbers sees it: it
# would otherwise read letters as a vanity number ("0532 ABC 1234").
_SEPARATORS = frozenset(
    " +-./()\u00a0\u2010\u2011\u2012\u2013\u2014\u2212\u3000\uff08\uff09\uff0b\uff0d"
)
_ALLOWED_CHARACTERS = _ASCII_DIGITS | _SEPARATORS
_MOBILE_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
_TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.PREMIUM_RATE: "premium-rate",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.TOLL_FREE: "toll-free",
    PhoneNumberType.VOIP: "VoIP",
    PhoneNumberType.UAN: "universal access",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.VOICEMAIL: "voicemail",
}
_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: (
        "invalid",
        "does not start with a known country code",
    ),
    NumberParseException.TOO_SHORT_AFTER_IDD: ("too_short", "is too short"),
    NumberParseException.TOO_SHORT_NSN: ("too_short", "is too short"),
    NumberParseException.TOO_LONG: ("too_long", "is too long"),
}
_NOT_A_NUMBER = ("invalid", "is not a phone number")
_GENERIC_HINT = (
    "Enter the number in international format, for example +90 532 123 45 67."
)


def normalize_digits(value: str) -> str:
    """Return ``value`` with every Unicode decimal digit replaced by its ASCII digit.

    Arabic-Indic (``٠``–``٩``), Eastern Arabic-Indic/Persian (``۰``–``۹``),
    full-width (``０``–``９``) and every other digit with a decimal value
    (``unicodedata.decimal``) become ``0``–``9``; all other characters are kept.
    """
    if value.isascii():
        return value
    return "".join(_ascii_digit(character) for character in value)


def _ascii_digit(character: str) -> str:
    digit = unicodedata.decimal(character, None)
    return character if digit is None else str(digit)


def parse_phone(value: object, *, region: str = "TR") -> PhoneNumber:
    """Parse and validate a mobile phone number.

    ``value`` is the text a person typed (``05321234567``, ``5321234567``,
    ``+90 532 123 45 67``, ``0090…``, ``(0532) 123-45-67``, with Arabic-Indic
    or full-width digits, surrounding whitespace …) or a ``PhoneNumber`` (such
    as django-phonenumber-field's). Numbers without a country code are read as
    numbers of ``region`` (an ISO 3166 alpha-2 code).

    Raises :class:`InvalidPhoneNumber` whose ``reason`` is one of
    ``not_a_string``, ``empty``, ``invalid_characters``, ``too_short``,
    ``too_long``, ``invalid`` or ``not_mobile``.
    """
    if isinstance(value, PhoneNumber):
        number, text = value, _number_text(value)
    elif isinstance(value, str):
        number, text = _parse_text(value, region=region.upper()), value
    else:
        raise InvalidPhoneNumber(
            f"Expected a phone number as text, got {type(value).__name__}. "
            "Pass a string such as '+90 532 123 45 67'.",
            reason="not_a_string",
            value=reprlib.repr(value)[:_MAX_SHOWN],
        )
    _check_mobile(number, text)
    return number


def _number_text(number: PhoneNumber) -> str:
    if number.national_number is None:
        return number.raw_input or ""
    return to_e164(number)


def _parse_text(value: str, *, region: str) -> PhoneNumber:
    text = value.strip()
    if not text:
        raise _error("empty", value, "is empty", _GENERIC_HINT)
    if len(text) > MAX_INPUT_LENGTH:
        raise _error("too_long", value, "is too long to be a phone number")
    text = normalize_digits(text)
    if not _ALLOWED_CHARACTERS.issuperset(text):
        raise _error(
            "invalid_characters",
            value,
            "contains characters that cannot be in a phone number",
            "Use only digits, spaces, '+', '-' and brackets.",
        )
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException as exc:
        reason, problem = _PARSE_ERRORS.get(exc.error_type, _NOT_A_NUMBER)
        hint = _hint(phonenumbers.country_code_for_region(region))
        raise _error(reason, value, problem, hint) from exc


def _check_mobile(number: PhoneNumber, text: str) -> None:
    if not phonenumbers.is_valid_number(number):
        raise _invalid_number_error(number, text)
    kind = phonenumbers.number_type(number)
    if kind not in _MOBILE_TYPES:
        name = _TYPE_NAMES.get(kind, "special")
        example = _example(number.country_code)
        raise _error(
            "not_mobile",
            text,
            f"is a {name} number, not a mobile number",
            f"SMS can only be sent to mobile numbers, for example {example}.",
        )


def _invalid_number_error(number: PhoneNumber, text: str) -> InvalidPhoneNumber:
    lengths = _mobile_lengths(number.country_code)
    if not lengths:
        return _error("invalid", text, "is not a valid phone number", _GENERIC_HINT)
    label = _country_label(number.country_code)
    # Digits of the national number: a trunk "0" that phonenumbers kept because
    # the rest is invalid ("0532 123 45 6") does not count.
    length = len(str(number.national_number or ""))
    if length < min(lengths):
        reason, problem = "too_short", f"is too short for a {label} mobile number"
    elif length > max(lengths):
        reason, problem = "too_long", f"is too long for a {label} mobile number"
    else:
        reason, problem = "invalid", f"is not a valid {label} phone number"
    return _error(reason, text, problem, _hint(number.country_code))


def _country_label(country_code: int | None) -> str:
    return "Turkish" if country_code == TURKEY_COUNTRY_CODE else f"+{country_code}"


def _error(reason: str, value: str, problem: str, hint: str = "") -> InvalidPhoneNumber:
    shown = repr(value[:_MAX_SHOWN]) + ("..." if len(value) > _MAX_SHOWN else "")
    message = f"{shown} {problem}." + (f" {hint}" if hint else "")
    return InvalidPhoneNumber(message, reason=reason, value=value[:_MAX_SHOWN])


def _mobile_lengths(country_code: int | None) -> tuple[int, ...]:
    """The national lengths of mobile numbers under ``country_code`` (or ``()``)."""
    region = phonenumbers.region_code_for_country_code(country_code or 0)
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.mobile is None:
        return ()
    return metadata.mobile.possible_length


def _example(country_code: int | None) -> str:
    region = phonenumbers.region_code_for_country_code(country_code or 0)
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if example is None:
        return "+90 532 123 45 67"
    return phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)


def _hint(country_code: int | None) -> str:
    lengths = _mobile_lengths(country_code)
    if not lengths:
        return _GENERIC_HINT
    digits = str(min(lengths))
    if max(lengths) != min(lengths):
        digits += f" to {max(lengths)}"
    example = _example(country_code)
    return f"Enter {digits} digits after +{country_code}, for example {example}."


def to_e164(number: PhoneNumber) -> str:
    """Format ``number`` as E.164: ``+905321234567``."""
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def to_provider(number: PhoneNumber) -> str:
    """Format ``number`` for the provider: country code and number, no ``+``."""
    return to_e164(number).removeprefix("+")


def region_of(number: PhoneNumber) -> str:
    """Return the ISO 3166 alpha-2 code of ``number``'s country, or ``""``."""
    region = phonenumbers.region_code_for_number(number)
    return region if region in phonenumbers.SUPPORTED_REGIONS else ""


def calling_code(region: str) -> str:
    """The calling code of an ISO 3166 alpha-2 region (``"+90"`` for TR), or ``"?"``."""
    code = phonenumbers.country_code_for_region(region.upper()) if region else 0
    return f"+{code}" if code else "?"


def is_international(number: PhoneNumber) -> bool:
    """Return whether ``number`` is outside Turkey (country code other than +90)."""
    return number.country_code != TURKEY_COUNTRY_CODE


def check_country(number: PhoneNumber, allowed: Collection[str] | None) -> None:
    """Raise :class:`CountryNotAllowed` unless ``number``'s country is ``allowed``.

    ``allowed`` holds ISO 3166 alpha-2 codes (any case); ``None`` or a ``"*"``
    entry allows every country.
    """
    if isinstance(allowed, str):
        allowed = (allowed,)
    if allowed is None or "*" in allowed:
        return
    region = region_of(number)
    if region and region in {code.upper() for code in allowed}:
        return
    country = f"{region} (+{number.country_code})" if region else "no country"
    entry = region or "*"
    raise CountryNotAllowed(
        f"{to_e164(number)!r} is a number from {country}, which is not an allowed "
        f"country (allowed: {', '.join(sorted(allowed)) or 'none'}). To allow it, "
        f'add {entry!r} to TURKEYSMS["ALLOWED_COUNTRIES"].',
        value=to_e164(number),
        country=region,
    )


def mask(number: PhoneNumber | str, *, region: str = "TR") -> str:
    """Return ``number`` for display and logs with its middle digits starred.

    Keeps the country code, the first three and the last two digits of the
    national number (``+90 532 *** ** 67``); short numbers keep fewer so that at
    least half of the digits are hidden. A string is parsed first (``region``
    for numbers without a country code); if that fails only its digits are kept,
    masked the same way. Never raises for a string or a ``PhoneNumber``.
    """
    if isinstance(number, str):
        try:
            parsed = phonenumbers.parse(normalize_digits(number), region.upper())
        except NumberParseException:
            return _mask_digits(_only_digits(number[:MAX_INPUT_LENGTH]))
        return mask(parsed)
    if number.national_number is None:
        return mask(number.raw_input or "", region=region)
    prefix = f"+{number.country_code}"
    formatted = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return prefix + _mask_digits(formatted.removeprefix(prefix))


def _only_digits(text: str) -> str:
    return "".join(c for c in normalize_digits(text) if c in _ASCII_DIGITS)


def _mask_digits(text: str) -> str:
    count = sum(character in _ASCII_DIGITS for character in text)
    hidden = max(count - 5, (count + 1) // 2)
    shown_at_end = min(2, count - hidden)
    first_hidden = count - hidden - shown_at_end
    characters: list[str] = []
    index = 0
    for character in text:
        if character in _ASCII_DIGITS:
            hide = first_hidden <= index < first_hidden + hidden
            characters.append("*" if hide else character)
            index += 1
        else:
            characters.append(character)
    return "".join(characters)


def normalize(
    value: object, *, region: str = "TR", allowed: Collection[str] | None = ("TR",)
) -> str:
    """Parse ``value``, apply the country policy and return it as E.164.

    The one-call helper: :func:`parse_phone`, :func:`check_country`, :func:`to_e164`.
    """
    number = parse_phone(value, region=region)
    check_country(number, allowed)
    return to_e164(number)
