"""A delivering process killed with SIGKILL at four points, randomised runs
(security-and-reliability §3.2, "worker SIGKILL"), on PostgreSQL.

The rows are committed, a separate process claims and sends them and kills
itself at the chosen point; the test process then recovers as a project's
periodic sweeper would and checks the final state shared with the fault suite.
Expected after recovery:

* before the claim: re-queued by the sweeper and sent, once;
* after the claim, before the provider call: UNKNOWN, nothing sent. The row
  could have been sent as far as anyone can tell, so it is never re-sent
  automatically (at most once); ``turkeysms_status --unknown`` lists it;
* after the provider call, before the status write: UNKNOWN, sent once;
* after the status write: SENT, once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys

import pytest
from django.db import transaction

from django_turkeysms import send_sms
from django_turkeysms.models import SmsLog
from tests import figures
from tests.reliability.final_state import check_final_state, recover
from tests_services.conftest import ROOT
from tests_services.kill_at import POINTS

pytestmark = [pytest.mark.django_db(transaction=True)]

EXPECTED = {
    "before_claim": (SmsLog.Status.SENT, 1),
    "after_claim": (SmsLog.Status.UNKNOWN, 0),
    "after_provider_call": (SmsLog.Status.UNKNOWN, 1),
    "after_status_write": (SmsLog.Status.SENT, 1),
}
RUNS = figures.runs()


def killed_delivery(point: str, ids: list[int]) -> int:
    """Run ``deliver(ids)`` in a process that dies at ``point``; its return code."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests_services.settings",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "tests_services.kill_at", point, *map(str, ids)]
    finished = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert finished.returncode == -signal.SIGKILL, finished.stderr.decode()[-2000:]
    return finished.returncode


@pytest.mark.parametrize(
    ("point", "seed"),
    [(point, seed) for point in POINTS for seed in range(RUNS)],
    ids=[f"{point}-{seed}" for point in POINTS for seed in range(RUNS)],
)
def test_killed_delivery(services, point, seed):
    rng = random.Random(f"{point}/{seed}")
    numbers = [
        f"+90532{n:07d}" for n in rng.sample(range(10_000_000), rng.randint(1, 20))
    ]
    # Queued for a task backend without workers: the killed process delivers.
    services.configure(ASYNC=True, TASK_BACKEND="db")
    with transaction.atomic():
        ids = [row.pk for row in send_sms("Kargonuz yolda.", numbers)]
    killed_delivery(point, ids)
    services.configure()
    recover()
    status, sends = EXPECTED[point]
    for row in SmsLog.objects.all():
        assert row.status == status
        assert services.sandbox.sends_for(str(row.recipient)) == sends
    check_final_state(services.sandbox, f"SIGKILL {point}")
    if seed == 0:
        figures.add("faults: fault types (worker SIGKILL points)")
