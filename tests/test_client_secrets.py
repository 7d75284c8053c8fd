"""The API key never shows up in log records, exception texts or reprs."""

from __future__ import annotations

import json
import logging
import re
import socket
import traceback
from urllib.parse import quote, quote_plus

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


# -- nested echoes, values in any field, exception chains ----------------------------

ODD_KEY = "sk live/7f3a+9c0e"  # URL-encodes as sk+live%2F7f3a%2B9c0e or sk%20live%2F…
CODE = "482913"


def key_leaks(text):
    """Every form of ODD_KEY (and of CODE) found in ``text``."""
    forms = {ODD_KEY, quote(ODD_KEY, safe=""), quote_plus(ODD_KEY), "7f3a", CODE}
    return sorted(form for form in forms if form in text)


def echoing_body(result="true", code="TS-1024"):
    """An answer echoing the key and a code, nested and in fields of any name."""
    return json.dumps(
        {
            "result": result,
            "result_code": code,
            "sms_id": 1000007721,
            "request": {"api_key": ODD_KEY, "history": [{"api_key": ODD_KEY}]},
            "debug": f"GET /x?key={quote_plus(ODD_KEY)} from {ODD_KEY}",
            "otp": [{"otp_code": CODE}, f"Kodunuz: {CODE}"],
        }
    )


def test_nested_and_echoed_secrets_are_masked_in_raw(canned):
    canned.reply(echoing_body())
    client = TurkeySmsClient(ODD_KEY, base_url=canned.base_url)
    sent = client.send(title="SANDBOX", text="Merhaba", sentto=TR_MOBILE)
    assert sent.sms_id == "1000007721"
    assert key_leaks(json.dumps(sent.raw)) == []
    assert sent.raw["request"]["history"] == [{"api_key": "***"}]


def test_nested_and_echoed_secrets_are_masked_in_error_data(canned):
    canned.reply(echoing_body(result="false", code="TS-1031"))
    client = TurkeySmsClient(ODD_KEY, base_url=canned.base_url)
    with pytest.raises(TurkeySmsError) as info:
        client.send(title="SANDBOX", text="Merhaba", sentto=TR_MOBILE)
    assert info.value.code == "TS-1031"
    assert key_leaks(json.dumps(info.value.response_data)) == []


def test_secrets_are_masked_by_value_in_an_unreadable_body(canned):
    canned.reply(echoing_body()[:-40])  # cut short: not JSON any more
    client = TurkeySmsClient(ODD_KEY, base_url=canned.base_url)
    with pytest.raises(TurkeySmsError) as info:
        client.send(title="SANDBOX", text="Merhaba", sentto=TR_MOBILE)
    assert info.value.body.startswith('{"result": "true"')
    assert key_leaks(info.value.body) == []


def chain_texts(exc):
    """The text of every exception in the chain: str, repr, args, notes, attributes."""
    texts, seen, pending = [], set(), [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        texts += getattr(current, "__notes__", [])
        texts += [repr(value) for value in vars(current).values()]
        pending += [current.__cause__, current.__context__]
    return texts


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.send_via_get(title="SANDBOX", text=f"Kod {CODE}", mobile=TR_MOBILE),
        lambda c: c.status("1000007721"),
    ],
    ids=["get-send", "status-lookup"],
)
def test_no_secret_anywhere_in_a_transport_error_chain(call):
    client = TurkeySmsClient(ODD_KEY, base_url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(TurkeySmsError) as info:
        call(client)
    texts = chain_texts(info.value)
    assert len(texts) > 6  # the chain was walked: the error and its stand-ins
    assert [leak for text in texts for leak in key_leaks(text)] == []


def test_no_secret_in_the_chain_of_an_unreadable_answer(canned):
    """The JSON parser's error keeps the whole body, which echoes the key."""
    canned.reply(f'{{"result": "true", "api_key": "{ODD_KEY}", "local": tru')
    client = TurkeySmsClient(ODD_KEY, base_url=canned.base_url)
    with pytest.raises(TurkeySmsError) as info:
        client.balance()
    texts = chain_texts(info.value)
    assert [leak for text in texts for leak in key_leaks(text)] == []
