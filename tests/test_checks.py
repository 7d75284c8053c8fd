"""System checks, asserted by id (as cors-headers does)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from django_turkeysms import checks, otp
from tests.conftest import PROVIDER_BACKEND

LOCMEM = {"default": {"BACKEND": "django_turkeysms.backends.locmem.SmsBackend"}}


def ids(messages):
    return [message.id for message in messages]


def run_all():
    return [
        *checks.check_settings(),
        *checks.check_backends(),
        *checks.check_phonenumbers(),
        *checks.check_tasks(),
    ]


@pytest.mark.django_db
def test_correct_configuration_passes(settings, tmp_path):
    # A cache every process shares (no W006) that needs no server (E009 probes it).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    settings.TURKEYSMS = {
        "BACKENDS": {
            "default": {
                "BACKEND": PROVIDER_BACKEND,
                "OPTIONS": {"api_key": "k", "sender": "BRAND"},
            }
        },
    }
    assert run_all() == []
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("not a dict", ["django_turkeysms.E001"]),
        ({"BACKENDS": LOCMEM, "COLOUR": "red"}, ["django_turkeysms.E001"]),
        ({"BACKENDS": LOCMEM, "MAX_SEGMENTS": 0}, ["django_turkeysms.E006"]),
        ({"BACKENDS": LOCMEM, "MAX_WORKERS": True}, ["django_turkeysms.E006"]),
        ({"BACKENDS": LOCMEM, "RETRY_BASE_DELAY": "5"}, ["django_turkeysms.E006"]),
        ({"BACKENDS": LOCMEM, "RETRY_MAX_DELAY": 2.5}, []),
        ({"BACKENDS": LOCMEM, "ALLOWED_COUNTRIES": "TR"}, ["django_turkeysms.E006"]),
        (
            {"BACKENDS": LOCMEM, "ALLOWED_COUNTRIES": ["TR", "Turkey"]},
            ["django_turkeysms.E006"],
        ),
        ({"BACKENDS": LOCMEM, "ALLOWED_COUNTRIES": ["TR", "DE"]}, []),
        ({"BACKENDS": LOCMEM, "ALLOWED_COUNTRIES": None}, []),
    ],
    ids=repr,
)
def test_settings_shape(settings, value, expected):
    settings.TURKEYSMS = value
    assert ids(checks.check_settings()) == expected


@pytest.mark.parametrize(
    ("backends", "expected"),
    [
        ({}, ["django_turkeysms.E002"]),
        ({"bulk": LOCMEM["default"]}, ["django_turkeysms.E002"]),
        ("locmem", ["django_turkeysms.E002"]),
        (
            {**LOCMEM, "broken": {"BACKEND": "no.such.Backend"}},
            ["django_turkeysms.E003"],
        ),
        ({"default": {"BACKEND": PROVIDER_BACKEND}}, ["django_turkeysms.E003"]),
        (
            {"default": {"BACKEND": PROVIDER_BACKEND, "OPTIONS": {"api_key": "k"}}},
            ["django_turkeysms.E003"],
        ),
        (
            {
                "default": {
                    "BACKEND": PROVIDER_BACKEND,
                    "OPTIONS": {"api_key": "k", "sender": "S", "method": "PUT"},
                }
            },
            ["django_turkeysms.E007"],
        ),
        (
            {
                "default": {
                    "BACKEND": PROVIDER_BACKEND,
                    "OPTIONS": {"api_key": "k", "sender": "S", "base_url": "http://x"},
                }
            },
            ["django_turkeysms.W004"],
        ),
    ],
    ids=[
        "empty",
        "no-default",
        "not-a-dict",
        "import",
        "no-options",
        "no-sender",
        "method",
        "http",
    ],
)
def test_backends(settings, backends, expected):
    settings.TURKEYSMS = {"BACKENDS": backends}
    assert ids(checks.check_backends()) == expected


def test_backend_errors_name_the_alias(settings):
    settings.TURKEYSMS = {
        "BACKENDS": {
            "default": {"BACKEND": PROVIDER_BACKEND, "OPTIONS": {"api_key": "k"}}
        }
    }
    [error] = checks.check_backends()
    assert error.msg == "SMS backend 'default': missing required option(s) sender."


def test_http_base_url_is_fine_in_debug(settings):
    settings.DEBUG = True
    options = {"api_key": "k", "sender": "S", "base_url": "http://127.0.0.1:8765"}
    settings.TURKEYSMS = {
        "BACKENDS": {"default": {"BACKEND": PROVIDER_BACKEND, "OPTIONS": options}}
    }
    assert checks.check_backends() == []


def test_default_region(settings):
    del settings.PHONENUMBER_DEFAULT_REGION
    assert ids(checks.check_phonenumbers()) == ["django_turkeysms.W002"]


def test_async_without_a_task_backend(settings):
    settings.TURKEYSMS = {"BACKENDS": LOCMEM, "ASYNC": True, "TASK_BACKEND": "sms"}
    [error] = checks.check_tasks()
    assert error.id == "django_turkeysms.E005"
    assert "'sms'" in error.msg


def test_async_with_the_immediate_backend_warns_about_defer(settings):
    settings.TURKEYSMS = {"BACKENDS": LOCMEM, "ASYNC": True}
    assert ids(checks.check_tasks()) == ["django_turkeysms.W005"]


def test_async_with_the_dummy_backend(settings):
    settings.TURKEYSMS = {"BACKENDS": LOCMEM, "ASYNC": True}
    settings.TASKS = {
        "default": {"BACKEND": f"{settings.TASKS_MODULE}.backends.dummy.DummyBackend"}
    }
    assert ids(checks.check_tasks()) == ["django_turkeysms.W001"]


def test_sync_sending_needs_no_task_checks(settings):
    settings.TURKEYSMS = {"BACKENDS": LOCMEM, "TASK_BACKEND": "missing"}
    assert checks.check_tasks() == []


@pytest.mark.django_db
def test_checks_are_registered(settings):
    settings.TURKEYSMS = {"BACKENDS": {}}
    with pytest.raises(SystemCheckError, match="django_turkeysms.E002"):
        call_command("check", stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, []),
        ({"OTP_LENGTH": 3}, ["django_turkeysms.E008"]),
        ({"OTP_LENGTH": 11}, ["django_turkeysms.E008"]),
        ({"OTP_TTL": 601}, ["django_turkeysms.E008"]),
        ({"OTP_MODE": "magic"}, ["django_turkeysms.E008"]),
        ({"OTP_DELIVERY": "carrier-pigeon"}, ["django_turkeysms.E008"]),
        ({"OTP_MODE": "provider"}, ["django_turkeysms.E008"]),
        (
            {"OTP_MODE": "provider", "OTP_LENGTH": 8},
            ["django_turkeysms.E008", "django_turkeysms.E008"],
        ),
        ({"OTP_LENGTH": 4}, ["django_turkeysms.W003"]),
        ({"OTP_MAX_ATTEMPTS": 20}, ["django_turkeysms.W003"]),
        (
            {"OTP_MAX_FAILURES": 1000},
            ["django_turkeysms.W003", "django_turkeysms.W008"],
        ),
        ({"OTP_LOCK_TIME": 0}, ["django_turkeysms.E008"]),
        (
            {"OTP_LOCK_TIME": 7200, "OTP_LOCK_MAX_TIME": 3600},
            ["django_turkeysms.E008"],
        ),
        # More than 1,000 wrong codes per phone in 30 days.
        ({"OTP_MAX_FAILURES": 50}, ["django_turkeysms.W008"]),
        ({"OTP_LOCK_MAX_TIME": 3600}, ["django_turkeysms.W008"]),
        # One account or IP could block a prefix alone.
        ({"OTP_USER_MAX_SENDS": 20}, ["django_turkeysms.W009"]),
        ({"OTP_USER_IP_MAX_SENDS": 25}, ["django_turkeysms.W009"]),
        ({"OTP_DELIVERY": "inline"}, ["django_turkeysms.W007"]),
    ],
    ids=repr,
)
def test_otp_settings(settings, overrides, expected):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
        }
    }
    settings.TURKEYSMS = {"BACKENDS": LOCMEM, **overrides}
    assert ids(checks.check_otp()) == expected


def test_inline_delivery_is_fine_while_developing(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.DEBUG = True
    settings.TURKEYSMS = {"BACKENDS": LOCMEM, "OTP_DELIVERY": "inline"}
    assert checks.check_otp() == []


def test_the_default_guess_bound():
    assert otp.guess_bound(1) == 100  # five locks of 1, 2, 4, 8 and 16 hours
    assert otp.guess_bound(30) == 680  # then one a day
    assert otp.guess_bound(30) <= checks.MAX_GUESSES_PER_30_DAYS


def test_provider_otp_with_a_capable_backend(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
        }
    }
    options = {"api_key": "k", "sender": "S"}
    settings.TURKEYSMS = {
        "BACKENDS": {"default": {"BACKEND": PROVIDER_BACKEND, "OPTIONS": options}},
        "OTP_MODE": "provider",
    }
    assert checks.check_otp() == []


def test_local_memory_cache_for_otp_limits(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    settings.TURKEYSMS = {"BACKENDS": LOCMEM}
    assert ids(checks.check_otp()) == ["django_turkeysms.W006"]
    settings.DEBUG = True
    assert checks.check_otp() == []


def test_provider_otp_with_a_broken_backend_leaves_it_to_the_backend_check(settings):
    settings.TURKEYSMS = {
        "BACKENDS": {"default": {"BACKEND": "no.such.Backend"}},
        "OTP_MODE": "provider",
    }
    assert "django_turkeysms.E008" not in ids(checks.check_otp())
    assert "django_turkeysms.E003" in ids(checks.check_backends())


@pytest.mark.parametrize(
    ("hook", "expected"),
    [
        (None, []),
        ("tests.test_api.hook", []),
        ("tests.test_api.no_such_hook", ["django_turkeysms.E010"]),
        ("tests.test_api.PHONE", ["django_turkeysms.E010"]),  # not callable
    ],
)
def test_the_api_token_hook(settings, hook, expected):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "API_TOKEN_HOOK": hook}
    assert ids(checks.check_integrations()) == expected


def test_no_integration_no_integration_checks():
    """The default test settings install none of allauth, two-factor, django-otp."""
    assert checks.check_integrations() == []
