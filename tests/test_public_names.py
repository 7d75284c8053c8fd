"""The names users write keep working after the layers were reorganised (issue 14):
the sending API, backends' dotted paths, the client, models, tasks, URL names,
commands, settings keys, fixtures and the sandbox's paths."""

from __future__ import annotations

import pytest
from django.core.management import get_commands
from django.urls import reverse
from django.utils.module_loading import import_string

import django_turkeysms
from django_turkeysms import exceptions, sending
from django_turkeysms.backends.locmem import outbox
from django_turkeysms.conf import DEFAULTS


def test_the_sending_api_and_the_outbox():
    assert django_turkeysms.send_sms is sending.send_sms
    assert django_turkeysms.SmsMessage.__name__ == "SmsMessage"
    assert django_turkeysms.outbox is outbox
    for name in ("deliver", "dispatch", "retry_due", "refresh_status", "sweep_stuck"):
        assert callable(getattr(sending, name))


@pytest.mark.parametrize(
    "path",
    [
        "django_turkeysms.backends.turkeysms.SmsBackend",
        "django_turkeysms.backends.console.SmsBackend",
        "django_turkeysms.backends.locmem.SmsBackend",
        "django_turkeysms.backends.dummy.SmsBackend",
        "django_turkeysms.client.TurkeySmsClient",
        "django_turkeysms.client.DeliveryState",
        "django_turkeysms.models.SmsLog",
        "django_turkeysms.models.OtpChallenge",
        "django_turkeysms.models.VerifiedPhone",
        "django_turkeysms.tasks.deliver_sms",
        "django_turkeysms.tasks.refresh_statuses",
        "django_turkeysms.tasks.sweep_stuck",
        "django_turkeysms.auth.PhoneOtpBackend",
        "django_turkeysms.sandbox.Sandbox",
        "django_turkeysms.sandbox.process.SandboxProcess",
        "django_turkeysms.pytest_plugin.turkeysms_sandbox",
        "django_turkeysms.pytest_plugin.sms_outbox",
    ],
)
def test_dotted_paths(path):
    assert import_string(path) is not None


def test_the_old_sandbox_paths_are_the_new_ones():
    from django_turkeysms.testing.sandbox import Sandbox
    from django_turkeysms.testing.sandbox.process import SandboxProcess

    assert import_string("django_turkeysms.sandbox.Sandbox") is Sandbox
    assert import_string("django_turkeysms.sandbox.process.SandboxProcess") is (
        SandboxProcess
    )


@pytest.mark.parametrize(
    "name",
    ["login", "login-confirm", "verify-phone", "verify-phone-confirm"],
)
def test_url_names(name):
    assert reverse(f"turkeysms:{name}").startswith("/")


def test_commands():
    assert {
        "turkeysms_balance",
        "turkeysms_check",
        "turkeysms_cleanup",
        "turkeysms_sandbox",
        "turkeysms_send",
        "turkeysms_status",
    } <= set(get_commands())


def test_settings_keys():
    assert {"BACKENDS", "ASYNC", "TASK_BACKEND", "OTP_LENGTH", "OTP_TTL"} <= set(
        DEFAULTS
    )


def test_every_deliberate_error_is_a_turkeysms_error():
    assert issubclass(exceptions.LimitsUnavailable, exceptions.TurkeySmsError)


def test_the_fixtures(sms_outbox, turkeysms_sandbox):
    assert sms_outbox == [] and turkeysms_sandbox.base_url.startswith("http://")
