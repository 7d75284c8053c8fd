"""Segment counting: GSM-7, GSM-7 with the Turkish single-shift table, UCS-2.

Deliberately independent of ``django_turkeysms.encoding`` so that the sandbox and
the client cannot hide each other's mistakes.
"""

from __future__ import annotations

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters reached through an escape: two septets each.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
TURKISH_SHIFT = frozenset("ğĞıİşŞç")
GSM_ALL = GSM_BASIC | GSM_EXTENSION
TURKISH_ALL = GSM_ALL | TURKISH_SHIFT

GSM = "gsm"
TURKISH = "turkish"
UCS2 = "ucs2"

# (units in a single message, units per part of a concatenated message)
LIMITS = {GSM: (160, 153), TURKISH: (155, 149), UCS2: (70, 67)}
ARABIC_LANG = 2


def encoding_for(text: str, sms_lang: int) -> str:
    """Return the encoding the provider sends ``text`` with.

    ``sms_lang`` 2 ("Arabic", the provider's UTF-8 default) always means UCS-2;
    otherwise the text decides.
    """
    if sms_lang == ARABIC_LANG:
        return UCS2
    chars = set(text)
    if chars <= GSM_ALL:
        return GSM
    if chars <= TURKISH_ALL:
        return TURKISH
    return UCS2


def unit_cost(char: str, encoding: str) -> int:
    """Septets (GSM encodings) or UTF-16 code units (UCS-2) one character takes."""
    if encoding == UCS2:
        return 2 if ord(char) > 0xFFFF else 1
    return 1 if char in GSM_BASIC else 2


def count_segments(text: str, sms_lang: int) -> int:
    """Number of SMS parts (and credits) ``text`` needs; never splits a character."""
    encoding = encoding_for(text, sms_lang)
    single, part = LIMITS[encoding]
    if len(text) * 2 <= single:  # short enough whatever each character costs
        return 1
    costs = [unit_cost(char, encoding) for char in text]
    if sum(costs) <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return segments
