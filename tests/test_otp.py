"""otp.py: codes, hashing, single use, limits (security-and-reliability §3.1 items 24–35)."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from django_turkeysms import background, limits, otp
from django_turkeysms.exceptions import (
    CountryNotAllowed,
    InvalidPhoneNumber,
    OtpThrottled,
)
from django_turkeysms.models import REDACTED, OtpChallenge, OtpLock, SmsLog
from django_turkeysms.otp import VerifyResult, send_code, verify_code

pytestmark = pytest.mark.django_db

PHONE = "+905321234567"


@pytest.fixture
def no_cooldown(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 0}


def sent_code(outbox, index=-1):
    return re.search(r"\b(\d{6})\b", outbox[index].text).group(1)


def request_from(ip, forwarded=None):
    meta = {"REMOTE_ADDR": ip}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **meta)


# -- codes and hashes ------------------------------------------------------------------


def test_codes_are_random_digits_with_leading_zeros(monkeypatch):
    assert re.fullmatch(r"\d{6}", otp.generate_code())
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: 42)
    assert otp.generate_code() == "000042"
    assert otp.generate_code(4) == "0042"


def test_hash_is_keyed_and_bound_to_the_challenge():
    first, second = OtpChallenge(phone=PHONE), OtpChallenge(phone=PHONE)
    assert otp.hash_code(first.pk, "123456") != otp.hash_code(second.pk, "123456")
    assert len(otp.hash_code(first.pk, "123456")) == 64
    assert "123456" not in otp.hash_code(first.pk, "123456")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("123456", "123456"),
        ("12 34 56", "123456"),  # 24
        ("123456\n", "123456"),
        (" 123-456 ", "123456"),
        ("１２３４５６", "123456"),  # 25: full-width
        ("١٢٣٤٥٦", "123456"),  # Arabic-Indic
        ("۱۲۳۴۵۶", "123456"),  # Eastern Arabic-Indic
        ("012345", "012345"),  # 26: a leading zero stays
        ("", None),  # 21
        ("12345", None),  # 22
        ("1234567", None),
        ("abcdef", None),  # 23
        ("12345a", None),
        ("1" * 10_000, None),  # 27
        (123456, None),
        (None, None),
    ],
    ids=repr,
)
def test_normalize_code(typed, expected):
    assert otp.normalize_code(typed) == expected


# -- sending ------------------------------------------------------------------------------


def test_send_code_logs_a_redacted_sms(sms_outbox):
    challenge = send_code("0532 123 45 67", purpose="login")
    code = sent_code(sms_outbox)
    assert str(challenge.phone) == PHONE
    assert challenge.mode == OtpChallenge.Mode.LOCAL
    assert challenge.expires_at - challenge.created_at == timedelta(minutes=5)
    log = SmsLog.objects.get()
    assert (log.category, log.body, log.status) == ("otp", REDACTED, "sent")
    assert challenge.sms_log_id == log.pk
    assert challenge.code_hash == otp.hash_code(challenge.pk, code)


def test_the_code_is_nowhere_in_the_database(sms_outbox):
    send_code(PHONE, purpose="login")
    code = sent_code(sms_outbox)
    with connection.cursor() as cursor:
        for table in ("django_turkeysms_smslog", "django_turkeysms_otpchallenge"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed names
            assert code not in repr(cursor.fetchall())


def test_message_language_follows_the_active_language(sms_outbox, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 0}
    from django.utils import translation

    with translation.override("tr"):
        send_code(PHONE, purpose="login")
    with translation.override("ar"):
        send_code(PHONE, purpose="verify")
    assert "doğrulama kodunuz" in sms_outbox[0].text.lower()
    assert "رمز" in sms_outbox[1].text


def test_webotp_origin_line_comes_last(sms_outbox, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_WEBOTP_DOMAIN": "shop.example.com"}
    send_code(PHONE, purpose="login")
    code = sent_code(sms_outbox)
    assert sms_outbox[0].text.splitlines()[-1] == f"@shop.example.com #{code}"


def test_bad_numbers_and_countries():
    with pytest.raises(InvalidPhoneNumber):
        send_code("12", purpose="login")
    with pytest.raises(CountryNotAllowed):
        send_code("+49 1511 2345678", purpose="login")
    assert OtpChallenge.objects.count() == 0


def test_undelivered_challenge_looks_the_same_but_sends_nothing(sms_outbox):
    challenge = send_code(PHONE, purpose="login", deliver=False)
    assert sms_outbox == []
    assert challenge.code_hash and challenge.sms_log_id is None
    assert verify_code(PHONE, "123456", purpose="login") is VerifyResult.INVALID


# -- verifying -------------------------------------------------------------------------------


def test_a_correct_code_works_once(sms_outbox):  # 31
    send_code(PHONE, purpose="login")
    code = sent_code(sms_outbox)
    assert verify_code(PHONE, code, purpose="login") is VerifyResult.OK
    assert verify_code(PHONE, code, purpose="login") is VerifyResult.NOT_FOUND
    assert OtpChallenge.objects.get().verified_at is not None


def test_typed_forms_are_accepted(sms_outbox):  # 24, 25
    send_code(PHONE, purpose="login")
    code = sent_code(sms_outbox)
    wide = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    typed = f"{wide[:3]} {wide[3:]}\n"
    assert verify_code("0532 123 45 67", typed, purpose="login") is VerifyResult.OK


def test_code_is_bound_to_its_phone_and_purpose(sms_outbox, no_cooldown):  # 28, A4
    send_code(PHONE, purpose="login")
    code = sent_code(sms_outbox)
    send_code("+905421234567", purpose="login")
    assert verify_code("+905421234567", code, purpose="login") is VerifyResult.INVALID
    assert verify_code(PHONE, code, purpose="verify") is VerifyResult.NOT_FOUND
    assert verify_code(PHONE, code, purpose="login") is VerifyResult.OK


def test_expiry_boundaries(sms_outbox):  # 30
    challenge = send_code(PHONE, purpose="login")
    code = sent_code(sms_outbox)
    sent = challenge.created_at
    assert (
        verify_code(PHONE, code, purpose="login", now=sent + timedelta(seconds=301))
        is VerifyResult.EXPIRED
    )
    assert (
        verify_code(PHONE, code, purpose="login", now=sent + timedelta(seconds=299))
        is VerifyResult.OK
    )


def test_correct_code_after_five_wrong_is_refused(sms_outbox):  # 33
    send_code(PHONE, purpose="login")
    code = sent_code(sms_outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    results = [verify_code(PHONE, wrong, purpose="login") for _ in range(5)]
    assert results == [VerifyResult.INVALID] * 5
    assert verify_code(PHONE, code, purpose="login") is VerifyResult.TOO_MANY_ATTEMPTS
    assert OtpChallenge.objects.get().attempts == 5


def test_old_code_stops_working_after_a_resend(
    sms_outbox, no_cooldown, monkeypatch
):  # 32
    codes = iter([111111, 222222])
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: next(codes))
    send_code(PHONE, purpose="login")
    old = sent_code(sms_outbox)
    send_code(PHONE, purpose="login")
    new = sent_code(sms_outbox)
    assert (old, new) == ("111111", "222222")
    assert verify_code(PHONE, old, purpose="login") is VerifyResult.INVALID
    assert verify_code(PHONE, new, purpose="login") is VerifyResult.OK
    assert OtpChallenge.objects.filter(phone=PHONE).count() == 2
    assert OtpChallenge.objects.latest("created_at").sends == 2


def test_resend_does_not_reset_the_phone_failure_count(sms_outbox, no_cooldown):  # 34
    send_code(PHONE, purpose="login")
    for _ in range(3):
        verify_code(PHONE, "000000", purpose="login")
    send_code(PHONE, purpose="login")
    verify_code(PHONE, "000000", purpose="login")
    assert otp.consecutive_failures(PHONE) == 4
    assert verify_code(PHONE, sent_code(sms_outbox), purpose="login") is VerifyResult.OK
    assert otp.consecutive_failures(PHONE) == 0


def test_failures_lock_the_phone_until_the_lock_ends(sms_outbox, no_cooldown):  # 35
    now = timezone.now()
    for n in range(3):  # 15 earlier failures
        OtpChallenge.objects.create(
            phone=PHONE,
            purpose="login",
            attempts=5,
            created_at=now - timedelta(minutes=30 - n),
            expires_at=now - timedelta(minutes=25 - n),
        )
    challenge = send_code(PHONE, purpose="login", now=now)
    for _ in range(4):
        assert (
            verify_code(PHONE, "000000", purpose="login", now=now)
            is VerifyResult.INVALID
        )
    # The 20th failure locks the phone, for sending and for verifying.
    assert verify_code(PHONE, "000000", purpose="login", now=now) is VerifyResult.LOCKED
    assert otp.locked_until(PHONE) == now + timedelta(hours=1)
    challenge.refresh_from_db()
    assert challenge.expires_at == now  # no code of before the lock works after it
    with pytest.raises(OtpThrottled) as info:
        send_code(PHONE, purpose="login", now=now + timedelta(minutes=59))
    assert info.value.reason == "locked"
    assert info.value.retry_after == pytest.approx(60)
    # The lock ends on its own.
    later = now + timedelta(hours=1, seconds=1)
    send_code(PHONE, purpose="login", now=later)
    code = sent_code(sms_outbox)
    assert verify_code(PHONE, code, purpose="login", now=later) is VerifyResult.OK


def test_unlock_ends_a_lock(sms_outbox, no_cooldown):
    now = timezone.now()
    OtpLock.objects.create(phone=PHONE, ends_at=now + timedelta(hours=1))
    with pytest.raises(OtpThrottled):
        send_code(PHONE, purpose="login")
    assert otp.unlock("0532 123 45 67") == 1
    assert otp.locked_until(PHONE) is None
    assert otp.consecutive_failures(PHONE) == 0
    send_code(PHONE, purpose="login")
    assert verify_code(PHONE, sent_code(sms_outbox), purpose="login") is VerifyResult.OK


def test_a_distinct_message_for_every_result():
    assert len({result.message for result in VerifyResult}) == len(VerifyResult)


def test_unparseable_phone_on_verify_is_not_found():
    assert (
        verify_code("not a phone", "123456", purpose="login") is VerifyResult.NOT_FOUND
    )


def test_malformed_code_is_refused_without_touching_the_database(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        assert verify_code(PHONE, "1" * 10_000, purpose="login") is VerifyResult.INVALID


# -- limits -------------------------------------------------------------------------------------


def test_resend_cooldown(sms_outbox):
    send_code(PHONE, purpose="login")
    with pytest.raises(OtpThrottled) as info:
        send_code(PHONE, purpose="login")
    assert info.value.reason == "cooldown"
    assert 55 < info.value.retry_after <= 60
    assert len(sms_outbox) == 1
    send_code(PHONE, purpose="verify")  # another purpose has its own cooldown
    assert len(sms_outbox) == 2


def test_at_most_five_sends_per_phone_per_window(sms_outbox, no_cooldown):
    for _ in range(5):
        send_code(PHONE, purpose="login")
    with pytest.raises(OtpThrottled) as info:
        send_code(PHONE, purpose="login")
    assert info.value.reason == "send-phone"
    assert 0 < info.value.retry_after <= 600
    assert len(sms_outbox) == 5


def test_per_ip_send_limit_ignores_spoofed_forwarded_for(
    sms_outbox, no_cooldown, settings
):  # 39
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_IP_MAX_SENDS": 3}
    for n in range(3):
        send_code(
            f"+90532123456{n}",
            purpose="login",
            request=request_from("203.0.113.9", f"10.0.0.{n}"),
        )
    with pytest.raises(OtpThrottled) as info:
        send_code(
            "+905321234569",
            purpose="login",
            request=request_from("203.0.113.9", "10.9.9.9"),
        )
    assert info.value.reason == "send-ip"
    send_code("+905321234569", purpose="login", request=request_from("198.51.100.7"))


def test_per_ip_verify_limit(sms_outbox, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_IP_MAX_VERIFIES": 2}
    send_code(PHONE, purpose="login")
    request = request_from("203.0.113.9")
    assert (
        verify_code(PHONE, "000000", purpose="login", request=request)
        is VerifyResult.INVALID
    )
    assert (
        verify_code(PHONE, "000000", purpose="login", request=request)
        is VerifyResult.INVALID
    )
    code = sent_code(sms_outbox)
    assert (
        verify_code(PHONE, code, purpose="login", request=request)
        is VerifyResult.TOO_MANY_ATTEMPTS
    )


def test_daily_budget(sms_outbox, no_cooldown, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_DAILY_BUDGET": 3}
    send_code("+905321234561", purpose="login")
    send_code("+905421234560", purpose="login", deliver=False)  # counted the same
    send_code("+905421234562", purpose="login")
    with pytest.raises(OtpThrottled) as info:
        send_code("+905051234563", purpose="login")
    assert info.value.reason == "budget"
    with pytest.raises(OtpThrottled) as decoy:
        send_code("+905051234564", purpose="login", deliver=False)
    assert decoy.value.reason == "budget"
    assert len(sms_outbox) == 2


def test_the_daily_budget_is_one_per_day_of_time_zone(settings):
    """Istanbul's 29 November runs from 21:00 UTC on the 28th: one budget for it,
    renewed at its midnight, not a second one from midnight UTC."""
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_DAILY_BUDGET": 2}
    just_after_midnight = datetime(2026, 11, 28, 21, 30, tzinfo=UTC)
    assert limits.budget_exceeded(just_after_midnight) is None
    assert limits.budget_exceeded(just_after_midnight) is None
    at_noon_utc = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert limits.budget_exceeded(at_noon_utc) == 9 * 3600  # until 21:00 UTC
    assert limits.budget_exceeded(datetime(2026, 11, 29, 21, 0, tzinfo=UTC)) is None


def test_prefix_guard_blocks_pumped_prefixes(sms_outbox, no_cooldown, settings):
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "OTP_PREFIX_MIN_SENDS": 5,
        "OTP_PREFIX_MIN_VERIFY_RATE": 0.5,
    }
    for n in range(4):
        send_code(f"+90532123450{n}", purpose="verify")
    with pytest.raises(OtpThrottled) as info:
        send_code("+905321234509", purpose="verify")
    assert info.value.reason == "prefix"
    assert info.value.retry_after > 3600
    with pytest.raises(OtpThrottled):
        send_code("+905321234508", purpose="signup")
    send_code("+905421234500", purpose="verify")  # another prefix
    assert len(sms_outbox) == 5


def test_login_is_neither_counted_nor_blocked_by_the_prefix_guard(
    sms_outbox, no_cooldown, settings
):
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "OTP_PREFIX_MIN_SENDS": 3,
        "OTP_PREFIX_MIN_VERIFY_RATE": 0.5,
    }
    for n in range(5):  # logins, known or not, never trip it
        send_code(f"+90532123450{n}", purpose="login", deliver=n % 2 == 0)
    assert limits.prefix_blocked("+905321234500") is None
    for n in range(3):
        with contextlib.suppress(OtpThrottled):
            send_code(f"+90532123451{n}", purpose="verify")
    assert limits.prefix_blocked("+905321234500")
    send_code("+905321234520", purpose="login")  # logins still go out
    assert len(sms_outbox) == 3 + 2 + 1  # logins, verifies before the block, login


def test_verifications_keep_a_prefix_open(sms_outbox, no_cooldown, settings):
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "OTP_PREFIX_MIN_SENDS": 3,
        "OTP_PREFIX_MIN_VERIFY_RATE": 0.5,
    }
    for n in range(6):
        number = f"+90532123450{n}"
        send_code(number, purpose="verify")
        assert (
            verify_code(number, sent_code(sms_outbox), purpose="verify")
            is VerifyResult.OK
        )


def test_limits_fail_closed_when_the_cache_is_down(sms_outbox, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "broken": {"BACKEND": "tests.broken_cache.BrokenCache"},
    }
    send_code(PHONE, purpose="login")
    code = sent_code(sms_outbox)
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_CACHE": "broken"}
    with pytest.raises(OtpThrottled) as info:
        send_code("+905421234567", purpose="login", request=request_from("203.0.113.9"))
    assert info.value.reason == "unavailable"
    assert (
        verify_code(PHONE, code, purpose="login", request=request_from("203.0.113.9"))
        is VerifyResult.TOO_MANY_ATTEMPTS
    )
    assert len(sms_outbox) == 1


# -- client IP ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", "10.0.0.1", [], "203.0.113.9"),
        ("10.0.0.2", "198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),
        ("10.0.0.2", "198.51.100.7, 10.0.0.3", ["10.0.0.0/8"], "198.51.100.7"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.7", ["10.0.0.0/8"], "198.51.100.7"),
        ("10.0.0.2", "garbage", ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", "", ["10.0.0.0/8"], "10.0.0.2"),
        ("not-an-ip", None, [], None),
    ],
    ids=repr,
)
def test_client_ip(settings, remote, forwarded, trusted, expected):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_TRUSTED_PROXIES": trusted}
    assert limits.client_ip(request_from(remote, forwarded)) == expected


def test_no_request_no_ip():
    assert limits.client_ip(None) is None


# -- provider mode -------------------------------------------------------------------------------


def test_provider_generated_codes(settings, turkeysms_sandbox):
    from tests.conftest import provider_settings

    settings.TURKEYSMS = {
        **provider_settings(turkeysms_sandbox),
        "OTP_MODE": "provider",
        "OTP_DELIVERY": "inline",
    }
    challenge = send_code(PHONE, purpose="login")
    [message] = turkeysms_sandbox.messages
    code = re.search(r"\d{6}", message.text).group()
    challenge.refresh_from_db()
    assert challenge.mode == OtpChallenge.Mode.PROVIDER
    assert challenge.code_hash == otp.hash_code(challenge.pk, code)
    log = SmsLog.objects.get()
    assert (log.status, log.body, log.provider_id) == ("sent", REDACTED, message.sms_id)
    assert code not in str(log.provider_response)
    assert verify_code(PHONE, code, purpose="login") is VerifyResult.OK


def test_provider_mode_needs_a_capable_backend(settings, sms_outbox):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_MODE": "provider"}
    send_code(PHONE, purpose="login")
    log = SmsLog.objects.get()
    assert (log.status, log.result_code) == ("failed", "LOCAL-UNSUPPORTED")
    assert sms_outbox == []


def test_a_background_job_that_fails_is_logged(
    caplog, django_capture_on_commit_callbacks
):
    """Nobody reads the pool's futures: a failed SMS job would vanish unseen."""

    def send_the_code() -> None:
        raise RuntimeError("the OTP backend is misconfigured")

    with django_capture_on_commit_callbacks(execute=True):
        background.after_response(send_the_code)
    background.wait()
    [record] = [r for r in caplog.records if r.name == "django_turkeysms.background"]
    assert record.levelname == "ERROR" and "send_the_code" in record.getMessage()
    assert "misconfigured" in record.exc_text
