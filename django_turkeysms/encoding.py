"""SMS alphabets: choose the provider's ``sms_lang`` and count segments.

Pure functions, no Django. The provider knows three encodings (``sms_lang``):

* ``0`` – GSM-7, the GSM 03.38 basic table plus its extension table;
* ``1`` – Turkish: GSM-7 with the 3GPP TS 23.038 Turkish national language
  *single shift* table instead of the default extension table;
* ``2`` – UCS-2 (UTF-16 on the wire): Arabic and everything else.

A character from a shift (or extension) table is sent as an escape septet
followed by its code, so it costs two septets; a character outside the Basic
Multilingual Plane is a UTF-16 surrogate pair and costs two units. A two-unit
character is never split across the parts of a long (concatenated) message.

:func:`encoding_tables` describes the tables and limits as JSON for a browser-side
counter; the counting code here is driven by exactly the same constants.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "ESCAPE",
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "TURKISH_SHIFT",
    "SegmentInfo",
    "SmsLang",
    "count_segments",
    "detect_lang",
    "encoding_tables",
]

#: The GSM 03.38 basic table in code order (0x00–0x7F), without the escape 0x1B.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The default extension table: form feed and ``^ { } \\ [ ~ ] | €`` (two septets each).
GSM7_EXTENSION = "\f^{}\\[~]|€"
#: The Turkish national language single shift table (two septets each).
TURKISH_SHIFT = "\f^{}\\[~]|ĞİŞç€ğış"

ESCAPE = "\x1b"

_TABLES = {
    "basic": GSM7_BASIC,
    "extension": GSM7_EXTENSION,
    "turkish_shift": TURKISH_SHIFT,
}


class SmsLang(enum.IntEnum):
    """The provider's ``sms_lang`` values."""

    GSM7 = 0
    TURKISH = 1
    UCS2 = 2


@dataclass(frozen=True)
class _Profile:
    """How one ``sms_lang`` counts: units per message and its two-unit table."""

    unit: str
    single: int
    multipart: int
    shift: str | None  # key in _TABLES of the two-septet characters; None for UCS-2


_PROFILES = {
    SmsLang.GSM7: _Profile("septet", single=160, multipart=153, shift="extension"),
    # 155 / 149: the language identifier costs header space (count_segments()).
    SmsLang.TURKISH: _Profile(
        "septet", single=155, multipart=149, shift="turkish_shift"
    ),
    SmsLang.UCS2: _Profile("utf16", single=70, multipart=67, shift=None),
}


def _character_class(characters: str) -> str:
    return "[" + "".join(map(re.escape, characters)) + "]"


# Built once from the tables above. The two-septet characters of each septet
# encoding, its alphabet as a set (for error messages) and as regular
# expressions: the hot path runs in C, a few nanoseconds per character.
_SHIFTED = {
    lang: _TABLES[profile.shift]
    for lang, profile in _PROFILES.items()
    if profile.shift is not None
}
_CHARACTERS = {
    lang: frozenset(GSM7_BASIC + shifted) for lang, shifted in _SHIFTED.items()
}
_ENCODABLE = {
    lang: re.compile(_character_class(GSM7_BASIC + shifted) + "*")
    for lang, shifted in _SHIFTED.items()
}
_BEFORE_SHIFTED = {
    lang: re.compile("(?=" + _character_class(shifted) + ")")
    for lang, shifted in _SHIFTED.items()
}


@dataclass(frozen=True)
class SegmentInfo:
    """The size of a text once encoded as ``lang``.

    ``characters`` counts code points; ``units`` counts septets (GSM-7, Turkish)
    or UTF-16 code units (UCS-2). ``per_segment`` is the capacity of one segment
    of this message (single or multipart) and ``remaining`` what is left in the
    last segment.
    """

    lang: SmsLang
    characters: int
    units: int
    segments: int
    per_segment: int
    remaining: int


def detect_lang(text: str) -> SmsLang:
    """Return the cheapest ``sms_lang`` that can carry ``text``.

    GSM-7 when every character is in the basic or the extension table, else
    Turkish when every character is in the basic or the Turkish single shift
    table, else UCS-2.
    """
    for lang in (SmsLang.GSM7, SmsLang.TURKISH):
        if _ENCODABLE[lang].fullmatch(text):
            return lang
    return SmsLang.UCS2


def count_segments(text: str, lang: SmsLang | None = None) -> SegmentInfo:
    """Count the units and segments ``text`` needs as ``lang`` (``None``: detect).

    ========  ======  =========  ====================================
    lang      single  multipart  two-unit characters
    ========  ======  =========  ====================================
    GSM7      160     153        extension table (escape + code)
    TURKISH   155     149        Turkish single shift table
    UCS2      70      67         outside the BMP (surrogate pair)
    ========  ======  =========  ====================================

    Turkish loses capacity to the national language identifier in the user data
    header: the 3-octet information element plus the 1-octet header length leave
    ``(1120 - 32) // 7 = 155`` septets; a multipart segment also carries the
    5-octet concatenation element, leaving ``(1120 - 72) // 7 = 149``.
    A two-unit character is never split, so a multipart segment may hold one
    unit less than its capacity. Empty text needs 0 segments.

    Raises :class:`ValueError` if ``lang`` is given and cannot encode ``text``.
    """
    lang = detect_lang(text) if lang is None else _check_encodable(text, SmsLang(lang))
    profile = _PROFILES[lang]
    units = _count_units(text, lang)
    if units <= profile.single:
        segments, last = (1 if units else 0), units
        per_segment = profile.single
    else:
        per_segment = profile.multipart
        segments, last = _split(units, per_segment, _pair_starts(text, lang))
    return SegmentInfo(
        lang, len(text), units, segments, per_segment, per_segment - last
    )


def _check_encodable(text: str, lang: SmsLang) -> SmsLang:
    if lang is SmsLang.UCS2 or _ENCODABLE[lang].fullmatch(text):
        return lang
    unsupported = "".join(dict.fromkeys(c for c in text if c not in _CHARACTERS[lang]))
    raise ValueError(
        f"sms_lang {lang.name} ({lang.value}) cannot encode the characters "
        f"{unsupported[:20]!r}; use {detect_lang(text).name} or let "
        "count_segments() detect the encoding (lang=None)."
    )


def _count_units(text: str, lang: SmsLang) -> int:
    shifted = _SHIFTED.get(lang)
    if shifted is None:
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text) + sum(map(text.count, shifted))


def _pair_starts(text: str, lang: SmsLang) -> Callable[[int], bool]:
    """A test of "unit ``i`` is the first half of a two-unit character"."""
    if lang is SmsLang.UCS2:
        data = text.encode("utf-16-be", "surrogatepass")
        return lambda i: 0xD8 <= data[2 * i] <= 0xDB and 0xDC <= data[2 * i + 2] <= 0xDF
    septets = _BEFORE_SHIFTED[lang].sub(ESCAPE, text)
    return lambda i: septets[i] == ESCAPE


def _split(
    units: int, capacity: int, pair_starts: Callable[[int], bool]
) -> tuple[int, int]:
    """Fill segments of ``capacity`` greedily; return (segments, units in the last)."""
    start = segments = 0
    while units - start > capacity:
        end = start + capacity
        if pair_starts(end - 1):
            end -= 1
        start, segments = end, segments + 1
    return segments + 1, units - start


def encoding_tables() -> dict[str, object]:
    """Describe the alphabets and limits as JSON-serialisable data.

    ``tables`` holds the characters of the basic, extension and Turkish shift
    tables, ``escape`` the escape septet that precedes a shifted character;
    ``langs`` maps each :class:`SmsLang` name to its ``sms_lang`` value,
    unit (``septet`` or ``utf16``), ``single`` and ``multipart`` capacities and
    ``shift``, the name of the table whose characters cost two septets (``None``
    for UCS-2, where characters outside the BMP cost two units).
    """
    return {
        "tables": dict(_TABLES),
        "escape": ESCAPE,
        "langs": {
            lang.name: {
                "sms_lang": lang.value,
                "unit": profile.unit,
                "single": profile.single,
                "multipart": profile.multipart,
                "shift": profile.shift,
            }
            for lang, profile in _PROFILES.items()
        },
    }
