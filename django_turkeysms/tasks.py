"""Tasks for Django's Tasks framework. Arguments are primary keys only.

Each task is one line into :mod:`django_turkeysms.delivery`; which queue runs
them (database workers, RQ, Celery …) is the project's ``TASKS`` setting.
"""

from __future__ import annotations

from django_turkeysms import delivery, queueing
from django_turkeysms._compat import task


@task
def deliver_sms(log_ids: list[int]) -> int:
    """Deliver the given rows; re-enqueue those waiting for a retry or their time."""
    rows = delivery.deliver(log_ids)
    queueing.enqueue_waiting(log_ids, delivered=rows)
    return sum(1 for row in rows if row.provider_id)


@task
def refresh_statuses(log_ids: list[int] | None = None) -> dict[str, int]:
    """Look up delivery statuses of the given rows, or of a batch awaiting a report."""
    return delivery.refresh_status(queueing.rows_to_refresh(log_ids))


@task
def sweep_stuck() -> dict[str, int]:
    """Settle rows stuck in SENDING and re-enqueue QUEUED rows whose task was lost."""
    counts = delivery.sweep_stuck()
    counts["requeued"] = queueing.requeue_lost()
    return counts
