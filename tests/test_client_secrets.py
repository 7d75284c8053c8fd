"""The API key never shows up in log records, exception texts or reprs."""

from __future__ import annotations

import logging
import re
import traceback

import pytest

from django_turkeysms.client import TurkeySmsClient
from django_turkeysms.exceptions import TurkeySmsError

SECRET_KEY = "sk-live-7f3a9c0e5d1b2468"
TR_MOBILE = "905321234567"


def exception_texts(exc):
    formatted = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return [str(exc), repr(exc), formatted, str(getattr(exc, "response_data", ""))]


def calls(sandbox):
    """Every endpoint, with and without faults, healthy and failing."""
    title, text = sandbox.sender, "Merhaba"
    yield lambda c: c.authenticate()
    yield lambda c: c.balance()
    yield lambda c: c.send(title=title, text=text, sentto=TR_MOBILE)
    yield lambda c: c.send_via_get(title=title, text=text, mobile=TR_MOBILE)
    yield lambda c: c.send_otp(mobile=TR_MOBILE)
    yield lambda c: c.status("1000007721")
    yield lambda c: c.send(title="NOSUCH", text=text, sentto=TR_MOBILE)
    for fault in ("http_500", "http_503", "malformed_json", "html", "empty", "print_r"):
        yield lambda c, fault=fault: (
            sandbox.inject(fault, times=1),
            c.send_via_get(title=title, text=text, mobile=TR_MOBILE),
        )
        yield lambda c, fault=fault: (sandbox.inject(fault, times=1), c.balance())
    yield lambda c: (sandbox.inject("reset_after", times=1), c.balance())
    yield lambda c: (sandbox.inject("redirect_http", times=1), c.status("1"))


@pytest.fixture
def secret_sandbox(turkeysms_sandbox):
    turkeysms_sandbox.add_account(SECRET_KEY, senders={turkeysms_sandbox.sender: True})
    return turkeysms_sandbox


def test_key_is_nowhere_in_logs_or_exceptions(secret_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    client = TurkeySmsClient(SECRET_KEY, base_url=secret_sandbox.base_url, timeout=2)
    texts = [repr(client)]
    for call in calls(secret_sandbox):
        try:
            result = call(client)
        except TurkeySmsError as exc:
            texts.extend(exception_texts(exc))
        else:
            texts.append(repr(result))
    texts.extend(record.getMessage() for record in caplog.records)
    assert len(caplog.records) > 10  # the run did log, at DEBUG, including urllib3
    assert any("api_key=***" in record.getMessage() for record in caplog.records)
    leaks = [text for text in texts if SECRET_KEY in text]
    assert leaks == []


def test_failed_connection_does_not_leak_the_key_in_the_cause(caplog):
    caplog.set_level(logging.DEBUG)
    client = TurkeySmsClient(
        SECRET_KEY, base_url="http://no-such-host.invalid", timeout=1
    )
    with pytest.raises(TurkeySmsError) as info:
        client.status("123")
    for text in exception_texts(info.value):
        assert SECRET_KEY not in text
    assert all(SECRET_KEY not in r.getMessage() for r in caplog.records)


def test_otp_code_is_not_logged(secret_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    client = TurkeySmsClient(SECRET_KEY, base_url=secret_sandbox.base_url)
    result = client.send_otp(mobile=TR_MOBILE, digits=6)
    code = re.compile(rf"\b{result.otp_code}\b")
    assert caplog.records
    assert not any(code.search(r.getMessage()) for r in caplog.records)
    assert result.otp_code not in repr(result)
