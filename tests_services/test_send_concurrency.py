"""Sending under concurrency on PostgreSQL: real threads, one connection each
(security-and-reliability §3.3 items 5 and 7; the OTP items are in
``test_otp_concurrency.py``)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from django_turkeysms import send_sms
from django_turkeysms.delivery import deliver
from django_turkeysms.maintenance import refresh_status
from django_turkeysms.models import SmsLog
from tests import figures

pytestmark = pytest.mark.django_db(transaction=True)

Status = SmsLog.Status
# Every status change a row may make (delivery.py's state machine).
ALLOWED = {
    (Status.QUEUED, Status.SENDING),
    (Status.SENDING, Status.SENT),
    (Status.SENDING, Status.FAILED),
    (Status.SENDING, Status.UNKNOWN),
    (Status.SENDING, Status.QUEUED),
    (Status.SENT, Status.DELIVERED),
    (Status.SENT, Status.UNDELIVERED),
    (Status.UNDELIVERED, Status.DELIVERED),
    (Status.UNKNOWN, Status.SENT),
    (Status.UNKNOWN, Status.DELIVERED),
    (Status.UNKNOWN, Status.UNDELIVERED),
}
AUDIT = """
CREATE TABLE status_audit (log_id bigint, old text, new text);
CREATE FUNCTION audit_status() RETURNS trigger AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO status_audit VALUES (NEW.id, OLD.status, NEW.status);
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_status AFTER UPDATE ON django_turkeysms_smslog
  FOR EACH ROW EXECUTE FUNCTION audit_status();
"""
DROP_AUDIT = """
DROP TRIGGER IF EXISTS audit_status ON django_turkeysms_smslog;
DROP FUNCTION IF EXISTS audit_status();
DROP TABLE IF EXISTS status_audit;
"""


@pytest.fixture
def status_audit():
    """Every status change of every row, recorded by a PostgreSQL trigger."""
    with connection.cursor() as cursor:
        cursor.execute(DROP_AUDIT + AUDIT)

    def changes() -> list[tuple[int, str, str]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT log_id, old, new FROM status_audit")
            return list(cursor.fetchall())

    yield changes
    with connection.cursor() as cursor:
        cursor.execute(DROP_AUDIT)


def queued_rows(services, count: int) -> list[int]:
    """``count`` committed QUEUED rows (their tasks go to a backend nobody works)."""
    services.configure(ASYNC=True, TASK_BACKEND="db")
    numbers = [f"+90532{n:07d}" for n in range(count)]
    with transaction.atomic():
        ids = [row.pk for row in send_sms("Kargonuz yolda.", numbers)]
    services.configure()
    return ids


def in_threads(*jobs: Callable[[], object]) -> None:
    """Run the jobs in threads released together; each closes its connection."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as exc:  # reported in the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_four_workers_drain_a_thousand_rows(services, status_audit):  # §3.3-5
    ids = queued_rows(services, 1000)

    def worker(seed: int) -> None:
        # Every worker goes over all rows, in its own order and batch size.
        rng = random.Random(seed)
        size = rng.choice([10, 25, 50, 100])
        batches = [ids[start : start + size] for start in range(0, len(ids), size)]
        rng.shuffle(batches)
        for batch in batches:
            deliver(batch)

    in_threads(*(lambda seed=seed: worker(seed) for seed in range(4)))
    sends = Counter(message.number for message in services.sandbox.messages)
    assert len(sends) == 1000 and set(sends.values()) == {1}
    assert set(SmsLog.objects.values_list("status", flat=True)) == {Status.SENT}
    claims = Counter(
        log_id for log_id, _old, new in status_audit() if new == Status.SENDING
    )
    assert set(claims.values()) == {1} and len(claims) == 1000
    figures.note(
        "concurrency: 4 workers draining 1,000 rows",
        f"{sum(sends.values())} provider calls, {len(sends)} distinct messages, 0 claimed twice",
    )


def test_status_lookups_racing_send_completion(services, status_audit):  # §3.3-7
    ids = queued_rows(services, 300)
    services.configure(STATUS_LOOKUP_RATE=10**6)  # races, not the lookups' pace
    sandbox = services.sandbox
    sandbox.delivery_delay = 0.3  # "pending" first, then the final report
    for n in range(0, 300, 7):
        sandbox.set_outcome(f"90532{n:07d}", "undelivered")
    done = threading.Event()

    def sender() -> None:
        for start in range(0, len(ids), 20):
            deliver(ids[start : start + 20])
        done.set()

    def looker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = list(SmsLog.objects.exclude(provider_id="").order_by("?")[:100])
            refresh_status(rows)
            if (
                done.is_set()
                and not SmsLog.objects.exclude(
                    status__in=[Status.DELIVERED, Status.UNDELIVERED]
                ).exists()
            ):
                return

    in_threads(sender, looker, looker, looker)
    changes = status_audit()
    illegal = [change for change in changes if (change[1], change[2]) not in ALLOWED]
    assert illegal == []
    finals = Counter(
        new
        for _id, _old, new in changes
        if new in (Status.DELIVERED, Status.UNDELIVERED)
    )
    expected_undelivered = len(range(0, 300, 7))
    assert finals == {
        Status.DELIVERED: 300 - expected_undelivered,
        Status.UNDELIVERED: expected_undelivered,
    }
    for row in SmsLog.objects.all():
        assert row.provider_id and row.sent_at  # nothing the send wrote was lost
    figures.note(
        "concurrency: status lookups racing send completion",
        f"{len(changes)} status changes by 1 sender and 3 lookup threads, 0 illegal",
    )
