"""Pacing on Redis across processes: GCRA slots taken by separate processes never
collide, and four RQ workers sending to a sandbox account limited per minute stay
within the limit, slow down on TS-1060 and send every message exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime

import django_rq
import pytest
from django.db import transaction

from django_turkeysms import pacing, send_sms
from django_turkeysms.backends.locmem import SmsBackend as LocmemBackend
from django_turkeysms.models import SmsLog
from tests.conftest import provider_settings
from tests_services.conftest import ROOT, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_the_redis_bucket_keeps_the_schedule_on_the_servers_clock():
    backend = LocmemBackend(alias=f"probe-{uuid.uuid4().hex}", rate="20/s")
    bucket, key = pacing.schedule(backend)
    assert isinstance(bucket, pacing.RedisBucket)
    waits = [bucket.take(key, 0.05, 10.0) for _ in range(4)]
    assert all(reserved for _, reserved in waits)
    for n, (wait, _) in enumerate(waits):
        assert wait == pytest.approx(n * 0.05, abs=0.02)
    far, reserved = bucket.take(key, 0.05, 0.0)
    assert not reserved and far == pytest.approx(0.2, abs=0.02)
    assert bucket.take(key, 0.05, 0.0)[0] == pytest.approx(far, abs=0.02)
    assert bucket.pause(key, 5.0) == pytest.approx(5.0, abs=0.02)
    wait, reserved = bucket.take(key, 0.05, 1.0)
    assert not reserved and wait == pytest.approx(5.0, abs=0.02)


def test_processes_taking_slots_at_once_never_share_one():
    alias, rate, count = f"probe-{uuid.uuid4().hex}", "20/s", 40
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests_services.slot_taker", alias, rate]
    takers = [
        subprocess.Popen(
            [*command, str(count)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    time.sleep(3)  # let them start Django
    outputs = [taker.communicate("go\n", timeout=60)[0] for taker in takers]
    slots = sorted(slot for output in outputs for slot in json.loads(output))
    assert len(slots) == 4 * count
    gaps = [later - earlier for earlier, later in zip(slots, slots[1:], strict=False)]
    # 50 ms apart, give or take the moment each process read its own clock.
    assert min(gaps) > 0.025
    assert slots[-1] - slots[0] == pytest.approx((4 * count - 1) * 0.05, abs=0.1)


LIMIT = 60  # the sandbox account's messages per minute
RATE = "57/m"  # 95 % of it
MESSAGES = 62  # more than the limit: without pacing, some would be refused


def arrivals(sandbox) -> list[datetime]:
    return sorted(message.created for message in sandbox.messages)


def test_four_workers_stay_within_the_limit_and_send_each_message_once(
    services, workers, capsys
):
    sandbox = services.sandbox
    account = sandbox.account(sandbox.api_key)
    account.rate_limit_per_minute = LIMIT
    # Another client of the key filled the account's minute 50 s ago: the
    # first 10 s are answered TS-1060 whatever we do.
    full_until = time.time() + 10
    account.recent_sends.extend([time.monotonic() - 50] * LIMIT)
    services.configure(
        **provider_settings(sandbox, rate=RATE),
        ASYNC=True,
        TASK_BACKEND="rq",
        TASK_BATCH_SIZE=10,
    )
    django_rq.get_connection("default").flushdb()
    with transaction.atomic():
        send_sms("Kampanya", [f"+90532{n:07d}" for n in range(MESSAGES)])
    workers.start("rq", 4)
    wait_for(
        lambda: SmsLog.objects.filter(status=SmsLog.Status.SENT).count() == MESSAGES,
        timeout=180,
        interval=0.5,
        message=f"{MESSAGES} sent rows",
    )
    # Exactly once each, and the refusals did not use up attempts.
    assert len(sandbox.messages) == MESSAGES
    for log in SmsLog.objects.all():
        assert sandbox.sends_for(str(log.recipient).lstrip("+")) == 1
        assert log.attempts == 1
    # TS-1060 only while the other client's minute lasted (plus one pause).
    refusals = sandbox.rate_limited_at
    assert refusals, "the full minute must have been answered TS-1060"
    assert max(refusals) < full_until + 2
    # Evenly spaced: any 10 consecutive arrivals span at least 10 intervals.
    times = arrivals(sandbox)
    interval = 60 / 57
    spans = [
        (later - earlier).total_seconds()
        for earlier, later in zip(times, times[10:], strict=False)
    ]
    assert min(spans) > 10 * interval - 1.0
    with capsys.disabled():
        print(
            f"\npacing: {MESSAGES} messages, 4 RQ workers at {RATE}, account limited "
            f"to {LIMIT}/min and full for its first 10 s: {len(refusals)} TS-1060 "
            f"answers, the last {max(refusals) - (full_until - 10):.1f} s in; each "
            f"sent once; 10 intervals took at least {min(spans):.2f} s "
            f"({10 * interval:.2f} s paced)"
        )
