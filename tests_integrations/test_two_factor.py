"""django-two-factor-auth with ``TWO_FACTOR_SMS_GATEWAY = "…integrations.two_factor.Gateway"``,
against the sandbox: SMS as the second factor in the setup wizard, then a login
with it. Nothing of two-factor or django-otp is mocked."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from two_factor.plugins.phonenumber.models import PhoneDevice

from django_turkeysms import otp
from django_turkeysms.integrations.two_factor import PURPOSE
from django_turkeysms.models import REDACTED, OtpChallenge, SmsLog

pytestmark = pytest.mark.django_db

PHONE = "+905321234567"
SETUP = reverse("two_factor:setup")
LOGIN = reverse("two_factor:login")


@pytest.fixture
def provider(settings, sandbox):
    """The provider backend talks to the sandbox; codes go out inline."""
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_DELIVERY": "inline"}
    return sandbox


def token_from(sandbox):
    return re.search(r"\b(\d{6})\b", sandbox.messages[-1].text).group(1)


def step(client, url, prefix, current, **fields):
    data = {f"{prefix}-current_step": current}
    data.update({f"{current}-{name}": value for name, value in fields.items()})
    return client.post(url, data)


def user(name="ayse"):
    return get_user_model().objects.create_user(name, password=f"pw-{name}")


def test_enable_sms_in_the_setup_wizard(client, provider):
    ayse = user()
    client.force_login(ayse)
    assert client.get(SETUP).status_code == 200
    step(client, SETUP, "setup_view", "welcome")
    page = step(client, SETUP, "setup_view", "method", method="sms")
    assert b"sms-number" in page.content
    page = step(client, SETUP, "setup_view", "sms", number=PHONE)
    assert b"We sent you a text message" in page.content
    [sms] = provider.messages
    assert sms.number == PHONE[1:] and sms.kind == "sms"
    token = token_from(provider)
    challenge = OtpChallenge.objects.get()
    assert (challenge.purpose, challenge.user) == (PURPOSE, ayse)
    assert challenge.code_hash == OtpChallenge.hash_code(challenge.pk, token)
    assert SmsLog.objects.get().body == REDACTED
    response = step(client, SETUP, "setup_view", "validation", token=token)
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:setup_complete")
    device = PhoneDevice.objects.get(user=ayse)
    assert (str(device.number), device.method, device.confirmed) == (PHONE, "sms", True)
    challenge.refresh_from_db()
    assert challenge.verified_at is not None  # the success counts for the guard


def test_log_in_with_sms_as_the_second_factor(provider):
    ayse = user()
    PhoneDevice.objects.create(user=ayse, name="default", number=PHONE, method="sms")
    client = Client()
    page = step(
        client, LOGIN, "login_view", "auth", username="ayse", password="pw-ayse"
    )
    assert page.status_code == 200 and b"token-otp_token" in page.content
    token = token_from(provider)
    assert SESSION_KEY not in client.session  # not before the second factor
    response = step(client, LOGIN, "login_view", "token", otp_token=token)
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == ayse.pk
    assert client.session[DEVICE_ID_SESSION_KEY].endswith(
        f"/{PhoneDevice.objects.get().pk}"
    )
    challenge = OtpChallenge.objects.get()
    assert challenge.user is None and challenge.verified_at is not None


def test_a_wrong_token_does_not_log_in(provider):
    ayse = user()
    PhoneDevice.objects.create(user=ayse, name="default", number=PHONE, method="sms")
    client = Client()
    step(client, LOGIN, "login_view", "auth", username="ayse", password="pw-ayse")
    wrong = f"{(int(token_from(provider)) + 1) % 10**6:06d}"
    page = step(client, LOGIN, "login_view", "token", otp_token=wrong)
    assert page.status_code == 200 and SESSION_KEY not in client.session
    assert len(provider.messages) == 1  # a page with errors sends nothing new


def test_a_refused_send_is_no_server_error(provider):
    """two-factor asks for a token every time it shows the token page: a second
    password step inside the resend cooldown still gets the page, which says why
    no SMS came."""
    ayse = user()
    PhoneDevice.objects.create(user=ayse, name="default", number=PHONE, method="sms")
    client = Client()
    for _ in range(2):
        page = step(
            client, LOGIN, "login_view", "auth", username="ayse", password="pw-ayse"
        )
    assert page.status_code == 200 and b"token-otp_token" in page.content
    assert len(provider.messages) == 1
    messages = [str(m) for m in page.context["messages"]]
    assert any("Too many requests. Try again in" in text for text in messages)
    response = step(
        client, LOGIN, "login_view", "token", otp_token=token_from(provider)
    )
    assert response.status_code == 302  # the first token still works


def test_a_number_outside_the_country_policy_fails_the_setup(client, provider):
    client.force_login(user())
    step(client, SETUP, "setup_view", "welcome")
    step(client, SETUP, "setup_view", "method", method="sms")
    page = step(client, SETUP, "setup_view", "sms", number="+4915112345678")
    assert page.status_code == 200
    assert b"encountered an issue" in page.content  # two-factor's own message
    assert provider.messages == [] and not OtpChallenge.objects.exists()


def test_a_login_to_a_number_outside_the_policy_says_why(provider):
    ayse = user()
    PhoneDevice.objects.create(
        user=ayse, name="default", number="+4915112345678", method="sms"
    )
    client = Client()
    page = step(
        client, LOGIN, "login_view", "auth", username="ayse", password="pw-ayse"
    )
    assert page.status_code == 200
    messages = [str(m) for m in page.context["messages"]]
    assert any("not an allowed country" in text for text in messages)
    assert provider.messages == []


# -- the login step: tokens judged by the OTP core ------------------------------------------


def password_step(client):
    return step(
        client, LOGIN, "login_view", "auth", username="ayse", password="pw-ayse"
    )


def token_step(client, token):
    return step(client, LOGIN, "login_view", "token", otp_token=token)


def wrong(token):
    return f"{(int(token) + 1) % 10**6:06d}"


def at_token_step(provider):
    """Ayse's password taken, her token sent: the client and the token."""
    ayse = user()
    PhoneDevice.objects.create(user=ayse, name="default", number=PHONE, method="sms")
    client = Client()
    password_step(client)
    return client, token_from(provider)


def test_wrong_tokens_at_login_count_towards_the_phone_lock(provider, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_MAX_FAILURES": 3}
    client, token = at_token_step(provider)
    for failures in range(1, 3):
        page = token_step(client, wrong(token))
        assert page.status_code == 200 and SESSION_KEY not in client.session
        assert otp.consecutive_failures(PHONE) == failures
    assert otp.locked_until(PHONE) is None
    page = token_step(client, wrong(token))
    assert otp.locked_until(PHONE) is not None
    assert otp.VerifyResult.LOCKED.message in page.content.decode()


def test_a_locked_phone_cannot_pass_the_login_step(provider, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_MAX_FAILURES": 1}
    client, token = at_token_step(provider)
    token_step(client, wrong(token))
    assert otp.locked_until(PHONE) is not None
    page = token_step(client, token)
    assert page.status_code == 200 and SESSION_KEY not in client.session
    assert otp.VerifyResult.LOCKED.message in page.content.decode()
    # A new login sends nothing to a locked phone; the last token still fails.
    client = Client()
    password_step(client)
    assert len(provider.messages) == 1
    page = token_step(client, token)
    assert page.status_code == 200 and SESSION_KEY not in client.session


def test_the_right_token_works_once(provider):
    client, token = at_token_step(provider)
    assert token_step(client, token).status_code == 302
    assert SESSION_KEY in client.session
    # The same session again, inside the resend cooldown: no new token, and the
    # one it holds was used.
    password_step(client)
    assert len(provider.messages) == 1
    page = token_step(client, token)
    assert page.status_code == 200
    assert otp.VerifyResult.NOT_FOUND.message in page.content.decode()
    assert OtpChallenge.objects.get().verified_at is not None
