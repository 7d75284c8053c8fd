"""Django Tasks: handing logged rows to the task queue, and the tasks themselves.

Task arguments are primary keys only. Which queue runs the tasks (database
workers, RQ, Celery …) is the project's ``TASKS`` setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from django_turkeysms import maintenance
from django_turkeysms._compat import task, task_backends
from django_turkeysms.conf import conf
from django_turkeysms.delivery import deliver
from django_turkeysms.message import SmsStatus
from django_turkeysms.models import SmsLog


def supports_defer() -> bool:
    """Whether the configured task backend can run a task later (``run_after``)."""
    return bool(task_backends[conf.TASK_BACKEND].supports_defer)


def batches(ids: Sequence[int]) -> list[list[int]]:
    """``ids`` cut into lists of at most ``TASK_BATCH_SIZE``."""
    size = max(conf.TASK_BATCH_SIZE, 1)
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]


def enqueue_on_commit(ids: Sequence[int], *, run_after: datetime | None = None) -> None:
    """Enqueue delivery once the caller's transaction commits (nothing on rollback).

    The callback is robust: if the task backend is down, the rows stay QUEUED
    and the sweeper enqueues them later.
    """
    ids = list(ids)

    def enqueue_after_commit() -> None:  # a named function: Django logs its name
        enqueue(ids, run_after=run_after)

    transaction.on_commit(enqueue_after_commit, robust=True)


def enqueue(ids: Sequence[int], *, run_after: datetime | None = None) -> int:
    """Enqueue ``deliver_sms`` tasks for ``ids``; returns the number of tasks."""
    configured = deliver_sms.using(backend=conf.TASK_BACKEND)
    if run_after is not None:
        configured = configured.using(run_after=run_after)
    chunks = batches(ids)
    for chunk in chunks:
        configured.enqueue(chunk)
    return len(chunks)


def enqueue_waiting(ids: Sequence[int], *, delivered: Sequence[SmsLog]) -> None:
    """Re-enqueue rows among ``ids`` that are QUEUED but not due yet.

    Rows sent back by a transient failure wait for their backoff; a scheduled task
    may also run a moment before ``send_at`` (RQ's scheduler counts whole
    seconds). Without a task backend that can defer, the sweeper picks them up.
    """
    settled = all(row.status != SmsStatus.QUEUED for row in delivered)
    if (len(delivered) == len(ids) and settled) or not supports_defer():
        return
    now = timezone.now()
    waiting = list(
        SmsLog.objects.filter(pk__in=list(ids), status=SmsStatus.QUEUED).only(
            "pk", "next_attempt_at", "send_at"
        )
    )
    if waiting:
        due = max(
            max(filter(None, (row.next_attempt_at, row.send_at)), default=now)
            for row in waiting
        )
        enqueue([row.pk for row in waiting], run_after=max(due, now))


def requeue_lost(*, now: datetime | None = None, limit: int = 10_000) -> int:
    """Hand over again due QUEUED rows that have waited longer than ``QUEUED_TIMEOUT``.

    Covers a crash between commit and enqueue. A row handed over twice is still
    sent once: :func:`~.delivery.deliver` claims it.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=conf.QUEUED_TIMEOUT)
    lost = SmsLog.objects.due(now).filter(
        Q(next_attempt_at__lt=cutoff)
        | Q(next_attempt_at__isnull=True, created_at__lt=cutoff)
    )
    ids = list(lost.order_by("pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    SmsLog.objects.filter(pk__in=ids, status=SmsStatus.QUEUED).update(
        next_attempt_at=now
    )
    if conf.ASYNC:
        enqueue(ids)
    else:
        deliver(ids, now=now)
    return len(ids)


def queue_or_deliver(
    ids: Sequence[int], *, run_after: datetime | None = None
) -> list[SmsLog]:
    """Deliver logged rows now and return them; or, with ``ASYNC`` or a scheduled
    time, enqueue them once the transaction commits (and return none yet)."""
    if conf.ASYNC or run_after is not None:
        enqueue_on_commit(ids, run_after=run_after)
        return []
    return deliver(ids)


@task
def deliver_sms(log_ids: list[int]) -> int:
    """Deliver the given rows; re-enqueue those waiting for a retry or their time."""
    rows = deliver(log_ids)
    enqueue_waiting(log_ids, delivered=rows)
    return sum(1 for row in rows if row.provider_id)


@task
def refresh_statuses(log_ids: list[int] | None = None) -> dict[str, int]:
    """Look up delivery statuses of the given rows; without any, a minute's worth
    (``STATUS_LOOKUP_RATE``) of the due ones, newest first
    (:func:`~.maintenance.refresh_due`). Schedule it every minute."""
    if log_ids is not None:
        return maintenance.refresh_status(maintenance.rows_to_refresh(log_ids))
    due = maintenance.refresh_due(limit=conf.STATUS_LOOKUP_RATE)
    return maintenance.refresh_totals(due)


@task
def sweep_stuck() -> dict[str, int]:
    """Settle rows stuck in SENDING (:func:`~.maintenance.sweep`) and hand over
    again QUEUED rows whose task was lost (:func:`requeue_lost`)."""
    counts = maintenance.sweep()
    counts["requeued"] = requeue_lost()
    return counts
