"""Masking secrets by name at any depth, by value in any form, and in exception chains."""

from __future__ import annotations

import pytest

from django_turkeysms import redaction

KEY = "sk live/7f3a+9c0e"  # URL-encodes differently with quote and quote_plus


def test_secret_fields_are_masked_at_any_depth():
    data = {
        "api_key": "k",
        "otp_code": 482913,
        "result": "true",
        "data": {"api_key": "k", "items": [{"otp_code": "0123"}, "plain"]},
    }
    assert redaction.mask_data(data) == {
        "api_key": "***",
        "otp_code": "***",
        "result": "true",
        "data": {"api_key": "***", "items": [{"otp_code": "***"}, "plain"]},
    }


def test_secret_values_are_found_at_any_depth():
    data = {"a": [{"otp_code": 482913}, {"api_key": " sk-1 "}], "otp_code": True}
    assert redaction.secret_values(data) == {"482913", "sk-1"}


def test_values_are_masked_in_every_field_and_form():
    data = {
        "result_message": f"bad key {KEY}",
        "url": "https://x/?a=1&key=sk+live%2F7f3a%2B9c0e",
        "quoted": "sk%20live%2F7f3a%2B9c0e",
        "php": "sk live\\/7f3a+9c0e",
        "echo": ["code 482913 sent", "sms 1000482913 kept", 482913],
    }
    masked = redaction.mask_data(data, {KEY, "482913"})
    assert masked == {
        "result_message": "bad key ***",
        "url": "https://x/?a=1&key=***",
        "quoted": "***",
        "php": "***",
        "echo": ["code *** sent", "sms 1000482913 kept", "***"],
    }


def test_short_values_are_masked_by_name_only():
    assert redaction.mask_text("key abc in text", {"abc"}) == "key abc in text"
    assert redaction.mask_data({"api_key": "abc", "n": 1}, {"abc", "1"}) == {
        "api_key": "***",
        "n": 1,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"result":"true","api_key":"sk-1","x":1}',
            '{"result":"true","api_key":"***","x":1}',
        ),
        ('{"otp_code": 482913}', '{"otp_code": ***}'),
        ("    [otp_code] => 0123\n", "    [otp_code] => ***\n"),
        (
            "GET /get.php?title=A&text=482913+is+your+code&mobile=905",
            "GET /get.php?title=A&text=***&mobile=905",
        ),
        ("GET /get.php?text=482913&api_key=K", "GET /get.php?text=***&api_key=***"),
        ("GET /x?context=kept", "GET /x?context=kept"),
    ],
    ids=repr,
)
def test_secret_fields_and_parameters_are_masked_in_text(text, expected):
    """A GET send carries the message in its URL: it may hold an OTP code."""
    assert redaction.mask_text(text) == expected


def test_loggable_query_hides_the_key_and_the_text():
    params = {"api_key": KEY, "text": "Kod 482913", "mobile": "905321234567"}
    assert redaction.loggable_query("/p", params) == (
        "/p?api_key=***&text=<10 chars>&mobile=905321234567"
    )


def chained_error():
    """A RuntimeError raised from a stand-in while a ConnectionError was handled."""
    try:
        try:
            raise ConnectionError(f"GET /x?api_key=sk%20live%2F7f3a%2B9c0e {KEY}")
        except ConnectionError as exc:
            error = RuntimeError("failed")
            error.add_note(f"key {KEY}")
            raise error from redaction.stand_in(exc, {KEY})
    except RuntimeError as raised:
        return raised


def test_scrub_chain_replaces_cause_and_context_and_masks_notes():
    error = chained_error()
    assert isinstance(error.__context__, ConnectionError)  # what Python keeps
    redaction.scrub_chain(error, {KEY})
    chain = [error.__cause__, error.__context__]
    assert all(isinstance(link, redaction.Redacted) for link in chain)
    assert error.__suppress_context__ is True
    texts = [repr(link) for link in chain] + error.__notes__
    assert not any("live" in text for text in texts), texts
    assert "ConnectionError" in repr(error.__context__)


def test_nesting_deeper_than_an_answer_is_masked_whole():
    data: dict = {"api_key": "k"}
    for _ in range(5000):
        data = {"a": data}
    masked = redaction.mask_data(data)
    for _ in range(redaction.MAX_DEPTH):
        masked = masked["a"]
    assert masked == "***"
    assert redaction.secret_values(data) == set()
