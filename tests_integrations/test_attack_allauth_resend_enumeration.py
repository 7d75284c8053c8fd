"""Attack: allauth's resend button tells a registered number from another.

allauth's "send a new code" skips the SMS hook for a number without an account
(``skip_enumeration_sms=True`` / ``skip_enumeration_mails=True``), so the
adapter's decoy (``send_unknown_account_sms`` / ``send_account_already_exists_sms``)
never runs on a resend: no counter moves for that number, and none refuses. For
a real number the resend goes through ``otp.send_code`` and meets the resend
cooldown. With allauth's documented resend switches on, the answers differ:

* login by code (``ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND``): a registered number's
  resend inside the cooldown answers 429; an unregistered one's answers 500
  (allauth asserts a user when it makes a phone code);
* sign-up (``ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND``): a new number's
  resend answers 429, the resend of a number another account verified 302.

Issue 13 point 1: no status, body or counter may depend on registration.

The adapter cannot see these resends (allauth asserts a user before any hook
on a login-code resend, and calls no hook at all for a sign-up with a taken
number), so check ``django_turkeysms.E016`` refuses both switches together with
our adapter. Without them, allauth treats ``action=resend`` as a code to check,
and both numbers answer alike.

Run: ``.venv/bin/python -m pytest
tests_integrations/test_attack_allauth_resend_enumeration.py
--ds=tests_integrations.settings -q -p no:cacheprovider``
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.test import Client
from django.urls import reverse

from django_turkeysms.models import VerifiedPhone

pytestmark = pytest.mark.django_db

REGISTERED = "+905321234567"
UNREGISTERED = "+905321234568"
REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
SIGNUP = reverse("account_signup")
VERIFY_PHONE = reverse("account_verify_phone")


@pytest.fixture
def registered():
    owner = get_user_model().objects.create_user("ayse", password="pw-ayse")
    VerifiedPhone.objects.create(user=owner, phone=REGISTERED)
    return owner


def login_resend(number):
    client = Client(raise_request_exception=False)
    first = client.post(REQUEST_CODE, {"phone": number})
    resend = client.post(CONFIRM_CODE, {"action": "resend"})
    return first.status_code, resend.status_code


def signup_resend(number, name):
    client = Client(raise_request_exception=False)
    password = "Xy!23456789a"
    first = client.post(
        SIGNUP,
        {
            "phone": number,
            "username": name,
            "password1": password,
            "password2": password,
        },
    )
    resend = client.post(VERIFY_PHONE, {"action": "resend"})
    return first.status_code, resend.status_code


def error_ids():
    return [m.id for m in run_checks() if m.id.startswith("django_turkeysms.E")]


@pytest.mark.parametrize(
    "switch",
    [
        "ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND",
        "ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND",
    ],
)
def test_allauths_resend_is_refused_with_our_adapter(settings, switch):
    assert error_ids() == []
    setattr(settings, switch, True)
    assert error_ids() == ["django_turkeysms.E016"]


def test_login_code_resend_answers_alike(registered, sms_outbox):
    known, unknown = login_resend(REGISTERED), login_resend(UNREGISTERED)
    assert known == unknown, (
        f"login by code, then resend: registered {known}, unregistered {unknown}"
    )


def test_signup_resend_answers_alike(registered, sms_outbox):
    taken, new = (
        signup_resend(REGISTERED, "mallory"),
        signup_resend(UNREGISTERED, "selin"),
    )
    assert taken == new, (
        f"sign-up, then resend: number of another account {taken}, new number {new}"
    )
