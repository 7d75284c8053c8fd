"""The daily rollups under concurrency on PostgreSQL: workers, status lookups, a
sender, the sweeper giving up on rows being sent, retention and a rebuild, all at
once on the same day's counter rows; exact afterwards, and nobody deadlocked."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from django_turkeysms import maintenance, retention, rollups, send_sms
from django_turkeysms.delivery import deliver
from django_turkeysms.models import DailyRollup, SmsLog
from tests import figures
from tests_services.test_send_concurrency import in_threads, queued_rows

pytestmark = pytest.mark.django_db(transaction=True)


def worker(ids: list[int], seed: int) -> None:
    """Deliver every row in batches of 25, in an order of its own."""
    rng = random.Random(seed)
    batches = [ids[start : start + 25] for start in range(0, len(ids), 25)]
    rng.shuffle(batches)
    for batch in batches:
        deliver(batch)


def until(done: threading.Event, step: Callable[[], object]) -> Callable[[], None]:
    """``step`` again and again until ``done``, then once more."""

    def job() -> None:
        while not done.is_set():
            step()
            time.sleep(0.01)
        step()

    return job


def sender(done: threading.Event) -> None:
    for batch in range(10):
        numbers = [f"+90533{batch:03d}{n:04d}" for n in range(20)]
        send_sms("Kargonuz yolda.", numbers)
    done.set()


def refresh() -> None:
    maintenance.refresh_totals(maintenance.refresh_due())


def sweep() -> None:
    # Gives up on rows the workers are sending: their record comes later.
    maintenance.sweep(now=timezone.now() + timedelta(hours=1))


def clean_up() -> None:
    # Retention on a few of the final rows: some deleted, some anonymised.
    final = SmsLog.objects.filter(status__in=retention.FINAL_STATUSES)
    picked = list(final.order_by("?").values_list("pk", flat=True)[:10])
    retention.delete_logs(final.filter(pk__in=picked[:5]))
    retention.anonymise_rows(final.filter(pk__in=picked[5:]))


def rebuild() -> None:
    time.sleep(0.2)
    rollups.rebuild()


def test_every_writer_at_once_keeps_the_rollups_exact(services):
    ids = queued_rows(services, 600)
    services.configure(STATUS_LOOKUP_RATE=10**9, STATUS_RECHECK_INTERVAL=0.05)
    services.sandbox.delivery_delay = 0.2
    for n in range(0, 600, 7):
        services.sandbox.set_outcome(f"90532{n:07d}", "undelivered")
    done = threading.Event()
    in_threads(
        *(lambda seed=seed: worker(ids, seed) for seed in range(3)),
        lambda: sender(done),
        until(done, refresh),
        until(done, sweep),
        until(done, clean_up),
        rebuild,
    )
    assert rollups.differences() == []
    counted = sum(DailyRollup.objects.values_list("messages", flat=True))
    assert counted == SmsLog.objects.count()
    assert 0 < counted < 800
    figures.note(
        "concurrency: rollups under 9 writers at once",
        f"{counted} messages left after retention, rollups equal to a recount",
    )
