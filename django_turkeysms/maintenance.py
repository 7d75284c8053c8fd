"""Keeping the send log current: due retries, delivery statuses, stuck and lost rows.

Run from a periodic job: :func:`retry_due` in synchronous mode, :func:`refresh_status`
for delivery reports, :func:`sweep` for rows a crashed worker left in SENDING (the
``sweep_stuck`` task runs it, and re-enqueues rows whose task was lost:
:func:`~.tasks.requeue_lost`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.conf import conf
from django_turkeysms.delivery import deliver
from django_turkeysms.exceptions import TurkeySmsError
from django_turkeysms.handler import sms_backends
from django_turkeysms.message import DeliveryState, SmsStatus
from django_turkeysms.models import SmsLog
from django_turkeysms.signals import sms_status_changed

logger = logging.getLogger(__name__)

#: Where a status lookup may move a row from, per target status (never backwards).
_STATUS_SOURCES: dict[str, tuple[str, ...]] = {
    SmsStatus.DELIVERED: (SmsStatus.SENT, SmsStatus.UNDELIVERED, SmsStatus.UNKNOWN),
    SmsStatus.UNDELIVERED: (SmsStatus.SENT, SmsStatus.UNKNOWN),
    SmsStatus.SENT: (SmsStatus.UNKNOWN,),
}
_STATE_STATUS = {
    DeliveryState.DELIVERED: SmsStatus.DELIVERED,
    DeliveryState.UNDELIVERED: SmsStatus.UNDELIVERED,
    DeliveryState.PENDING: SmsStatus.SENT,
    DeliveryState.OUT_OF_COVERAGE: SmsStatus.SENT,
}


def retry_due(*, limit: int = 1000, now: datetime | None = None) -> int:
    """Deliver QUEUED rows whose retry time has come (synchronous mode)."""
    return len(deliver_due(limit=limit, now=now))


def deliver_due(*, limit: int = 1000, now: datetime | None = None) -> list[SmsLog]:
    """Deliver up to ``limit`` due QUEUED rows, oldest first; the rows claimed."""
    now = now or timezone.now()
    ids = list(
        SmsLog.objects.due(now).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    return deliver(ids, now=now) if ids else []


def refresh_status(
    logs: Iterable[SmsLog], *, now: datetime | None = None
) -> dict[str, int]:
    """Look up sent rows at their backend; returns counts per resulting status."""
    counts: dict[str, int] = defaultdict(int)
    backends: dict[str, BaseSmsBackend] = {}
    for row in logs:
        backend = backends.get(row.backend) or backends.setdefault(
            row.backend, sms_backends[row.backend]
        )
        counts[_refresh_one(row, backend, now or timezone.now())] += 1
    return dict(counts)


def _refresh_one(row: SmsLog, backend: BaseSmsBackend, now: datetime) -> str:
    if not row.provider_id or not backend.supports_status_lookup:
        return "skipped"
    try:
        result = backend.get_status(row.provider_id)
    except TurkeySmsError as exc:
        logger.warning("Status lookup of SMS #%s failed: %s", row.pk, exc)
        return "error"
    target = _STATE_STATUS.get(result.state)
    operator = result.operator[:64] or row.operator
    changes: dict[str, Any] = {"status_checked_at": now, "operator": operator}
    if target is None or not _transition(row, target, changes, now):
        SmsLog.objects.filter(pk=row.pk).update(**changes)
        row.status_checked_at, row.operator = now, operator
        return str(row.status)
    return str(target)


def _transition(
    row: SmsLog, target: str, changes: dict[str, Any], now: datetime
) -> bool:
    """Move ``row`` to ``target`` if it is allowed from the row's current status."""
    sources = _STATUS_SOURCES.get(target, ())
    if target == SmsStatus.DELIVERED:
        changes["delivered_at"] = now
    updated = SmsLog.objects.filter(pk=row.pk, status__in=sources).update(
        status=target, **changes
    )
    if not updated:
        return False
    old = row.status
    for field, value in {"status": target, **changes}.items():
        setattr(row, field, value)
    sms_status_changed.send(sender=SmsLog, log=row, old_status=old, new_status=target)
    return True


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Settle rows stuck in SENDING (a crashed worker); returns counts.

    A row with a provider id is reconciled through a status lookup; one without
    becomes UNKNOWN — it may have been sent, so it is never re-sent.
    """
    now = now or timezone.now()
    stuck = SmsLog.objects.stuck_sending(timedelta(seconds=conf.SENDING_TIMEOUT), now)
    with_id = list(stuck.exclude(provider_id=""))
    SmsLog.objects.filter(
        pk__in=[row.pk for row in with_id], status=SmsStatus.SENDING
    ).update(status=SmsStatus.UNKNOWN)
    for row in with_id:
        row.status = SmsStatus.UNKNOWN
    refresh_status(with_id, now=now)
    unknown = stuck.filter(provider_id="").update(
        status=SmsStatus.UNKNOWN,
        result_code="LOCAL-INTERRUPTED",
        result_message="Interrupted while sending; the SMS may have been sent.",
    )
    return {"reconciled": len(with_id), "unknown": unknown}


def rows_to_refresh(ids: Sequence[int] | None) -> list[SmsLog]:
    """The rows to look up: ``ids``, or the oldest batch awaiting a delivery report."""
    rows = SmsLog.objects.awaiting_report()
    if ids is not None:
        return list(rows.filter(pk__in=list(ids)))
    return list(rows.order_by("status_checked_at", "pk")[: conf.STATUS_BATCH_SIZE])
