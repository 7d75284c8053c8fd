"""The wire-format readers: every tolerant-parsing variant the provider produces."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from django_turkeysms import wire
from django_turkeysms.exceptions import MalformedResponse

PRINT_R_SEND = """Array
(
    [result] => true
    [sms_id] => 0001000007721
    [total_has_sent_last_1_min] => 1
    [number_of_sms] => 1
    [result_code] => TS-1024
    [result_message] => The message was sent successfully
    [sms_lang] => Arabic
    [content_type] => Transactional
    [country] => Turkey-TR
)
"""


@pytest.mark.parametrize("value", [True, "true", "TRUE", " true ", 1, "1"], ids=repr)
def test_result_true_forms(value):
    assert wire.as_result(value) is True


@pytest.mark.parametrize("value", [False, "false", "False", 0, "0", ""], ids=repr)
def test_result_false_forms(value):
    assert wire.as_result(value) is False


@pytest.mark.parametrize("value", [None, 2, "yes", "ok", 1.5, [], {}], ids=repr)
def test_result_other_values_are_malformed(value):
    with pytest.raises(MalformedResponse, match="Unexpected 'result' value"):
        wire.as_result(value)


def test_print_r_body_parses_to_strings():
    data = wire.parse_body(PRINT_R_SEND)
    assert data["result"] == "true"
    assert data["sms_id"] == "0001000007721"
    assert data["result_message"] == "The message was sent successfully"
    assert len(data) == 9


def test_print_r_nested_array_and_empty_value():
    body = "Array\n(\n    [result] => false\n    [result_message] =>\n    [extra] => Array\n        (\n            [a] => 1\n        )\n\n)\n"
    data = wire.parse_body(body)
    assert data == {"result": "false", "result_message": "", "extra": {"a": "1"}}


@pytest.mark.parametrize(
    "body",
    [
        "Array\n(\n    [result] => true\n",
        "Array\n",
        "Array\n(\n    [result] => true\n    [extra] => Array\n        (\n",
    ],
    ids=repr,
)
def test_truncated_print_r_is_malformed(body):
    with pytest.raises(MalformedResponse, match="truncated"):
        wire.parse_body(body)


def test_json_object_body():
    body = json.dumps({"result": "true", "sms_id": 1000007721, "number_of_sms": "2"})
    assert wire.parse_body(body)["sms_id"] == 1000007721


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ('{"result": tru', "not valid JSON"),
        ('["result", true]', "neither JSON"),
        ("{}garbage", "not valid JSON"),
        ("<html><body>502 Bad Gateway</body></html>", "neither JSON"),
    ],
    ids=repr,
)
def test_unusable_bodies_are_malformed(body, message):
    with pytest.raises(MalformedResponse, match=message):
        wire.parse_body(body)


def test_utf8_bom_is_dropped_and_latin5_is_tolerated():
    assert wire.decode_body(b"\xef\xbb\xbf{}") == "{}"
    assert wire.decode_body("ğışİ".encode("iso-8859-9")) == "ğışİ"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1000007721, "1000007721"),
        ("0001000007721", "0001000007721"),
        (1000007721.0, "1000007721"),
        (None, ""),
        (True, "true"),
        (False, "false"),
        ("  Turkcell ", "Turkcell"),
        ({"a": 1}, '{"a": 1}'),
    ],
    ids=repr,
)
def test_identifiers_are_kept_as_text(value, expected):
    assert wire.as_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        ("3", 3),
        ("1 SMS", 1),
        (" 12 credits", 12),
        (2.0, 2),
        ("", None),
        (None, None),
        (True, None),
        ("many", None),
        (2.5, None),
        # Thousands separators, Turkish and English (local_balance_sms "1.500").
        ("1.500", 1500),
        ("1,500", 1500),
        ("1.500.000", 1_500_000),
        ("1.500 SMS", 1500),
        # A fraction is not a count, and neither is a "group" after a zero.
        ("12.50", None),
        ("1.5000", None),
        ("0.500", None),
        ("1.500,000", None),
    ],
    ids=repr,
)
def test_counters(value, expected):
    assert wire.as_count(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.50", Decimal("12.50")),
        (12.5, Decimal("12.5")),
        ("12,50", Decimal("12.50")),
        (7, Decimal(7)),
        # international_balance_tl: lira have two decimals, so three digits after
        # the last separator are thousands; otherwise it is the decimal mark.
        ("1.500", Decimal("1500")),
        ("1.500,50", Decimal("1500.50")),
        ("1,500.50", Decimal("1500.50")),
        ("1.000.000,00", Decimal("1000000.00")),
        ("0.500", Decimal("0.5")),
        ("-1.500,5", Decimal("-1500.5")),
    ],
    ids=repr,
)
def test_amounts(value, expected):
    assert wire.as_decimal(value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "abc", "NaN", "Infinity", None, "1.500.50", "1,50,000", "12.50 TL"],
    ids=repr,
)
def test_bad_amounts_are_malformed(value):
    with pytest.raises(MalformedResponse, match="Unexpected amount"):
        wire.as_decimal(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12345, "012345"), (12345.0, "012345"), (0, "000000"), (" 012345", "012345")],
    ids=repr,
)
def test_otp_codes_keep_their_digits(value, expected):
    """A JSON number lost the leading zeros the SMS shows: they are put back."""
    assert wire.as_otp_code(value, digits=6) == expected


@pytest.mark.parametrize(
    "value",
    [1234567, -1, 1.5, True, "12345", "1234567", "12a456", "١٢٣٤٥٦", None],
    ids=repr,
)
def test_otp_codes_that_cannot_be_typed_are_malformed(value):
    with pytest.raises(MalformedResponse, match="6-digit otp_code"):
        wire.as_otp_code(value, digits=6)
