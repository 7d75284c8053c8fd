"""The sandbox's pure helpers: segments, numbers, faults, wire formats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from django_turkeysms.testing.sandbox.access import allowed_hosts, host_name
from django_turkeysms.testing.sandbox.faults import make_fault, parse_fault_header
from django_turkeysms.testing.sandbox.numbers import (
    canonical_number,
    country_of,
    number_key,
    operator_of,
)
from django_turkeysms.testing.sandbox.quirks import turkish_amount, turkish_count
from django_turkeysms.testing.sandbox.segments import count_segments, encoding_for
from django_turkeysms.testing.sandbox.state import new_account
from django_turkeysms.testing.sandbox.wire import (
    Fields,
    error_fields,
    render_json,
    render_print_r,
)


@pytest.mark.parametrize(
    ("text", "sms_lang", "segments"),
    [
        ("a" * 160, 0, 1),
        ("a" * 161, 0, 2),
        ("a" * 306, 0, 2),
        ("a" * 307, 0, 3),
        ("€" * 80, 0, 1),
        ("€" * 81, 0, 2),
        ("a" * 152 + "€" + "a" * 152, 0, 3),  # the escape pair is never split
        ("ş" * 77 + "a", 1, 1),
        ("ş" * 78, 1, 2),
        ("a" * 155 + "ı", 0, 2),
        ("Ж" * 70, 0, 1),
        ("Ж" * 71, 0, 2),
        ("😀" * 35, 0, 1),
        ("😀" * 36, 0, 2),
        ("a" * 70, 2, 1),
        ("a" * 71, 2, 2),
        ("a" * 134, 2, 2),
        ("a" * 135, 2, 3),
    ],
)
def test_count_segments(text, sms_lang, segments):
    assert count_segments(text, sms_lang) == segments


@pytest.mark.parametrize(
    ("text", "sms_lang", "encoding"),
    [
        ("Hello {world}", 0, "gsm"),
        ("Çok güzel", 1, "gsm"),
        ("Doğrulama kodunuz", 1, "turkish"),
        ("Doğrulama kodunuz", 0, "turkish"),
        ("Привет", 0, "ucs2"),
        ("Hello", 2, "ucs2"),
    ],
)
def test_encoding_for(text, sms_lang, encoding):
    assert encoding_for(text, sms_lang) == encoding


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("905321234567", "905321234567"),
        ("+905321234567", "905321234567"),
        ("00905321234567", "905321234567"),
        ("5321234567", "905321234567"),
        ("447911123456", "447911123456"),
        ("+12025550123", "12025550123"),
        ("05321234567", None),
        ("90532123456", None),
        ("902121234567", None),
        ("+90 532 123 45 67", None),
        ("1234567", None),
        ("1234567890123456", None),
        ("٩٠٥٣٢١٢٣٤٥٦٧", None),
        ("", None),
    ],
)
def test_canonical_number(raw, canonical):
    assert canonical_number(raw) == canonical


def test_number_key_keeps_invalid_numbers_as_given():
    assert number_key("+905321234567") == "905321234567"
    assert number_key("not a number") == "not a number"


@pytest.mark.parametrize(
    ("number", "country", "operator"),
    [
        ("905321234567", "Turkey-TR", "Turkcell"),
        ("905421234567", "Turkey-TR", "Vodafone"),
        ("905051234567", "Turkey-TR", "Türk Telekom"),
        ("905551234567", "Turkey-TR", "Türk Telekom"),
        ("905611234567", "Turkey-TR", "International"),
        ("966501234567", "Saudi Arabia-SA", "International"),
        ("447911123456", "United Kingdom-GB", "International"),
        ("12025550123", "United States-US", "International"),
        ("88612345678", "International-XX", "International"),
    ],
)
def test_country_and_operator(number, country, operator):
    assert country_of(number) == country
    assert operator_of(number) == operator


def test_fault_header_with_parameters():
    fault = parse_fault_header("latency; seconds=0.25")
    assert (fault.kind, fault.seconds("seconds")) == ("latency", 0.25)
    assert parse_fault_header("drip").seconds("interval") == 0.5
    assert parse_fault_header("result_style;style=int").text("style") == "int"


@pytest.mark.parametrize(
    "header",
    [
        "explode",
        "latency; seconds=soon",
        "latency; seconds=-1",
        "latency; seconds=nan",
        "latency; seconds",
        "http_500; seconds=1",
        "result_style; style=yaml",
    ],
)
def test_bad_fault_headers(header):
    with pytest.raises(ValueError, match=r"\w"):
        parse_fault_header(header)


@pytest.mark.parametrize("times", [0, -1, 1.5, True, "2"])
def test_fault_times_must_be_positive_integers(times):
    with pytest.raises(ValueError, match="times"):
        make_fault("http_500", {}, times=times)


def test_print_r_rendering():
    fields: Fields = {"result": True, "sms_id": 1000007721, "country": "Turkey-TR"}
    assert render_print_r(fields) == (
        b"Array\n(\n    [result] => true\n    [sms_id] => 1000007721\n"
        b"    [country] => Turkey-TR\n)\n"
    )
    assert b"[result] => false" in render_print_r(error_fields("TS-1031"))


@pytest.mark.parametrize(
    ("style", "success", "failure"),
    [
        ("string", b'"true"', b'"false"'),
        ("bool", b"true", b"false"),
        ("int", b"1", b"0"),
    ],
)
def test_json_result_styles(style, success, failure):
    assert render_json({"result": True}, style) == b'{"result":' + success + b"}"
    assert render_json({"result": False}, style) == b'{"result":' + failure + b"}"


def test_json_escapes_non_ascii_like_php():
    assert render_json({"result": True, "operator": "Türk"}, "string") == (
        b'{"result":"true","operator":"T\\u00fcrk"}'
    )


def test_new_account_validates():
    with pytest.raises(ValueError, match="permission"):
        new_account("key", permissions={"post", "teleport"})
    with pytest.raises(ValueError, match="api_key"):
        new_account("")
    account = new_account("key", international_balance="12.5")
    assert account.international_balance == Decimal("12.5")
    assert account.senders == {"SANDBOX": True}


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("LocalHost:8765", "localhost"),
        ("localhost.", "localhost"),
        ("[::1]:8765", "::1"),
        ("[::1]", "::1"),
        ("fe80::1", "fe80::1"),
        ("127.0.0.1", "127.0.0.1"),
        ("", ""),
    ],
)
def test_host_names(value, name):
    assert host_name(value) == name


def test_allowed_hosts_add_the_listen_address_and_the_operators():
    assert allowed_hosts("192.0.2.7", ["Sandbox:80", ""]) == {
        "localhost",
        "127.0.0.1",
        "::1",
        "192.0.2.7",
        "sandbox",
    }


def test_turkish_number_formats():
    assert turkish_count(1_000_000) == "1.000.000"
    assert turkish_count(999) == "999"
    assert turkish_amount(Decimal("1500.5")) == "1.500,50"
    assert turkish_amount(Decimal("0.49")) == "0,49"
