"""Pacing: the rate option, the GCRA schedule on an injected clock, the delivery
path waiting for slots, and rate-limit answers of the sandbox slowing the fleet."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.utils import timezone

from django_turkeysms import checks, otp, pacing
from django_turkeysms.backends.locmem import SmsBackend as LocmemBackend
from django_turkeysms.exceptions import (
    InvalidRate,
    InvalidSmsBackend,
    PacingUnavailable,
    SlotTooFar,
)
from django_turkeysms.maintenance import retry_due
from django_turkeysms.models import SmsLog
from django_turkeysms.pacing import CacheBucket, Rate, parse_rate, reserve
from django_turkeysms.sending import send_sms
from tests.conftest import provider_settings

LOCMEM = "django_turkeysms.backends.locmem.SmsBackend"


def numbers(count: int) -> list[str]:
    return [f"+90532{n:07d}" for n in range(count)]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- the rate option ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rate", "interval"),
    [
        ("600/m", Rate(600, 60.0), 0.1),
        ("5/s", Rate(5, 1.0), 0.2),
        ("3600/h", Rate(3600, 3600.0), 1.0),
        (" 10 / m ", Rate(10, 60.0), 6.0),
    ],
)
def test_rates_are_parsed(value, rate, interval):
    parsed = parse_rate(value, alias="bulk")
    assert parsed == rate
    assert parsed.interval == pytest.approx(interval)
    assert str(parsed) == value.replace(" ", "")


@pytest.mark.parametrize(
    "value",
    ["600/min", "0/m", "-5/m", "1.5/s", "600", 600, "m/600", "", ["600/m"]],
    ids=repr,
)
def test_a_bad_rate_is_a_typed_error_naming_the_backend_and_the_fix(value):
    with pytest.raises(InvalidRate) as raised:
        parse_rate(value, alias="bulk")
    message = str(raised.value)
    assert message.startswith("SMS backend 'bulk': rate ")
    assert '"600/m"' in message
    assert isinstance(raised.value, ImproperlyConfigured)
    assert isinstance(raised.value, ValueError)


def test_no_rate_means_no_pacing():
    assert parse_rate(None, alias="default") is None
    assert LocmemBackend().rate is None


def test_every_backend_takes_a_rate_outside_its_config():
    backend = LocmemBackend(alias="bulk", rate="600/m")
    assert backend.rate == Rate(600, 60.0)
    assert backend.config == {}
    with pytest.raises(InvalidRate, match="'bulk'"):
        LocmemBackend(alias="bulk", rate="600 per minute")
    with pytest.raises(InvalidSmsBackend, match=r"accepts: rate\."):
        LocmemBackend(alias="bulk", rat="600/m")


def test_a_bad_rate_is_reported_by_its_own_check(settings):
    settings.TURKEYSMS = {
        "BACKENDS": {"default": {"BACKEND": LOCMEM, "OPTIONS": {"rate": "fast"}}}
    }
    [error] = checks.check_backends()
    assert error.id == "django_turkeysms.E012"
    assert "'default'" in error.msg and '"600/m"' in error.msg


# -- the schedule (GCRA) -------------------------------------------------------------


def test_reserve_spaces_slots_one_interval_apart():
    assert reserve(None, 100.0, 2.0, 10.0) == (0.0, 102.0)
    assert reserve(102.0, 100.0, 2.0, 10.0) == (2.0, 104.0)
    assert reserve(104.0, 101.0, 2.0, 10.0) == (3.0, 106.0)


def test_reserve_refuses_a_slot_further_than_max_wait_and_keeps_nothing():
    assert reserve(115.0, 100.0, 2.0, 10.0) == (15.0, None)


def test_an_idle_schedule_starts_afresh_without_a_burst():
    # A TAT long past gives one slot now, the next one interval later: no
    # credit is saved up while idle.
    assert reserve(50.0, 100.0, 2.0, 10.0) == (0.0, 102.0)


def test_a_pause_moves_the_next_slot_and_never_brings_it_closer():
    assert pacing.paused(None, 100.0, 5.0) == 105.0
    assert pacing.paused(101.0, 100.0, 5.0) == 105.0
    assert pacing.paused(120.0, 100.0, 5.0) == 120.0


def test_the_cache_bucket_hands_out_slots_on_its_clock():
    clock = Clock()
    bucket = CacheBucket(caches["default"], clock=clock)
    assert [bucket.take("k", 0.5, 10.0) for _ in range(3)] == [
        (0.0, True),
        (0.5, True),
        (1.0, True),
    ]
    clock.now += 1.0
    assert bucket.take("k", 0.5, 10.0) == (0.5, True)


def test_the_cache_bucket_refuses_far_slots_without_moving_them():
    clock = Clock()
    bucket = CacheBucket(caches["default"], clock=clock)
    for _ in range(5):
        bucket.take("k", 1.0, 10.0)
    assert bucket.take("k", 1.0, 2.0) == (5.0, False)
    assert bucket.take("k", 1.0, 2.0) == (5.0, False)
    assert bucket.take("k", 1.0, 5.0) == (5.0, True)


def test_the_cache_bucket_pauses():
    clock = Clock()
    bucket = CacheBucket(caches["default"], clock=clock)
    bucket.take("k", 1.0, 10.0)
    assert bucket.pause("k", 30.0) == 30.0
    assert bucket.take("k", 1.0, 10.0) == (30.0, False)
    clock.now += 29.5
    assert bucket.take("k", 1.0, 10.0) == (0.5, True)


def test_parallel_takers_never_share_a_slot():
    clock = Clock()
    bucket = CacheBucket(caches["default"], clock=clock)
    waits: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def take_many():
        barrier.wait()
        for _ in range(25):
            wait, reserved = bucket.take("k", 0.25, 1e9)
            assert reserved
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=take_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [n * 0.25 for n in range(200)]


def test_a_lock_that_stays_taken_fails_closed(monkeypatch):
    monkeypatch.setattr(CacheBucket, "LOCK_WAIT", -1.0)  # give up at once
    backend = LocmemBackend(alias="bulk", rate="600/m")
    _bucket, key = pacing.schedule(backend)
    caches["default"].add(f"{key}:lock", 1)  # another process holds it
    with pytest.raises(PacingUnavailable, match="lock stayed taken"):
        pacing.wait_for_slot(backend, sleep=pytest.fail)


# -- wait_for_slot -----------------------------------------------------------------


def test_wait_for_slot_sleeps_until_the_slot():
    backend = LocmemBackend(alias="bulk", rate="6/m")
    sleeps: list[float] = []
    assert pacing.wait_for_slot(backend, sleep=sleeps.append) == 0.0
    waited = pacing.wait_for_slot(backend, sleep=sleeps.append)
    assert waited == pytest.approx(10.0, abs=0.5)
    assert sleeps == [waited]


def test_wait_for_slot_refuses_a_slot_beyond_max_wait():
    backend = LocmemBackend(alias="bulk", rate="1/h")
    pacing.wait_for_slot(backend, sleep=pytest.fail)
    with pytest.raises(SlotTooFar) as raised:
        pacing.wait_for_slot(backend, max_wait=60, sleep=pytest.fail)
    assert raised.value.retry_after == pytest.approx(3600, abs=1)
    assert "1/h" in str(raised.value) and "'bulk'" in str(raised.value)


def test_backends_have_their_own_schedules():
    one, two = (
        LocmemBackend(alias="one", rate="1/h"),
        LocmemBackend(alias="two", rate="1/h"),
    )
    assert pacing.wait_for_slot(one, sleep=pytest.fail) == 0.0
    assert pacing.wait_for_slot(two, sleep=pytest.fail) == 0.0


def test_an_unpaced_backend_never_touches_the_cache(settings):
    settings.TURKEYSMS = {"PACING_CACHE": "broken"}
    settings.CACHES = {
        **settings.CACHES,
        "broken": {"BACKEND": "tests.broken_cache.BrokenCache"},
    }
    backend = LocmemBackend()
    assert pacing.wait_for_slot(backend, sleep=pytest.fail) == 0.0
    assert pacing.slow_down(backend) == 0.0


def test_a_broken_cache_fails_closed(settings, caplog):
    settings.TURKEYSMS = {"PACING_CACHE": "broken"}
    settings.CACHES = {
        **settings.CACHES,
        "broken": {"BACKEND": "tests.broken_cache.BrokenCache"},
    }
    with pytest.raises(PacingUnavailable) as raised:
        pacing.wait_for_slot(LocmemBackend(rate="600/m"), sleep=pytest.fail)
    assert raised.value.retry_after == 5.0  # RETRY_BASE_DELAY
    assert "E013" in caplog.text


# -- the delivery path -------------------------------------------------------------


@pytest.fixture
def paced(settings, sms_outbox):
    """The default backend is locmem at one message an hour; no waiting."""

    def configure(rate="1/h", **extra):
        settings.TURKEYSMS = {
            "BACKENDS": {"default": {"BACKEND": LOCMEM, "OPTIONS": {"rate": rate}}},
            "PACING_MAX_WAIT": 0.0,
            "MAX_WORKERS": 1,
            **extra,
        }

    configure()
    return configure


@pytest.mark.django_db
def test_a_message_beyond_max_wait_goes_back_to_the_queue_without_an_attempt(
    paced, sms_outbox
):
    before = timezone.now()
    logs = send_sms("Merhaba", numbers(3))
    assert [log.status for log in logs] == ["sent", "queued", "queued"]
    assert len(sms_outbox) == 1
    for log in SmsLog.objects.filter(status="queued"):
        assert (log.attempts, log.result_code) == (0, "LOCAL-PACED")
        assert log.next_attempt_at - before >= timedelta(seconds=3590)
    # Not due before their slot; then one an hour, each sent once.
    assert retry_due(now=timezone.now()) == 0
    for hour in (1, 2):
        caches["default"].clear()  # an hour later: the schedule has expired
        retry_due(now=timezone.now() + timedelta(hours=hour))
        assert len(sms_outbox) == 1 + hour
    assert SmsLog.objects.filter(status="sent").count() == 3
    assert sorted(message.to for message in sms_outbox) == numbers(3)


@pytest.mark.django_db
def test_a_code_that_cannot_wait_for_its_slot_fails_at_once(paced, sms_outbox):
    """A one-time code's text is not stored: back in the queue nothing could
    ever send it, so it fails now and the person can ask for another."""
    paced(OTP_DELIVERY="inline")
    send_sms("Merhaba", numbers(1))  # the hour's slot
    challenge = otp.send_code("0532 123 45 67", purpose="verify")
    log = SmsLog.objects.get(pk=challenge.sms_log_id)
    assert (log.status, log.result_code) == ("failed", "LOCAL-NOT-KEPT")
    assert log.result_message.startswith("Not sent, and its text is not stored")
    assert len(sms_outbox) == 1
    assert SmsLog.objects.filter(status="queued").count() == 0


@pytest.mark.django_db
def test_a_broken_pacing_cache_sends_nothing_and_loses_nothing(
    paced, settings, sms_outbox
):
    paced(PACING_CACHE="broken")
    settings.CACHES = {
        **settings.CACHES,
        "broken": {"BACKEND": "tests.broken_cache.BrokenCache"},
    }
    [log] = send_sms("Merhaba", numbers(1))
    assert (log.status, log.attempts) == ("queued", 0)
    assert sms_outbox == []


@pytest.mark.django_db
def test_waiting_for_slots_stops_at_half_the_sending_timeout(paced):
    # Slots 1 s apart; the call may wait 0.75 s in all (SENDING_TIMEOUT 1.5 s,
    # the whole of which would let the second go), so the first message goes at
    # once and the rest go back to the queue. A budget of exactly one interval
    # would put the second slot on the boundary, where either outcome is right.
    paced(rate="60/m", PACING_MAX_WAIT=30.0, SENDING_TIMEOUT=1.5)
    logs = send_sms("Merhaba", numbers(3))
    assert [log.status for log in logs] == ["sent", "queued", "queued"]


# -- rate-limit answers of the sandbox ---------------------------------------------


@pytest.fixture
def limited(settings, turkeysms_sandbox):
    """The provider backend on the sandbox, paced far above the account's limit
    of 3 a minute (as when another client shares the key)."""
    turkeysms_sandbox.account(turkeysms_sandbox.api_key).rate_limit_per_minute = 3
    settings.TURKEYSMS = {
        **provider_settings(turkeysms_sandbox, rate="1000/s"),
        "PACING_MAX_WAIT": 0.5,
        "MAX_WORKERS": 1,
    }
    return turkeysms_sandbox


@pytest.mark.django_db
def test_ts_1060_pauses_the_fleet_and_the_message_is_retried_once(limited):
    before = timezone.now()
    logs = send_sms("Merhaba", numbers(5))
    assert [log.status for log in logs] == ["sent"] * 3 + ["queued"] * 2
    refused, held = SmsLog.objects.filter(status="queued").order_by("pk")
    assert (refused.result_code, refused.attempts) == ("TS-1060", 0)
    assert "pauses 1.0 s" in refused.result_message
    # The pause (PACING_PAUSE, 1 s) holds the next message back too: the
    # provider is not asked again before it ends.
    assert (held.result_code, held.attempts) == ("LOCAL-PACED", 0)
    assert timedelta(seconds=0.5) < held.next_attempt_at - before < timedelta(seconds=2)
    assert limited.requests_for(numbers(5)[4]) == 0
    assert limited.request_count == 4

    limited.account(limited.api_key).rate_limit_per_minute = None
    caches["default"].clear()  # the pause is over
    assert retry_due(now=timezone.now() + timedelta(seconds=2)) == 2
    assert SmsLog.objects.filter(status="sent").count() == 5
    for number in numbers(5):
        assert limited.sends_for(number) == 1


@pytest.mark.django_db
def test_retry_after_of_a_429_sets_the_pause(limited):
    limited.inject("http_429", seconds=7, times=1)
    [log] = send_sms("Merhaba", numbers(1))
    assert (log.status, log.attempts, log.result_code) == ("queued", 0, "HTTP-429")
    bucket, key = pacing.schedule(LocmemBackend(alias="default"))
    wait, reserved = bucket.take(key, 0.001, 0.0)
    assert not reserved and wait == pytest.approx(7.0, abs=0.5)
    assert log.next_attempt_at - timezone.now() > timedelta(seconds=6)


@pytest.mark.django_db
def test_an_unpaced_backend_counts_a_rate_limit_as_an_attempt(settings, sandbox):
    sandbox.account(sandbox.api_key).rate_limit_per_minute = 1
    send_sms("Merhaba", numbers(2))
    [log] = SmsLog.objects.filter(status="queued")
    assert (log.attempts, log.result_code) == (1, "TS-1060")
    assert caches["default"].get(f"{pacing.PREFIX}:default") is None


# -- the checks of the pacing cache --------------------------------------------------

BROKEN = {"BACKEND": "tests.broken_cache.BrokenCache"}


def paced_backends(rate="600/m"):
    return {"default": {"BACKEND": LOCMEM, "OPTIONS": {"rate": rate}}}


def test_a_local_memory_pacing_cache_paces_each_process_alone(settings):
    settings.TURKEYSMS = {"BACKENDS": paced_backends()}
    [warning] = checks.check_pacing_cache()
    assert warning.id == "django_turkeysms.W012" and "'default'" in warning.msg
    settings.DEBUG = True
    assert checks.check_pacing_cache() == []


@pytest.mark.django_db
def test_a_broken_pacing_cache_is_an_error_only_with_a_paced_backend(settings):
    settings.CACHES = {**settings.CACHES, "broken": BROKEN}
    settings.TURKEYSMS = {"BACKENDS": paced_backends(), "PACING_CACHE": "broken"}
    [error] = checks.check_pacing_cache()
    assert error.id == "django_turkeysms.E013"
    assert "ConnectionError" in error.msg and "PACING_CACHE" in error.hint
    with pytest.raises(SystemCheckError, match=r"django_turkeysms\.E013"):
        call_command("check")
    settings.TURKEYSMS = {"BACKENDS": {"default": {"BACKEND": LOCMEM}}}
    assert checks.check_pacing_cache() == []


def test_a_bad_rate_is_left_to_its_own_check(settings):
    settings.TURKEYSMS = {"BACKENDS": paced_backends("fast")}
    assert checks.check_pacing_cache() == []


@pytest.mark.django_db
def test_the_send_command_says_when_paced_messages_go(paced):
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "turkeysms_send",
            "--to",
            "05321234567",
            "--to",
            "05421234567",
            "--text",
            "Merhaba",
            stdout=out,
            stderr=StringIO(),
        )
    assert raised.value.returncode == 3  # some wait for a retry
    lines = out.getvalue().splitlines()
    assert lines[0] == "Sent 1, queued 1, failed 0, unknown 0, cancelled 0."
    assert lines[1].startswith("1 message could not be sent yet (The next slot")
    assert "It waits for a retry from" in lines[1]
