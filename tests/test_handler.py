"""sms_backends: alias → a new backend instance, with errors that name the alias."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_turkeysms.backends import console, locmem
from django_turkeysms.exceptions import InvalidSmsBackend, SmsBackendDoesNotExist
from django_turkeysms.handler import sms_backends


def backends(**aliases):
    return {"BACKENDS": aliases}


def test_default_backend_is_console_without_settings(settings):
    del settings.TURKEYSMS
    assert isinstance(sms_backends.default, console.SmsBackend)


def test_each_lookup_builds_a_new_instance():
    first, second = sms_backends["default"], sms_backends["default"]
    assert isinstance(first, locmem.SmsBackend)
    assert first is not second
    assert first.alias == "default"


def test_settings_are_read_live(settings):
    settings.TURKEYSMS = backends(
        default={"BACKEND": "django_turkeysms.backends.dummy.SmsBackend"}
    )
    assert type(sms_backends.default).__module__ == "django_turkeysms.backends.dummy"


def test_membership_iteration_and_get(settings):
    settings.TURKEYSMS = backends(
        default={"BACKEND": "django_turkeysms.backends.locmem.SmsBackend"},
        bulk={"BACKEND": "django_turkeysms.backends.dummy.SmsBackend"},
    )
    assert "bulk" in sms_backends and "nope" not in sms_backends
    assert list(sms_backends) == ["default", "bulk"]
    assert sms_backends.get("nope") is None
    assert sms_backends.get("bulk").alias == "bulk"


def test_unknown_alias_names_it_and_the_known_ones():
    with pytest.raises(SmsBackendDoesNotExist) as info:
        sms_backends["marketing"]
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, ImproperlyConfigured)
    assert str(info.value).startswith("SMS backend 'marketing':")
    assert "'default'" in str(info.value)
    assert info.value.alias == "marketing"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"BACKEND": "no.such.module.SmsBackend"},
            "could not import 'no.such.module.SmsBackend'",
        ),
        ({"BACKEND": "django_turkeysms.conf.Settings"}, "is not an SMS backend class"),
        ({"BACKEND": ""}, "dotted path"),
        ({}, "dotted path"),
        (
            {"BACKEND": "django_turkeysms.backends.locmem.SmsBackend", "OPTIONS": []},
            "OPTIONS must be a dict",
        ),
        ("django_turkeysms.backends.locmem.SmsBackend", "must be a dict"),
        (
            {
                "BACKEND": "django_turkeysms.backends.locmem.SmsBackend",
                "OPTIONS": {"colour": 1},
            },
            "unknown option(s) colour",
        ),
        (
            {
                "BACKEND": "django_turkeysms.backends.turkeysms.SmsBackend",
                "OPTIONS": {"sender": "X"},
            },
            "missing required option(s) api_key",
        ),
    ],
    ids=[
        "import",
        "not-a-backend",
        "empty-path",
        "no-path",
        "options-type",
        "config-type",
        "unknown-option",
        "missing-option",
    ],
)
def test_bad_configuration_names_the_alias(settings, config, message):
    settings.TURKEYSMS = backends(
        default={"BACKEND": "django_turkeysms.backends.locmem.SmsBackend"},
        broken=config,
    )
    with pytest.raises(InvalidSmsBackend) as info:
        sms_backends["broken"]
    assert str(info.value).startswith("SMS backend 'broken': ")
    assert message in str(info.value)
