"""Codes made elsewhere (allauth's, two-factor's TOTP tokens) through our send path:
``send_code(code=...)`` and ``record_verification()``."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory

from django_turkeysms import limits, otp
from django_turkeysms.exceptions import OtpThrottled
from django_turkeysms.models import REDACTED, OtpChallenge, SmsLog
from django_turkeysms.otp import VerifyResult, send_code, verify_code
from django_turkeysms.signals import otp_verified
from tests.conftest import provider_settings

pytestmark = pytest.mark.django_db

PHONE = "+905321234567"


@pytest.fixture
def no_cooldown(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 0}


def test_a_given_code_is_sent_hashed_and_redacted(sms_outbox):
    challenge = send_code(PHONE, purpose="verify", code="731946")
    [sms] = sms_outbox
    assert "731946" in sms.text
    assert challenge.code_hash == otp.hash_code(challenge.pk, "731946")
    log = SmsLog.objects.get()
    assert (log.category, log.body, log.status) == ("otp", REDACTED, "sent")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM django_turkeysms_otpchallenge")
        assert "731946" not in repr(cursor.fetchall())


def test_a_given_code_is_checked_like_our_own(sms_outbox):
    challenge = send_code(PHONE, purpose="verify", code="090817")
    assert verify_code(PHONE, "090818", purpose="verify", challenge=challenge.pk) is (
        VerifyResult.INVALID
    )
    assert verify_code(PHONE, "090817", purpose="verify", challenge=challenge.pk) is (
        VerifyResult.OK
    )


def test_a_given_code_meets_the_same_limits(sms_outbox, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_IP_MAX_SENDS": 1}
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.5")
    send_code(PHONE, purpose="verify", code="111111", request=request)
    with pytest.raises(OtpThrottled) as cooldown:
        send_code(PHONE, purpose="verify", code="222222")
    assert cooldown.value.reason == "cooldown"
    with pytest.raises(OtpThrottled) as per_ip:
        send_code("+905421234567", purpose="verify", code="3", request=request)
    assert per_ip.value.reason == "send-ip"
    assert len(sms_outbox) == 1


@pytest.mark.parametrize(
    "code",
    ["", 123456, b"123456", "1" * 33, "12\n34", ["123456"]],
    ids=["empty", "int", "bytes", "33-characters", "newline", "list"],
)
def test_a_bad_given_code_is_refused_before_anything_is_counted(sms_outbox, code):
    with pytest.raises(ValueError, match="1 to 32 characters") as refused:
        send_code(PHONE, purpose="verify", code=code)
    assert "123456" not in str(refused.value)
    assert not OtpChallenge.objects.exists()
    assert limits.claim_cooldown(f"verify:{PHONE}", 60) is None  # no cooldown started


def test_provider_mode_sends_a_given_code_as_a_local_text(settings, turkeysms_sandbox):
    settings.TURKEYSMS = {
        **provider_settings(turkeysms_sandbox),
        "OTP_MODE": "provider",
        "OTP_DELIVERY": "inline",
    }
    challenge = send_code(PHONE, purpose="two-factor", code="872530")
    [message] = turkeysms_sandbox.messages
    assert "872530" in message.text
    assert challenge.mode == OtpChallenge.Mode.LOCAL
    assert SmsLog.objects.get().body == REDACTED
    assert message.kind == "sms"  # not the provider's OTP endpoint


def test_record_verification_closes_the_challenge_and_counts_it(
    sms_outbox, no_cooldown, settings
):
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "OTP_PREFIX_MIN_SENDS": 3,
        "OTP_PREFIX_MIN_VERIFY_RATE": 0.5,
    }
    seen = []
    otp_verified.connect(
        lambda sender, challenge, **kw: seen.append(challenge.pk), weak=False
    )
    try:
        for n in range(6):  # verified elsewhere, so the prefix stays open
            number = f"+90532123450{n}"
            challenge = send_code(number, purpose="verify", code="586203")
            assert otp.record_verification(number, purpose="verify") is True
    finally:
        otp_verified.receivers.clear()
    assert limits.prefix_blocked(PHONE) is None
    assert seen[-1] == challenge.pk
    challenge.refresh_from_db()
    assert challenge.verified_at is not None
    # Once closed, the code does not work here either, and nothing is left open.
    assert verify_code(number, "586203", purpose="verify") is VerifyResult.NOT_FOUND
    assert otp.record_verification(number, purpose="verify") is False


def test_record_verification_resets_the_failure_count(sms_outbox, no_cooldown):
    challenge = send_code(PHONE, purpose="verify", code="319274")
    for _ in range(3):
        verify_code(PHONE, "999999", purpose="verify", challenge=challenge.pk)
    assert otp.consecutive_failures(PHONE) == 3
    send_code(PHONE, purpose="verify", code="640185")
    otp.record_verification(PHONE, purpose="verify")
    assert otp.consecutive_failures(PHONE) == 0


def test_record_verification_of_a_number_that_cannot_have_a_code():
    assert otp.record_verification("+4915112345678", purpose="verify") is False
    assert otp.record_verification("12", purpose="verify") is False


def test_record_verification_of_one_challenge(sms_outbox, no_cooldown):
    """A library that knows which code it accepted closes that challenge alone —
    even after a newer code went to the number (from another session), which
    stays open — and never one of another number or purpose."""
    first = send_code(PHONE, purpose="login", code="271828")
    newer = send_code(PHONE, purpose="login", code="314159")  # expires the first
    assert not otp.record_verification(
        "+905321234568", purpose="login", challenge=first.pk
    )
    assert not otp.record_verification(PHONE, purpose="verify", challenge=first.pk)
    assert otp.record_verification(PHONE, purpose="login", challenge=str(first.pk))
    assert not otp.record_verification(PHONE, purpose="login", challenge=first.pk)
    first.refresh_from_db()
    newer.refresh_from_db()
    assert first.verified_at is not None and newer.verified_at is None
