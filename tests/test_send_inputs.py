"""Bad and awkward input to the send API (security-and-reliability §3.1 items 1–20).

Rejected input raises a typed error before any log row is written and before any
provider call.
"""

from __future__ import annotations

import pytest

from django_turkeysms import send_sms
from django_turkeysms.exceptions import (
    CountryNotAllowed,
    EmptyMessage,
    IdempotencyConflict,
    InvalidMessage,
    InvalidPhoneNumber,
    InvalidSender,
    MessageTooLong,
    MissingSender,
    TooManyRecipients,
)
from django_turkeysms.models import SmsLog
from tests.conftest import provider_settings
from tests.test_sending import insert_statements

pytestmark = pytest.mark.django_db

NUMBER = "05321234567"


def assert_nothing_happened(sandbox):
    assert SmsLog.objects.count() == 0
    assert sandbox.request_count == 0


@pytest.mark.parametrize(
    ("to", "reason"),
    [
        ("", "empty"),  # 1
        ("   ", "empty"),
        (None, "not_a_string"),  # 2
        (905551234567, "not_a_string"),  # 3
        ([["+905321234567"]], "not_a_string"),  # 4
        ("05a51234567", "invalid_characters"),  # 5
        ("+90555", "too_short"),  # 6
        ("9" * 20, "too_long"),  # 7
        ("+1 202 555 0100", "country_not_allowed"),  # 8
        ("0900 123 45 67", "not_mobile"),  # 9
        ("0850 123 45 67", "not_mobile"),
        ("0212 123 45 67", "not_mobile"),
        ("0532 123\n45 67", "invalid_characters"),  # 12
        ("0532123\x004567", "invalid_characters"),
    ],
    ids=repr,
)
def test_bad_numbers(sandbox, to, reason):
    with pytest.raises(InvalidPhoneNumber) as info:
        send_sms("Merhaba", to)
    assert info.value.reason == reason
    assert isinstance(info.value, ValueError)
    assert str(info.value)
    assert_nothing_happened(sandbox)


def test_one_bad_number_stops_the_whole_message(sandbox):
    with pytest.raises(InvalidPhoneNumber):
        send_sms("Merhaba", [NUMBER, "05421234567", "oops"])
    assert_nothing_happened(sandbox)


def test_country_policy_error_is_specific(sandbox):
    with pytest.raises(CountryNotAllowed) as info:
        send_sms("Merhaba", "+49 1511 2345678")
    assert info.value.country == "DE"
    assert "ALLOWED_COUNTRIES" in str(info.value)
    assert_nothing_happened(sandbox)


def test_international_numbers_when_allowed(settings, turkeysms_sandbox):
    turkeysms_sandbox.add_account("intl", international=True)
    settings.TURKEYSMS = {
        **provider_settings(turkeysms_sandbox, api_key="intl"),
        "ALLOWED_COUNTRIES": ["TR", "DE"],
    }
    [log] = send_sms("Hallo", "+49 1511 2345678")
    assert (log.status, log.country) == ("sent", "DE")


@pytest.mark.parametrize(
    "variant",
    [
        "05321234567",  # 10
        "5321234567",
        "+90 532 123 45 67",
        "0090 532 123 45 67",
        "(0532) 123-45-67",
        "  05321234567  ",  # 12
        "٠٥٣٢١٢٣٤٥٦٧",  # 11: Arabic-Indic
        "０５３２１２３４５６７",  # full-width
    ],
)
def test_every_form_of_a_number_is_one_recipient(sms_outbox, variant):
    [log] = send_sms("Merhaba", variant)
    assert str(log.recipient) == "+905321234567"


def test_forms_of_one_number_make_one_row(sms_outbox):
    logs = send_sms("Merhaba", ["05321234567", "٠٥٣٢١٢٣٤٥٦٧", "+90 532 123 45 67"])
    assert len(logs) == 1
    assert len(sms_outbox) == 1


@pytest.mark.parametrize("to", [[], ()], ids=["list", "tuple"])
def test_no_recipient(sandbox, to):
    with pytest.raises(TooManyRecipients, match="no recipient"):
        send_sms("Merhaba", to)
    assert_nothing_happened(sandbox)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"], ids=repr)
def test_empty_text(sandbox, text):  # 13
    with pytest.raises(EmptyMessage):
        send_sms(text, NUMBER)
    assert_nothing_happened(sandbox)


@pytest.mark.parametrize("text", [None, 42, b"bytes"], ids=repr)
def test_text_must_be_a_string(sandbox, text):
    with pytest.raises(InvalidMessage, match="must be a string"):
        send_sms(text, NUMBER)
    assert_nothing_happened(sandbox)


def test_too_long_text_reports_its_segments(sandbox):  # 14
    with pytest.raises(MessageTooLong) as info:
        send_sms("a" * 5000, NUMBER)
    assert info.value.segments == 33
    assert info.value.max_segments == 10
    assert "33 SMS segments" in str(info.value)
    assert_nothing_happened(sandbox)


def test_segment_limit_is_a_setting(settings, sms_outbox):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "MAX_SEGMENTS": 40}
    [log] = send_sms("a" * 5000, NUMBER)
    assert log.segments == 33


def test_turkish_letters_and_emoji(sandbox):  # 15
    [log] = send_sms("ğüşıöçİ 😀", NUMBER)
    assert log.language == 2  # the emoji forces UCS-2
    assert log.segments == 1
    assert sandbox.messages[0].sms_lang == 2
    assert sandbox.messages[0].segments == 1


def test_text_that_would_break_hand_built_json(sandbox):  # 16
    text = 'quote " brace }" {"result": true}\r\nline\u2028sep \\ end'
    [log] = send_sms(text, NUMBER)
    assert log.status == "sent"
    assert sandbox.messages[0].text == text


@pytest.mark.parametrize(
    "sender", ["TWELVECHARSX", "bad/sender", "", "12345678901234567"], ids=repr
)
def test_bad_sender_ids(sandbox, sender):  # 17
    with pytest.raises((InvalidSender, MissingSender)):
        send_sms("Merhaba", NUMBER, sender=sender)
    assert_nothing_happened(sandbox)


def test_unregistered_sender_is_refused_locally(settings, turkeysms_sandbox):  # 17
    settings.TURKEYSMS = provider_settings(turkeysms_sandbox, senders=["SANDBOX"])
    with pytest.raises(InvalidSender, match="not registered"):
        send_sms("Merhaba", NUMBER, sender="OTHER")
    assert_nothing_happened(turkeysms_sandbox)


def test_numeric_sender_is_accepted(sms_outbox):
    [log] = send_sms("Merhaba", NUMBER, sender="08501234567")
    assert log.sender == "08501234567"


def test_ten_thousand_recipients(sms_outbox, django_assert_max_num_queries):  # 18
    numbers = [f"+90532{n:07d}" for n in range(10_000)]
    # As tests/test_sending.py counts them, with the 10,000 sent rows recorded in
    # two UPDATEs (SQLite's parameter limit).
    with django_assert_max_num_queries(9 + insert_statements(10_000)):
        logs = send_sms("Merhaba", numbers)
    assert len(logs) == 10_000
    assert len(sms_outbox) == 10_000
    assert SmsLog.objects.filter(status="sent").count() == 10_000


def test_more_recipients_than_allowed(settings, sandbox):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "MAX_RECIPIENTS": 3}
    with pytest.raises(TooManyRecipients, match="limit is 3"):
        send_sms("Merhaba", [f"+90532{n:07d}" for n in range(4)])
    assert_nothing_happened(sandbox)


def test_same_idempotency_key_sends_once(sandbox):  # 19
    first = send_sms("Merhaba", [NUMBER, "05421234567"], idempotency_key="order-42")
    again = send_sms("Merhaba", ["05421234567", NUMBER], idempotency_key="order-42")
    assert [log.pk for log in again] == [log.pk for log in first]
    assert SmsLog.objects.count() == 2
    assert len(sandbox.messages) == 2


def test_same_key_different_message_conflicts(sandbox):  # 20
    send_sms("Merhaba", NUMBER, idempotency_key="order-42")
    with pytest.raises(IdempotencyConflict):
        send_sms("Merhaba!", NUMBER, idempotency_key="order-42")
    assert SmsLog.objects.count() == 1
    assert len(sandbox.messages) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"language": "klingon"}, "Unknown language"),
        ({"language": "gsm7", "text": "مرحبا"}, "cannot"),
        ({"category": "spam"}, "Unknown category"),
        ({"tag": "x" * 65}, "tag"),
        ({"metadata": {"when": object()}}, "JSON"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "k" * 129}, "idempotency_key"),
        ({"send_at": "tomorrow"}, "timezone-aware"),
    ],
    ids=repr,
)
def test_other_bad_arguments(sandbox, kwargs, message):
    kwargs = {"text": "Merhaba", **kwargs}
    with pytest.raises(InvalidMessage, match=message):
        send_sms(kwargs.pop("text"), NUMBER, **kwargs)
    assert_nothing_happened(sandbox)
