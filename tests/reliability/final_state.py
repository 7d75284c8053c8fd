"""The end of every fault run: recover as a project would, then check the state.

Shared by the fault suite (``test_faults.py``) and the worker-kill runs on
PostgreSQL (``tests_services/test_fault_kills.py``).
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from django_turkeysms.conf import conf
from django_turkeysms.maintenance import retry_due
from django_turkeysms.maintenance import sweep as sweep_stuck
from django_turkeysms.models import SmsLog
from django_turkeysms.tasks import requeue_lost
from django_turkeysms.testing.sandbox import Sandbox
from tests import figures

FINAL = {
    SmsLog.Status.SENT,
    SmsLog.Status.DELIVERED,
    SmsLog.Status.FAILED,
    SmsLog.Status.UNKNOWN,
}


def recover() -> None:
    """What a project's periodic jobs do: retries as they fall due, then the sweeper."""
    clock = timezone.now()
    for _ in range(conf.MAX_ATTEMPTS + 1):
        clock += timedelta(seconds=conf.RETRY_MAX_DELAY + 1)
        retry_due(now=clock)
    late = clock + timedelta(seconds=max(conf.SENDING_TIMEOUT, conf.QUEUED_TIMEOUT) + 1)
    sweep_stuck(now=late)
    requeue_lost(now=late)


def unknown_listed() -> set[int]:
    out = StringIO()
    call_command("turkeysms_status", "--unknown", stdout=out)
    return {
        int(line.split()[0][1:])
        for line in out.getvalue().splitlines()
        if line[:1] == "#"
    }


def check_final_state(sandbox: Sandbox, fault: str) -> None:
    """Assert the §3.2 invariants over every row; count outcomes for the figures."""
    rows = list(SmsLog.objects.order_by("pk"))
    lost = [row.pk for row in rows if row.status not in FINAL]
    duplicates = [
        str(row.recipient) for row in rows if sandbox.sends_for(str(row.recipient)) > 1
    ]
    assert lost == [], f"{fault}: rows not settled: {lost}"
    assert duplicates == [], f"{fault}: sent twice: {duplicates}"
    for row in rows:
        sends = sandbox.sends_for(str(row.recipient))
        assert row.attempts <= conf.MAX_ATTEMPTS
        if row.status in (SmsLog.Status.SENT, SmsLog.Status.DELIVERED):
            assert sends == 1 and row.provider_id
        if row.status == SmsLog.Status.FAILED:
            assert sends == 0, f"{fault}: #{row.pk} FAILED but the provider has it"
    unknown = {row.pk for row in rows if row.status == SmsLog.Status.UNKNOWN}
    assert unknown <= unknown_listed()
    figures.add("faults: runs", 1)
    figures.add("faults: messages", len(rows))
    figures.add("faults: messages lost (not SENT/FAILED/UNKNOWN)", len(lost))
    figures.add("faults: duplicate provider sends", len(duplicates))
    figures.add("faults: messages left UNKNOWN (listed)", len(unknown))
    figures.peak(
        f"faults: most provider attempts on one message (MAX_ATTEMPTS {conf.MAX_ATTEMPTS})",
        max((row.attempts for row in rows), default=0),
    )
