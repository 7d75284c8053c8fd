"""sms_lang detection and segment counting, checked against a brute-force encoder."""

from __future__ import annotations

import json
import re
import time

import pytest

from django_turkeysms.encoding import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    TURKISH_SHIFT,
    SegmentInfo,
    SmsLang,
    count_segments,
    detect_lang,
    encoding_tables,
)

# -- the tables of 3GPP TS 23.038, written out by code point (independent copy) ----

SPEC_BASIC = {code: chr(code) for code in range(0x20, 0x80)} | {
    0x00: "@", 0x01: "£", 0x02: "$", 0x03: "¥", 0x04: "è", 0x05: "é", 0x06: "ù",
    0x07: "ì", 0x08: "ò", 0x09: "Ç", 0x0A: "\n", 0x0B: "Ø", 0x0C: "ø", 0x0D: "\r",
    0x0E: "Å", 0x0F: "å", 0x10: "Δ", 0x11: "_", 0x12: "Φ", 0x13: "Γ", 0x14: "Λ",
    0x15: "Ω", 0x16: "Π", 0x17: "Ψ", 0x18: "Σ", 0x19: "Θ", 0x1A: "Ξ", 0x1C: "Æ",
    0x1D: "æ", 0x1E: "ß", 0x1F: "É", 0x24: "¤", 0x40: "¡", 0x5B: "Ä", 0x5C: "Ö",
    0x5D: "Ñ", 0x5E: "Ü", 0x5F: "§", 0x60: "¿", 0x7B: "ä", 0x7C: "ö", 0x7D: "ñ",
    0x7E: "ü", 0x7F: "à",
}  # fmt: skip
SPEC_EXTENSION = {
    0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~",
    0x3E: "]", 0x40: "|", 0x65: "€",
}  # fmt: skip
SPEC_TURKISH_SHIFT = SPEC_EXTENSION | {
    0x47: "Ğ", 0x49: "İ", 0x53: "Ş", 0x63: "ç", 0x67: "ğ", 0x69: "ı", 0x73: "ş",
}  # fmt: skip
ESC = 0x1B
LIMITS = {SmsLang.GSM7: (160, 153), SmsLang.TURKISH: (155, 149), SmsLang.UCS2: (70, 67)}


# -- the reference: encode to tokens, then chunk greedily ----------------------------


def encode_septets(text, shift_table):
    """A list of tokens (tuples of septets), or None if a character is missing."""
    basic = {character: code for code, character in SPEC_BASIC.items()}
    shifted = {character: code for code, character in shift_table.items()}
    tokens: list[tuple[int, ...]] = []
    for character in text:
        if character in basic:
            tokens.append((basic[character],))
        elif character in shifted:
            tokens.append((ESC, shifted[character]))
        else:
            return None
    return tokens


def encode_ucs2(text):
    tokens = []
    for character in text:
        data = character.encode("utf-16-be", "surrogatepass")
        tokens.append(tuple(data[i : i + 2] for i in range(0, len(data), 2)))
    return tokens


def encode(text, lang):
    if lang == SmsLang.UCS2:
        return encode_ucs2(text)
    table = SPEC_EXTENSION if lang == SmsLang.GSM7 else SPEC_TURKISH_SHIFT
    return encode_septets(text, table)


def reference(text, lang=None):
    """(lang, units, segments, per_segment, remaining) by brute force."""
    if lang is None:
        lang = next(
            candidate
            for candidate in (SmsLang.GSM7, SmsLang.TURKISH, SmsLang.UCS2)
            if encode(text, candidate) is not None
        )
    tokens = encode(text, lang)
    single, multipart = LIMITS[lang]
    units = sum(len(token) for token in tokens)
    if units <= single:
        return lang, units, 1 if units else 0, single, single - units
    parts: list[list[tuple[object, ...]]] = [[]]
    for token in tokens:
        if sum(map(len, parts[-1])) + len(token) > multipart:
            parts.append([])
        parts[-1].append(token)
    last = sum(map(len, parts[-1]))
    return lang, units, len(parts), multipart, multipart - last


def summary(info):
    return info.lang, info.units, info.segments, info.per_segment, info.remaining


# -- the tables ---------------------------------------------------------------------


def test_tables_match_the_standard():
    assert "".join(SPEC_BASIC[code] for code in sorted(SPEC_BASIC)) == GSM7_BASIC
    assert set(GSM7_EXTENSION) == set(SPEC_EXTENSION.values())
    assert set(TURKISH_SHIFT) == set(SPEC_TURKISH_SHIFT.values())
    assert len(GSM7_BASIC) == 127
    assert not set(GSM7_BASIC) & set(TURKISH_SHIFT)


def test_encoding_tables_round_trip_through_json():
    tables = encoding_tables()

    assert json.loads(json.dumps(tables)) == tables
    assert tables["tables"] == {
        "basic": GSM7_BASIC,
        "extension": GSM7_EXTENSION,
        "turkish_shift": TURKISH_SHIFT,
    }
    assert tables["escape"] == "\x1b"


def test_encoding_tables_limits():
    langs = encoding_tables()["langs"]

    assert langs == {
        "GSM7": {
            "sms_lang": 0,
            "unit": "septet",
            "single": 160,
            "multipart": 153,
            "shift": "extension",
        },
        "TURKISH": {
            "sms_lang": 1,
            "unit": "septet",
            "single": 155,
            "multipart": 149,
            "shift": "turkish_shift",
        },
        "UCS2": {
            "sms_lang": 2,
            "unit": "utf16",
            "single": 70,
            "multipart": 67,
            "shift": None,
        },
    }


def test_sms_lang_values():
    assert [int(lang) for lang in SmsLang] == [0, 1, 2]
    assert [lang.name for lang in SmsLang] == ["GSM7", "TURKISH", "UCS2"]


# -- detection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("", SmsLang.GSM7),
        ("Your code is 123456.", SmsLang.GSM7),
        ("Çok güzel! Öğle? ", SmsLang.TURKISH),
        ("ÇÖÜöü", SmsLang.GSM7),
        ("ç", SmsLang.TURKISH),
        ("€", SmsLang.GSM7),
        ("{[~]}|^\\\f", SmsLang.GSM7),
        ("İstanbul Şişli ığdır", SmsLang.TURKISH),
        ("€ ve ç", SmsLang.TURKISH),
        ("مرحبا", SmsLang.UCS2),
        ("ğüşıöçİ😀", SmsLang.UCS2),
        ("Ê", SmsLang.UCS2),
        ("\x1b", SmsLang.UCS2),
        ("tab\there", SmsLang.UCS2),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) is lang
    assert count_segments(text).lang is lang


# -- boundaries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (SmsLang.GSM7, 0, 0, 0, 160, 160)),
        ("a" * 160, (SmsLang.GSM7, 160, 160, 1, 160, 0)),
        ("a" * 161, (SmsLang.GSM7, 161, 161, 2, 153, 145)),
        ("a" * 306, (SmsLang.GSM7, 306, 306, 2, 153, 0)),
        ("a" * 307, (SmsLang.GSM7, 307, 307, 3, 153, 152)),
        ("a" * 158 + "€", (SmsLang.GSM7, 159, 160, 1, 160, 0)),
        ("a" * 159 + "€", (SmsLang.GSM7, 160, 161, 2, 153, 145)),
        # The escape would be septet 153 of part 1: the pair moves to part 2.
        ("a" * 152 + "€" + "a" * 10, (SmsLang.GSM7, 163, 164, 2, 153, 141)),
        ("a" * 151 + "€" + "a" * 10, (SmsLang.GSM7, 162, 163, 2, 153, 143)),
        ("€" * 153, (SmsLang.GSM7, 153, 306, 3, 153, 153 - 2)),
        ("ç", (SmsLang.TURKISH, 1, 2, 1, 155, 153)),
        ("ç" + "a" * 153, (SmsLang.TURKISH, 154, 155, 1, 155, 0)),
        ("ç" + "a" * 154, (SmsLang.TURKISH, 155, 156, 2, 149, 142)),
        ("ş" + "a" * 296, (SmsLang.TURKISH, 297, 298, 2, 149, 0)),
        ("ş" + "a" * 297, (SmsLang.TURKISH, 298, 299, 3, 149, 148)),
        ("ş" + "a" * 445, (SmsLang.TURKISH, 446, 447, 3, 149, 0)),
        ("ş" * 77, (SmsLang.TURKISH, 77, 154, 1, 155, 1)),
        ("ş" * 78, (SmsLang.TURKISH, 78, 156, 2, 149, 141)),
        ("a" * 148 + "ş" + "a" * 10, (SmsLang.TURKISH, 159, 160, 2, 149, 137)),
        ("م" * 70, (SmsLang.UCS2, 70, 70, 1, 70, 0)),
        ("م" * 71, (SmsLang.UCS2, 71, 71, 2, 67, 63)),
        ("م" * 134, (SmsLang.UCS2, 134, 134, 2, 67, 0)),
        ("م" * 135, (SmsLang.UCS2, 135, 135, 3, 67, 66)),
        ("😀" * 35, (SmsLang.UCS2, 35, 70, 1, 70, 0)),
        ("😀" * 36, (SmsLang.UCS2, 36, 72, 2, 67, 61)),
        # The surrogate pair would straddle parts 1 and 2: it moves to part 2.
        ("م" * 66 + "😀" + "م" * 10, (SmsLang.UCS2, 77, 78, 2, 67, 55)),
        ("ğüşıöçİ😀", (SmsLang.UCS2, 8, 9, 1, 70, 61)),
    ],
    ids=lambda value: repr(value)[:30],
)
def test_boundaries(text, expected):
    info = count_segments(text)

    assert info == SegmentInfo(*expected)
    assert summary(info) == reference(text)


def test_lone_surrogate_counts_one_unit_and_may_end_a_part():
    text = "م" * 66 + "\ud800" + "م" * 10

    info = count_segments(text)

    assert (info.units, info.segments, info.remaining) == (77, 2, 57)


# -- forced lang --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "unsupported"),
    [
        ("ç", SmsLang.GSM7, "'ç'"),
        ("مرحبا", SmsLang.GSM7, "'مرحبا'"),
        ("مرحبا", SmsLang.TURKISH, "'مرحبا'"),
        ("a😀b😀", SmsLang.TURKISH, "'😀'"),
        ("\x1b", SmsLang.GSM7, "'\\x1b'"),
    ],
)
def test_forced_lang_that_cannot_encode_raises(text, lang, unsupported):
    with pytest.raises(
        ValueError, match=f"{lang.name}.*{re.escape(unsupported)}"
    ) as info:
        count_segments(text, lang)

    assert "lang=None" in str(info.value)


def test_forced_lang_error_lists_at_most_20_characters():
    text = "".join(chr(0x4E00 + i) for i in range(50))

    with pytest.raises(ValueError) as info:
        count_segments(text, SmsLang.GSM7)

    assert repr(text[:20]) in str(info.value)
    assert text[20] not in str(info.value)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("hello", SmsLang.TURKISH, (SmsLang.TURKISH, 5, 5, 1, 155, 150)),
        ("hello", SmsLang.UCS2, (SmsLang.UCS2, 5, 5, 1, 70, 65)),
        ("€", SmsLang.TURKISH, (SmsLang.TURKISH, 1, 2, 1, 155, 153)),
        ("€", SmsLang.UCS2, (SmsLang.UCS2, 1, 1, 1, 70, 69)),
        ("ç", SmsLang.UCS2, (SmsLang.UCS2, 1, 1, 1, 70, 69)),
        ("a" * 160, SmsLang.TURKISH, (SmsLang.TURKISH, 160, 160, 2, 149, 138)),
    ],
)
def test_forced_lang(text, lang, expected):
    assert count_segments(text, lang) == SegmentInfo(*expected)


def test_forced_lang_accepts_the_int_value():
    assert count_segments("hello", 2).lang is SmsLang.UCS2


def test_forced_lang_rejects_unknown_values():
    with pytest.raises(ValueError, match="7 is not a valid SmsLang"):
        count_segments("hello", 7)


# -- speed --------------------------------------------------------------------------


def test_counting_is_fast():
    text = ("Doğrulama kodunuz: 123456. Şifrenizi kimseyle paylaşmayın! " * 40)[:2000]

    best = min(_time(count_segments, text) for _ in range(5))

    assert best < 2000 * 1e-6  # well under 1 µs per character


def _time(function, argument, repeat=20):
    start = time.perf_counter()
    for _ in range(repeat):
        function(argument)
    return (time.perf_counter() - start) / repeat
