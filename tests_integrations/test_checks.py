"""The checks that keep the integrations inside the OTP guarantees."""

from __future__ import annotations

import pytest

from django_turkeysms import checks


def ids(messages):
    return [message.id for message in messages]


@pytest.fixture(autouse=True)
def without_headless(request, monkeypatch):
    """These settings install allauth's headless API (its tests need it); every
    check but W016's is seen here as in a project without it."""
    if "headless" not in request.node.name:
        monkeypatch.setattr(checks, "ALLAUTH_HEADLESS", "not.installed")


def test_the_integration_settings_pass():
    assert checks.check_integrations() == []


def test_allauths_headless_api_judges_its_own_codes():
    [warning] = checks.check_integrations()
    assert warning.id == "django_turkeysms.W016"
    assert "django_turkeysms.api" in warning.hint


def test_allauths_codes_must_not_go_to_the_browser(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert ids(checks.check_integrations()) == ["django_turkeysms.E011"]


@pytest.mark.parametrize(
    ("name", "seconds", "expected"),
    [
        ("ACCOUNT_PHONE_VERIFICATION_TIMEOUT", 900, ["django_turkeysms.W010"]),
        ("ACCOUNT_PHONE_VERIFICATION_TIMEOUT", 600, []),
        ("ACCOUNT_LOGIN_BY_CODE_TIMEOUT", 601, ["django_turkeysms.W010"]),
    ],
)
def test_allauths_code_lifetimes(settings, name, seconds, expected):
    setattr(settings, name, seconds)
    assert ids(checks.check_integrations()) == expected


def test_another_adapter_is_not_ours_to_check(settings):
    settings.ACCOUNT_ADAPTER = "allauth.account.adapter.DefaultAccountAdapter"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert checks.check_integrations() == []


def test_the_gateway_and_the_device_need_the_request(settings):
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != checks.REQUEST_MIDDLEWARE
    ]
    assert ids(checks.check_integrations()) == ["django_turkeysms.W011"]


def test_an_adapter_that_does_not_import_is_allauths_to_report(settings):
    settings.ACCOUNT_ADAPTER = "no.such.Adapter"
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert checks.check_integrations() == []


@pytest.mark.parametrize(
    ("forms", "named"),
    [
        ({}, "confirm_login_code, verify_phone"),
        (
            {"confirm_login_code": "tests_integrations.adapters.LoginCodeForm"},
            "verify_phone",
        ),
        ({"confirm_login_code": "no.such.Form"}, "confirm_login_code, verify_phone"),
    ],
)
def test_allauth_must_leave_the_sms_codes_to_our_forms(settings, forms, named):
    settings.ACCOUNT_FORMS = forms
    [error] = checks.check_integrations()
    assert error.id == "django_turkeysms.E015"
    assert named in error.msg


def test_allauths_reauthentication_is_asked_for(settings):
    settings.ACCOUNT_REAUTHENTICATION_REQUIRED = False
    assert ids(checks.check_integrations()) == ["django_turkeysms.W015"]


def test_allauths_resend_tells_registered_numbers_apart(settings):
    settings.ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
    settings.ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = 2
    assert ids(checks.check_integrations()) == ["django_turkeysms.E016"] * 2


def test_two_factors_own_views_leave_sms_tokens_to_two_factor(settings):
    settings.ROOT_URLCONF = "tests_integrations.urls_two_factor_stock"
    [warning] = checks.check_integrations()
    assert warning.id == "django_turkeysms.W014"
    assert "two_factor:login, two_factor:setup, two_factor:phone_create" in warning.msg
    assert checks.TWO_FACTOR_URLS in warning.hint


def test_another_gateway_is_not_ours_to_check(settings):
    settings.ROOT_URLCONF = "tests_integrations.urls_two_factor_stock"
    settings.TWO_FACTOR_SMS_GATEWAY = "two_factor.gateways.fake.Fake"
    assert checks.check_integrations() == []
