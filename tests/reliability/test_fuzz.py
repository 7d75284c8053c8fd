"""Property-based fuzzing of the pure parts: the provider's wire format, the
client's response handling, phone numbers and SMS encoding.

The property tests of the pure parts live here (the daily rollups' is in
``test_rollups.py``). None sets ``max_examples``: the
hypothesis profile loaded by ``tests/conftest.py`` decides (300 examples, or
10,000 with ``TURKEYSMS_RELIABILITY_LONG`` set). Each test counts the examples it
actually ran in the figures printed after the run (:mod:`tests.figures`).

Bodies nested thousands of levels deep and counters of thousands of digits are
cases of the bad-input catalogue (``test_bad_inputs.py``); the generators here
stay small so that they explore shapes, not sizes.
"""

from __future__ import annotations

import json
import math
import re
import string
from decimal import Decimal
from typing import Any, cast

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from django_turkeysms import phone, wire
from django_turkeysms.client import (
    RESULT_CODES,
    SUCCESS_CODES,
    ProviderResponse,
    TurkeySmsClient,
)
from django_turkeysms.encoding import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SmsLang,
    count_segments,
    detect_lang,
    encoding_tables,
)
from django_turkeysms.exceptions import (
    DeliveryUncertain,
    EndpointNotFound,
    InvalidPhoneNumber,
    MalformedResponse,
    ProviderUnavailable,
    Retry,
    SmsSendError,
)
from tests import figures
from tests.test_encoding import encode, reference, summary
from tests.test_phone import ARABIC_INDIC, FULL_WIDTH, PERSIAN


def _ran(target: str) -> None:
    figures.add(f"fuzz examples: {target}")


# == the wire format ================================================================

API_KEY = "fuzz-secret-api-key-0123"
CODES = sorted({*RESULT_CODES, *SUCCESS_CODES, "TS-9999", ""})
RESULTS: list[object] = [True, False, "true", "false", "1", "0", "", 1, 0, " TRUE "]
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

texts = st.text(max_size=40) | st.sampled_from(["1 SMS", "12,50", "true"])
# A message echoing the request, API key included: exception text must not show it.
echoes = texts | st.sampled_from([API_KEY, f"bad request: api_key={API_KEY}"])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
)
# What json.loads can produce, a few levels deep.
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
provider_objects = st.fixed_dictionaries(
    {},
    optional={
        "result": st.sampled_from(RESULTS) | json_values,
        "result_code": st.sampled_from(CODES) | json_values,
        "result_message": echoes,
        "sms_id": st.integers(min_value=0, max_value=10**13) | texts,
        "number_of_sms": st.integers(min_value=0, max_value=99) | texts,
        "otp_code": st.from_regex(r"[0-9]{4,6}", fullmatch=True) | texts,
        "local_balance_sms": st.integers(min_value=0, max_value=10**6) | texts,
        "international_balance_tl": st.sampled_from(["12,50", "7.5", "NaN"]) | texts,
        "sms_status": texts,
        "sms_status_code": st.sampled_from(CODES),
        "date_of_sending": st.sampled_from(["2026-01-02", "yesterday"]),
        "time_of_sending": st.sampled_from(["10:11:12", "25:00:00"]),
        "extra": json_values,
    },
)
json_bodies = provider_objects.map(json.dumps) | json_values.map(json.dumps)

# print_r: keys and values the reader can give back unchanged.
print_r_keys = st.text(
    st.characters(exclude_characters="]" + LINE_BREAKS), min_size=1, max_size=12
).filter(lambda key: key == key.strip())
print_r_values = st.text(
    st.characters(exclude_characters=LINE_BREAKS), max_size=30
).filter(lambda value: value == value.rstrip() and value.strip() != "Array")
print_r_arrays = st.recursive(
    st.dictionaries(print_r_keys, print_r_values, max_size=5),
    lambda children: st.dictionaries(
        print_r_keys, print_r_values | children, max_size=4
    ),
    max_leaves=10,
)


def render_print_r(data: dict[str, Any], indent: int = 0) -> str:
    """PHP's ``print_r`` of an array: nested arrays indented by eight spaces."""
    pad = " " * indent
    lines = [f"{pad}(\n"]
    for key, value in data.items():
        if isinstance(value, dict):
            nested = render_print_r(value, indent + 8)
            lines.append(f"{pad}    [{key}] => Array\n{nested}\n")
        else:
            lines.append(f"{pad}    [{key}] => {value}\n")
    lines.append(f"{pad})\n")
    return "".join(lines)


def print_r(data: dict[str, Any]) -> str:
    return "Array\n" + render_print_r(data)


def print_r_of(data: dict[str, Any]) -> str:
    """A provider object as print_r text (values as the wire reader shows them)."""
    return print_r({key: wire.as_text(value) for key, value in data.items()})


print_r_bodies = print_r_arrays.map(print_r) | provider_objects.map(print_r_of)
other_bodies = st.sampled_from(
    [
        "",
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        "Array",
        "Array\n(",
        "[result] => true",
        '["result", true]',
        '"true"',
        "null",
    ]
)


@st.composite
def near_misses(draw: st.DrawFn, bodies: st.SearchStrategy[str]) -> str:
    """A body cut short, or with one slice replaced by random text."""
    body = draw(bodies)
    start = draw(st.integers(min_value=0, max_value=len(body)))
    if draw(st.booleans()):
        return body[:start]
    end = draw(st.integers(min_value=start, max_value=len(body)))
    return body[:start] + draw(st.text(max_size=5)) + body[end:]


any_bodies = st.one_of(
    json_bodies,
    print_r_bodies,
    other_bodies,
    near_misses(json_bodies | print_r_bodies),
    st.text(max_size=200),
)


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, "replace")


# Answers with a well-formed result and code, so that every branch after the
# parse is reached, not only the malformed-body one.
provider_answers = st.builds(
    lambda required, rest: {**rest, **required},
    st.fixed_dictionaries(
        {"result": st.sampled_from(RESULTS), "result_code": st.sampled_from(CODES)}
    ),
    provider_objects,
)
answer_bodies = provider_answers.map(json.dumps) | provider_answers.map(print_r_of)
statuses = st.sampled_from([200, 200, 200, 403, 404, 429, 500, 502, 503, 504]) | (
    st.integers(min_value=100, max_value=599)
)
body_bytes = st.one_of(
    answer_bodies.map(str.encode),
    st.binary(max_size=300),
    st.builds(
        _encoded, any_bodies, st.sampled_from(["utf-8", "utf-8-sig", "iso-8859-9"])
    ),
)


def _parsed(text: str) -> dict[str, Any] | MalformedResponse:
    try:
        return wire.parse_body(text)
    except MalformedResponse as exc:
        return exc


@given(body_bytes)
def test_decode_then_parse_any_bytes(body: bytes) -> None:
    text = wire.decode_body(body)
    assert isinstance(text, str)
    assert isinstance(_parsed(text), (dict, MalformedResponse))
    _ran("wire.decode_body + parse_body (bytes)")


@given(json_bodies | near_misses(json_bodies))
def test_parse_json_shaped_bodies(text: str) -> None:
    outcome = _parsed(text)
    try:
        expected = json.loads(text.strip())
    except ValueError:
        expected = None
    if isinstance(expected, dict):
        # Compared as JSON text: a NaN in the body is not equal to itself.
        assert isinstance(outcome, dict) and json.dumps(outcome) == json.dumps(expected)
    elif not text.strip().startswith("Array"):  # a mutation may start a print_r
        assert isinstance(outcome, MalformedResponse)
    _ran("wire.parse_body (JSON-shaped)")


@given(print_r_arrays)
def test_print_r_round_trip(data: dict[str, Any]) -> None:
    assert wire.parse_body(print_r(data)) == data
    _ran("wire.parse_body (print_r round trip)")


@given(near_misses(print_r_bodies) | print_r_bodies | other_bodies)
def test_parse_print_r_shaped_bodies(text: str) -> None:
    outcome = _parsed(text)
    assert isinstance(outcome, (dict, MalformedResponse))
    if isinstance(outcome, dict):
        assert all(isinstance(key, str) for key in outcome)
    _ran("wire.parse_body (print_r-shaped)")


@given(json_values)
def test_field_readers(value: object) -> None:
    text = wire.as_text(value)
    assert isinstance(text, str)
    count = wire.as_count(value)
    assert count is None or isinstance(count, int)
    try:
        result = wire.as_result(value)
    except MalformedResponse:
        pass
    else:
        assert text.lower() in (wire.TRUE_VALUES if result else wire.FALSE_VALUES)
    try:
        amount = wire.as_decimal(value)
    except MalformedResponse:
        pass
    else:
        assert isinstance(amount, Decimal) and amount.is_finite()
    _ran("wire.as_result/as_text/as_count/as_decimal")


# == the client's response handling =================================================


class ReplayingClient(TurkeySmsClient):
    """The real client with its HTTP exchange replaced by a fixed answer: every
    endpoint runs its full parsing and result handling on ``answer``."""

    answer: tuple[int, bytes] = (200, b"")

    def _exchange(
        self, method: str, url: str, params: dict[str, Any], started: float
    ) -> tuple[int, bytes]:
        return self.answer


ENDPOINTS = {
    "send": lambda c: c.send(title="T", text="x", sentto="905321234567"),
    "send_via_get": lambda c: c.send_via_get(title="T", text="x", mobile="905"),
    "send_otp": lambda c: c.send_otp(mobile="905321234567"),
    "status": lambda c: c.status("42"),
    "balance": lambda c: c.balance(),
    "authenticate": lambda c: c.authenticate(),
}


def _answer(call: Any, client: TurkeySmsClient) -> ProviderResponse | SmsSendError:
    try:
        response: ProviderResponse = call(client)
    except SmsSendError as exc:
        return exc
    return response


def _check_http_status(status: int, outcome: object) -> None:
    """What the status alone decides, whatever the body says."""
    if status == 503:
        assert type(outcome) is ProviderUnavailable
    elif status >= 500:
        assert type(outcome) is DeliveryUncertain
    elif status == 404:
        assert type(outcome) is EndpointNotFound


def _check_error(error: SmsSendError, status: int) -> None:
    assert error.status_code in (status, None)
    assert isinstance(error.retry, Retry)
    # At most 500 characters of the body are kept; masking may turn a short
    # secret into "***" after the cut.
    assert len(error.body) <= 500 + 3 * error.body.count("***")
    assert API_KEY not in f"{error} {error.message} {error.body}"


@given(statuses, body_bytes, st.sampled_from(sorted(ENDPOINTS)))
def test_client_response_handling(status: int, body: bytes, endpoint: str) -> None:
    client = ReplayingClient(API_KEY, base_url="https://turkeysms.invalid")
    client.answer = (status, body)
    outcome = _answer(ENDPOINTS[endpoint], client)
    assert isinstance(outcome, (ProviderResponse, SmsSendError))
    _check_http_status(status, outcome)
    if isinstance(outcome, SmsSendError):
        _check_error(outcome, status)
    _ran("client response handling (status, body)")


header_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40
)
locations = st.sampled_from(
    ["http://turkeysms.com.tr/api", "https://www.turkeysms.com.tr/api", "/other", ""]
)


@given(
    statuses.filter(lambda status: status >= 200),
    st.fixed_dictionaries(
        {}, optional={"Retry-After": header_values, "Location": locations}
    ),
    body_bytes,
)
def test_client_over_http(
    _canned_server: Any, status: int, headers: dict[str, str], body: bytes
) -> None:
    _canned_server.reply(body, status=status, headers=headers)
    client = TurkeySmsClient(API_KEY, base_url=_canned_server.base_url, timeout=2.0)
    outcome = _answer(ENDPOINTS["send"], client)
    assert isinstance(outcome, (ProviderResponse, SmsSendError))
    if isinstance(outcome, SmsSendError):
        _check_error(outcome, status)
        retry_after = getattr(outcome, "retry_after", None)
        assert retry_after is None or 0 <= retry_after < 86_400
    _canned_server.requests.clear()
    _ran("client over HTTP (status, headers, body)")


# == phone numbers ==================================================================

REASONS = {
    "empty",
    "invalid_characters",
    "too_short",
    "too_long",
    "invalid",
    "not_mobile",
}
PHONE_CHARACTERS = "0123456789+ -().\n\x00a٠٥９\u00a0\u3000"
PHONE_TOKENS = st.sampled_from([*PHONE_CHARACTERS, "ext", "00", "90", "0532", "850"])
PHONE_TEXTS = (
    st.text()
    | st.text(PHONE_CHARACTERS)
    | st.lists(PHONE_TOKENS, max_size=12).map("".join)
)
E164 = re.compile(r"\+[1-9][0-9]{1,14}")


@given(PHONE_TEXTS)
def test_any_text_raises_only_invalid_phone_number(value: str) -> None:
    try:
        number = phone.parse_phone(value)
    except InvalidPhoneNumber as exc:
        assert exc.reason in REASONS
        assert len(exc.value) <= 40
    else:
        assert phonenumbers.is_valid_number(number)
        assert phone.to_e164(number).startswith("+")
    assert isinstance(phone.mask(value), str)
    _ran("phone.parse_phone (any text)")


@given(PHONE_TEXTS)
def test_accepted_numbers_are_e164_and_normalising_is_idempotent(value: str) -> None:
    try:
        number = phone.parse_phone(value)
    except InvalidPhoneNumber:
        number = None
    if number is not None:
        e164 = phone.to_e164(number)
        assert E164.fullmatch(e164)
        again = phone.parse_phone(e164)
        assert again == phone.parse_phone(phone.to_e164(again)) == number
        assert phone.to_provider(number) == e164[1:]
    _ran("phone normalisation idempotent")


@st.composite
def turkish_mobiles(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    national = draw(st.from_regex(r"5[0-9]{9}", fullmatch=True))
    number = phonenumbers.parse(national, "TR")
    assume(phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE)
    return number


@given(turkish_mobiles())
def test_turkish_mobiles_round_trip(number: phonenumbers.PhoneNumber) -> None:
    e164 = phone.to_e164(number)
    national = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.NATIONAL
    )
    spellings = [
        e164,
        phone.to_provider(number),
        national,
        national.translate(ARABIC_INDIC),
        phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ).translate(FULL_WIDTH),
    ]

    assert {phone.normalize(spelling) for spelling in spellings} == {e164}
    assert phone.parse_phone(e164) == number
    masked = phone.mask(number)
    assert masked.startswith("+90 ") and masked.count("*") == 5
    assert masked[-2:] == e164[-2:]
    _ran("phone Turkish mobiles round trip")


@st.composite
def spellings(draw: st.DrawFn) -> tuple[str, str]:
    """(E.164, one way a person might type that Turkish mobile)."""
    number = draw(turkish_mobiles())
    digits = str(number.national_number)
    prefix = draw(st.sampled_from(["", "0", "+90", "90", "0090", "+90 ", "+90 0"]))
    parts = []
    for digit in digits:
        parts.append(digit)
        parts.append(draw(st.sampled_from(["", "", " ", "-", ".", "\u00a0"])))
    typed = prefix + "".join(parts).strip(" -.\u00a0")
    script = draw(st.sampled_from([None, ARABIC_INDIC, PERSIAN, FULL_WIDTH]))
    if script is not None:
        typed = typed.translate(script)
    padding = draw(st.sampled_from(["", " ", "\t", "\n", "\u3000"]))
    return phone.to_e164(number), f"{padding}{typed}{padding}"


@given(spellings())
def test_all_spellings_of_a_turkish_mobile_are_one_key(
    spelled: tuple[str, str],
) -> None:
    e164, typed = spelled
    assert phone.normalize(typed) == e164
    _ran("phone spellings → one E.164")


MASKED = re.compile(r"\+([0-9]{1,3})( .*)", re.DOTALL)


@given(PHONE_TEXTS | turkish_mobiles().map(phone.to_e164))
def test_mask_shows_at_most_five_digits_and_never_half(value: str) -> None:
    """Documented: the country code, the first three and the last two digits; a
    short number keeps fewer, so that at least half of its digits are hidden."""
    masked = phone.mask(value)
    match = MASKED.fullmatch(masked)
    rest = match.group(2) if match else masked
    shown = sum(character in string.digits for character in rest)
    hidden = rest.count("*")
    assert shown == min(5, (shown + hidden) // 2)
    _ran("phone.mask")


# == SMS encoding ===================================================================

TABLES = cast("dict[str, str]", encoding_tables()["tables"])
LIMITS = cast("dict[str, dict[str, Any]]", encoding_tables()["langs"])

GSM_CHARACTERS = st.sampled_from(GSM7_BASIC)
EXTENSION_CHARACTERS = st.sampled_from(GSM7_EXTENSION)
TURKISH_CHARACTERS = st.sampled_from("ĞİŞçğış")
ARABIC_CHARACTERS = st.sampled_from("مرحبا بكم ١٢٣")
EMOJI = st.sampled_from("😀🇹🇷👍🏽𝄞")
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)

TEXTS = st.one_of(
    st.text(GSM_CHARACTERS | EXTENSION_CHARACTERS, max_size=500),
    st.text(GSM_CHARACTERS | EXTENSION_CHARACTERS | TURKISH_CHARACTERS, max_size=500),
    st.text(
        GSM_CHARACTERS
        | EXTENSION_CHARACTERS
        | TURKISH_CHARACTERS
        | ARABIC_CHARACTERS
        | EMOJI,
        max_size=300,
    ),
    st.text(ARABIC_CHARACTERS | EMOJI, max_size=300),
    st.text(max_size=200),
    st.text(GSM_CHARACTERS | EMOJI | SURROGATES, max_size=200),
)
CHARACTERS = (
    GSM_CHARACTERS
    | EXTENSION_CHARACTERS
    | TURKISH_CHARACTERS
    | ARABIC_CHARACTERS
    | EMOJI
    | st.characters()
)


@given(TEXTS)
def test_count_segments_matches_the_reference(text: str) -> None:
    info = count_segments(text)

    assert summary(info) == reference(text)
    assert info.characters == len(text)
    assert info.lang is detect_lang(text)
    _ran("encoding vs reference")


@given(TEXTS, st.sampled_from(SmsLang))
def test_forced_lang_matches_the_reference(text: str, lang: SmsLang) -> None:
    if encode(text, lang) is None:
        with pytest.raises(ValueError, match="cannot encode"):
            count_segments(text, lang)
    else:
        assert summary(count_segments(text, lang)) == reference(text, lang)
    _ran("encoding forced lang vs reference")


def _units_bounds(text: str, lang: SmsLang) -> tuple[int, int]:
    if lang is SmsLang.UCS2:
        exact = len(text.encode("utf-16-le", "surrogatepass")) // 2
        return exact, exact
    return len(text), 2 * len(text)


@given(TEXTS)
def test_segments_agree_with_the_limits(text: str) -> None:
    info = count_segments(text)
    limits = LIMITS[info.lang.name]
    single, multipart = limits["single"], limits["multipart"]
    low, high = _units_bounds(text, info.lang)
    assert info.characters == len(text)
    assert low <= info.units <= high
    if info.units <= single:
        assert info.segments == (1 if info.units else 0)
        assert (info.per_segment, info.remaining) == (single, single - info.units)
    else:
        # A two-unit character is never split: a part holds multipart - 1 or more.
        assert info.per_segment == multipart
        low_parts, high_parts = (
            math.ceil(info.units / n) for n in (multipart, multipart - 1)
        )
        assert low_parts <= info.segments <= high_parts
        assert 0 <= info.remaining < multipart
    _ran("encoding segments vs limits")


@given(TEXTS)
def test_encodable_text_gets_the_cheapest_alphabet(text: str) -> None:
    lang = detect_lang(text)
    if set(text) <= set(TABLES["basic"] + TABLES["extension"]):
        assert lang is SmsLang.GSM7
    if set(text) <= set(TABLES["basic"] + TABLES["turkish_shift"]):
        assert lang is not SmsLang.UCS2
    detected = count_segments(text).segments
    for other in SmsLang:
        try:
            forced = count_segments(text, other)
        except ValueError:
            continue
        assert forced.segments >= detected, other
    _ran("encoding cheapest alphabet")


@given(TEXTS, CHARACTERS)
def test_appending_never_reduces_segments(text: str, character: str) -> None:
    before, after = count_segments(text), count_segments(text + character)
    assert after.characters == before.characters + 1
    assert after.segments >= before.segments
    assert after.units >= before.units or after.lang is not before.lang
    _ran("encoding monotonic")
