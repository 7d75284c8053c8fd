"""OTP under concurrency on PostgreSQL: real threads, one connection each
(security-and-reliability §3.3 items 1–4 and 6). SQLite would serialise the
writers and hide the races, so these run on PostgreSQL only."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from django_turkeysms import background, otp
from django_turkeysms.exceptions import OtpThrottled
from django_turkeysms.models import OtpChallenge
from django_turkeysms.otp import VerifyResult
from tests import figures

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "+905321234567"


def in_parallel(count: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(i)`` in ``count`` threads released together; each closes its connection."""
    barrier = threading.Barrier(count)

    def run(index: int) -> object:
        barrier.wait()
        try:
            return work(index)
        except OtpThrottled as refused:
            return refused
        finally:
            connection.close()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def challenge_with(code: str, *, phone: str = PHONE) -> OtpChallenge:
    now = timezone.now()
    challenge = OtpChallenge(
        phone=phone,
        purpose="login",
        expires_at=now + timedelta(minutes=5),
        last_sent_at=now,
        sends=1,
    )
    challenge.code_hash = otp.hash_code(challenge.pk, code)
    challenge.save()
    return challenge


def test_one_code_twenty_parallel_verifications_two_hundred_rounds():  # §3.3-1
    successes = Counter()
    for round_number in range(200):
        phone = f"+90532{round_number:07d}"
        challenge_with("424242", phone=phone)
        results = in_parallel(
            20, lambda _i, p=phone: otp.verify_code(p, "424242", purpose="login")
        )
        successes[sum(result is VerifyResult.OK for result in results)] += 1
    assert successes == {1: 200}
    figures.note(
        "concurrency: one code, 20 parallel verifications",
        f"{successes[1]}/200 rounds with exactly one success",
    )


def test_fifty_parallel_wrong_guesses_against_a_limit_of_five():  # §3.3-2
    challenge = challenge_with("424242")
    results = in_parallel(
        50, lambda i: otp.verify_code(PHONE, f"{i:06d}", purpose="login")
    )
    counts = Counter(results)
    assert counts[VerifyResult.INVALID] == 5
    assert counts[VerifyResult.TOO_MANY_ATTEMPTS] == 45
    challenge.refresh_from_db()
    assert challenge.attempts == 5  # evaluated attempts, none after the lock
    assert (
        otp.verify_code(PHONE, "424242", purpose="login")
        is VerifyResult.TOO_MANY_ATTEMPTS
    )
    figures.note(
        "concurrency: 50 parallel wrong guesses, limit 5",
        f"{challenge.attempts} evaluated, {counts[VerifyResult.TOO_MANY_ATTEMPTS]} "
        "refused, the correct code refused after the lock",
    )


def provider(services):
    services.configure(OTP_DELIVERY="inline")
    return services.sandbox


def test_ten_parallel_resends_inside_the_cooldown(services):  # §3.3-3
    sandbox = provider(services)
    otp.send_code(PHONE, purpose="login")
    results = in_parallel(10, lambda _i: otp.send_code(PHONE, purpose="login"))
    assert all(
        isinstance(result, OtpThrottled) and result.reason == "cooldown"
        for result in results
    )
    assert sandbox.sends_for("905321234567") == 1
    figures.note(
        "concurrency: 10 parallel resends inside the cooldown",
        f"{sandbox.sends_for('905321234567') - 1} extra provider calls",
    )


def test_ten_parallel_first_sends_make_one(services):  # §3.3-3, no earlier code
    sandbox = provider(services)
    results = in_parallel(10, lambda _i: otp.send_code(PHONE, purpose="login"))
    assert sum(isinstance(result, OtpChallenge) for result in results) == 1
    assert sandbox.sends_for("905321234567") == 1


def test_twenty_parallel_sends_against_a_cap_of_five(services):  # §3.3-4
    services.configure(OTP_DELIVERY="inline", OTP_RESEND_COOLDOWN=0, OTP_MAX_SENDS=5)
    results = in_parallel(20, lambda _i: otp.send_code(PHONE, purpose="login"))
    refused = [result for result in results if isinstance(result, OtpThrottled)]
    assert len(refused) == 15 and {r.reason for r in refused} == {"send-phone"}
    assert services.sandbox.sends_for("905321234567") == 5
    figures.note(
        "concurrency: 20 parallel sends, cap 5",
        f"sent/allowed = {services.sandbox.sends_for('905321234567')}/5",
    )


def test_verify_racing_a_resend(services, monkeypatch):  # §3.3-6
    services.configure(OTP_DELIVERY="inline", OTP_RESEND_COOLDOWN=0, OTP_MAX_SENDS=1000)
    for _round in range(30):
        cache.clear()
        challenge_with("111111")
        monkeypatch.setattr(otp, "generate_code", lambda length=None: "222222")

        def race(index: int) -> object:
            if index == 0:
                return otp.send_code(PHONE, purpose="login")
            return otp.verify_code(PHONE, "111111", purpose="login")

        results = in_parallel(8, race)
        [new] = [result for result in results if isinstance(result, OtpChallenge)]
        accepted = [result for result in results if result is VerifyResult.OK]
        assert len(accepted) <= 1
        # The resend replaced the old challenge (sends == 2) only if no one had
        # used the old code yet; an accepted old code means the resend came after.
        assert new.sends == (1 if accepted else 2)
        assert otp.verify_code(PHONE, "111111", purpose="login") is not VerifyResult.OK
        OtpChallenge.objects.all().delete()
    figures.note(
        "concurrency: verify racing a resend",
        "30 rounds, the old code never accepted after the new one was issued",
    )


def test_background_delivery_after_commit(settings, sms_outbox):
    """The default OTP_DELIVERY: the SMS leaves from a pool thread after commit
    (on PostgreSQL, where that thread's connection can be closed)."""
    from django_turkeysms.models import SmsLog

    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_DELIVERY": "background"}
    otp.send_code(PHONE, purpose="login")
    background.wait()
    assert len(sms_outbox) == 1
    assert SmsLog.objects.get().status == "sent"
