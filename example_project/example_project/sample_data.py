"""Made-up traffic for the demo's dashboard: 30 days of sample messages.

Every row is tagged ``sample``, sent from ``SAMPLE`` and says so in its text, so
it cannot be taken for a real message. Only ``make demo`` (``run_demo.py``) calls
:func:`replace_sample_data`; it first deletes the previous sample rows, so the
charts always end today. The numbers follow a fixed weekly rhythm (no randomness)
so that screenshots are stable. The rows are counted in the dashboard's daily
rollups as they are written and deleted, as the app counts its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from django_turkeysms import rollups
from django_turkeysms.models import SmsLog

SAMPLE_TAG = "sample"
SAMPLE_SENDER = "SAMPLE"
SAMPLE_TEXT = "Sample message (demo data, never sent)"
OPERATORS = ["Turkcell", "Vodafone", "Türk Telekom"]


def replace_sample_data(days: int = 30, now: datetime | None = None) -> int:
    """Delete the old sample rows, write ``days`` days of new ones; their count."""
    now = now or timezone.now()
    remove_sample_data()
    rows = [row for age in range(days) for row in _day(now - timedelta(days=age), age)]
    with transaction.atomic():
        SmsLog.objects.bulk_create(rows, batch_size=500)
        rollups.add(rows)
    return len(rows)


def remove_sample_data() -> None:
    rollups.delete(SmsLog.objects.filter(tag=SAMPLE_TAG))


def _day(when: datetime, age: int) -> list[SmsLog]:
    """One day's rows: busier on weekdays; the newest still await a report."""
    volume = 20 + (age * 7) % 23 + (10 if when.weekday() < 5 else 0)
    statuses = _statuses(volume, age)
    return [
        _row(when - timedelta(minutes=7 * index), status, age, index)
        for index, status in enumerate(statuses)
    ]


def _statuses(volume: int, age: int) -> list[str]:
    if age == 0:  # today's delivery reports have not been looked up yet
        return ["sent"] * (volume - 2) + ["failed", "delivered"]
    settled = ["undelivered", "failed", "undelivered", "unknown", "sent"][: 2 + age % 4]
    return ["delivered"] * (volume - len(settled)) + settled


def _row(created: datetime, status: str, age: int, index: int) -> SmsLog:
    segments = 2 if index % 7 == 0 else 1
    return SmsLog(
        recipient=f"+90555{age:03d}{index:04d}",
        sender=SAMPLE_SENDER,
        body=SAMPLE_TEXT,
        segments=segments,
        credits=segments if status != "failed" else 0,
        status=status,
        provider_id=f"sample-{age}-{index}",
        operator=OPERATORS[index % len(OPERATORS)] if status != "failed" else "",
        country="TR",
        created_at=created,
        sent_at=created if status != "failed" else None,
        tag=SAMPLE_TAG,
    )
