"""The django-otp device (``django_turkeysms.integrations.django_otp``): tokens
are our OTP codes, hashed, limited and single use; verified directly, through
``django_otp.verify_token`` and through django-otp's own login view."""

from __future__ import annotations

import re
from datetime import timedelta

import django_otp
import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user

from django_turkeysms.integrations.django_otp.models import PURPOSE, SmsDevice
from django_turkeysms.models import REDACTED, OtpChallenge, OtpLock, SmsLog

pytestmark = pytest.mark.django_db

PHONE = "+905321234567"
OTP_LOGIN = reverse("otp-login")


def code_in(outbox, index=-1):
    return re.search(r"\b(\d{6})\b", outbox[index].text).group(1)


@pytest.fixture
def device():
    ayse = get_user_model().objects.create_user("ayse", password="pw-ayse")
    return SmsDevice.objects.create(user=ayse, name="phone", number=PHONE)


def test_a_token_verified_on_the_device(device, sms_outbox):
    assert device.is_interactive()
    assert device.generate_challenge() == "sent by SMS"
    token = code_in(sms_outbox)
    challenge = OtpChallenge.objects.get()
    assert (challenge.purpose, challenge.user) == (PURPOSE, device.user)
    assert SmsLog.objects.get().body == REDACTED
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM turkeysms_otp_smsdevice")
        assert token not in repr(cursor.fetchall())
    wrong = f"{(int(token) + 1) % 10**6:06d}"
    assert device.verify_token(wrong) is False
    assert device.verify_token(token) is True
    assert device.verify_token(token) is False  # once
    device.refresh_from_db()
    assert device.last_used_at is not None


def test_django_otps_verify_token(device, sms_outbox):
    assert list(devices_for_user(device.user)) == [device]
    device.generate_challenge()
    verified = django_otp.verify_token(
        device.user, device.persistent_id, code_in(sms_outbox)
    )
    assert verified == device


def test_five_wrong_tokens_and_the_right_one_is_refused(device, sms_outbox):
    device.generate_challenge()
    token = code_in(sms_outbox)
    for _ in range(5):
        assert device.verify_token("000000" if token != "000000" else "111111") is False
    assert device.verify_token(token) is False
    assert OtpChallenge.objects.get().attempts == 5


def test_a_locked_number_is_not_verified(device, sms_outbox):
    OtpLock.objects.create(phone=PHONE, ends_at=timezone.now() + timedelta(hours=1))
    allowed, info = device.verify_is_allowed()
    assert allowed is False and "locked" in info["error_message"]
    assert device.generate_challenge().startswith("Too many requests. Try again in")
    assert sms_outbox == []


def test_the_limits_apply(device, sms_outbox):
    device.generate_challenge()
    answer = device.generate_challenge()  # inside the resend cooldown
    assert answer.startswith("Too many requests. Try again in")
    assert len(sms_outbox) == 1


def test_log_in_through_django_otps_login_view(device, sms_outbox):
    client = Client()
    credentials = {"username": "ayse", "password": "pw-ayse"}
    page = client.post(
        OTP_LOGIN,
        {**credentials, "otp_device": device.persistent_id, "otp_challenge": "1"},
    )
    assert b"OTP Challenge: sent by SMS" in page.content
    token = code_in(sms_outbox)
    response = client.post(
        OTP_LOGIN,
        {**credentials, "otp_device": device.persistent_id, "otp_token": token},
    )
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == device.user.pk
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_token_works_only_in_the_session_that_asked(device, sms_outbox):
    """The RequestMiddleware gives the device the request: a token sent for one
    browser does not log in another."""
    asker, other = Client(), Client()
    credentials = {"username": "ayse", "password": "pw-ayse"}
    asker.post(
        OTP_LOGIN,
        {**credentials, "otp_device": device.persistent_id, "otp_challenge": "1"},
    )
    token = code_in(sms_outbox)
    response = other.post(
        OTP_LOGIN,
        {**credentials, "otp_device": device.persistent_id, "otp_token": token},
    )
    assert response.status_code == 200 and SESSION_KEY not in other.session
    response = asker.post(
        OTP_LOGIN,
        {**credentials, "otp_device": device.persistent_id, "otp_token": token},
    )
    assert response.status_code == 302


def test_a_number_outside_the_allowed_countries_is_refused_not_a_500(
    device, settings, sms_outbox
):
    """The device was added before OTP_ALLOWED_COUNTRIES left its country out."""
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_ALLOWED_COUNTRIES": ["DE"]}
    refused = "This phone number cannot receive codes here."
    assert device.generate_challenge() == refused
    assert device.verify_is_allowed() == (False, {"error_message": refused})
    assert not device.verify_token("123456")
    assert sms_outbox == []
