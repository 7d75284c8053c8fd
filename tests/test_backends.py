"""The backend interface and the bundled backends."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

import django_turkeysms
from django_turkeysms.backends import console, dummy, locmem, turkeysms
from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.client import DeliveryState
from django_turkeysms.encoding import SmsLang
from django_turkeysms.exceptions import (
    InsufficientBalance,
    InvalidSmsBackend,
    SmsSendError,
    UnsupportedFeature,
)
from django_turkeysms.message import PreparedSms, SendResult

MESSAGE = PreparedSms(
    to="+905321234567",
    text="Merhaba",
    sender="SANDBOX",
    lang=SmsLang.GSM7,
    segments=1,
    log_id=7,
)


def provider(sandbox, **options):
    config = {
        "api_key": sandbox.api_key,
        "sender": sandbox.sender,
        "base_url": sandbox.base_url,
        **options,
    }
    return turkeysms.SmsBackend(alias="default", **config)


class Recording(BaseSmsBackend):
    options = {"fail_on": None}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.events = []

    def open(self):
        self.events.append("open")

    def close(self):
        self.events.append("close")

    def send(self, message):
        if message.to == self.config["fail_on"]:
            raise InsufficientBalance(code="TS-1027")
        self.events.append(message.to)
        return SendResult(provider_id=message.to)


def test_unknown_options_are_rejected():
    with pytest.raises(
        InvalidSmsBackend, match=r"unknown option\(s\) colour.*accepts: fail_on"
    ):
        Recording(alias="x", colour="red")


def test_options_are_merged_with_defaults():
    assert Recording().config == {"fail_on": None}
    assert Recording(fail_on="+90").config == {"fail_on": "+90"}


def test_send_messages_opens_once_and_returns_errors_in_place():
    backend = Recording(fail_on="+905421234567")
    second = PreparedSms(**{**MESSAGE.__dict__, "to": "+905421234567"})
    results = backend.send_messages([MESSAGE, second, MESSAGE])
    assert backend.events == ["open", "+905321234567", "+905321234567", "close"]
    assert isinstance(results[0], SendResult) and isinstance(results[1], SmsSendError)


def test_context_manager_closes_on_error():
    backend = Recording()
    with pytest.raises(RuntimeError), backend:
        raise RuntimeError
    assert backend.events == ["open", "close"]


def test_optional_features_are_unsupported_by_default():
    backend = dummy.SmsBackend()
    with pytest.raises(UnsupportedFeature, match="cannot look up"):
        backend.get_status("1")
    with pytest.raises(UnsupportedFeature, match="cannot report a balance"):
        backend.get_balance()
    assert backend.check() == []
    assert (
        repr(backend) == "<django_turkeysms.backends.dummy.SmsBackend alias='default'>"
    )


def test_base_send_is_abstract():
    with pytest.raises(NotImplementedError):
        BaseSmsBackend().send(MESSAGE)


def test_dummy_sends_nothing():
    assert dummy.SmsBackend().send(MESSAGE) == SendResult(credits=0)


def test_console_prints_the_message():
    stream = io.StringIO()
    result = console.SmsBackend(stream=stream).send(MESSAGE)
    output = stream.getvalue()
    assert (
        "SMS to +905321234567 from SANDBOX (1 segment(s), GSM7, transactional)"
        in output
    )
    assert "Merhaba" in output
    assert result.provider_id == "console-7"


def test_console_defaults_to_stdout(capsys):
    console.SmsBackend().send(MESSAGE)
    assert "Merhaba" in capsys.readouterr().out


def test_locmem_appends_to_the_package_outbox(sms_outbox):
    backend = locmem.SmsBackend()
    first, second = backend.send(MESSAGE), backend.send(MESSAGE)
    assert django_turkeysms.outbox == [MESSAGE, MESSAGE]
    assert first.provider_id != second.provider_id
    assert backend.get_status(first.provider_id).state is DeliveryState.DELIVERED
    assert backend.get_balance().local_sms > 0


# -- the provider backend over the sandbox ------------------------------------------


@pytest.mark.parametrize("method", ["POST", "GET", "get"])
def test_provider_send(turkeysms_sandbox, method):
    result = provider(turkeysms_sandbox, method=method).send(MESSAGE)
    [message] = turkeysms_sandbox.messages
    assert result.provider_id == message.sms_id
    assert result.credits == 1
    assert result.code == "TS-1024"
    assert message.via == method.lower()
    assert message.number == "905321234567"


def test_provider_status_and_balance(turkeysms_sandbox):
    backend = provider(turkeysms_sandbox)
    result = backend.send(MESSAGE)
    status = backend.get_status(result.provider_id)
    assert status.state is DeliveryState.DELIVERED
    assert status.operator == "Turkcell"
    balance = backend.get_balance()
    assert (
        balance.local_sms
        == turkeysms_sandbox.account(turkeysms_sandbox.api_key).local_balance
    )
    assert isinstance(balance.international_tl, Decimal)


def test_provider_otp(turkeysms_sandbox):
    result, code = provider(turkeysms_sandbox).send_otp(
        to="+905321234567", digits=6, lang=1
    )
    assert len(code) == 6 and code in turkeysms_sandbox.messages[0].text
    assert result.provider_id == turkeysms_sandbox.messages[0].sms_id


def test_provider_errors_propagate(turkeysms_sandbox):
    turkeysms_sandbox.account(turkeysms_sandbox.api_key).local_balance = 0
    with pytest.raises(InsufficientBalance):
        provider(turkeysms_sandbox).send(MESSAGE)


def test_provider_check(turkeysms_sandbox, settings):
    backend = provider(turkeysms_sandbox, method="PUT")
    assert [m.id for m in backend.check()] == [
        "django_turkeysms.E007",
        "django_turkeysms.W004",
    ]
    settings.DEBUG = True
    assert [m.id for m in backend.check()] == ["django_turkeysms.E007"]
    https = turkeysms.SmsBackend(api_key="k", sender="S")
    assert https.check() == []


def test_provider_repr_hides_the_key():
    backend = turkeysms.SmsBackend(api_key="secret-key-1", sender="S")
    assert "secret-key-1" not in repr(backend) and "secret-key-1" not in repr(
        backend.client
    )
