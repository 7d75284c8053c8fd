"""Keeping the send log current: due retries, delivery statuses, stuck and lost rows.

Run from a periodic job: :func:`retry_due` in synchronous mode, :func:`refresh_due`
for delivery reports, :func:`sweep` for rows a crashed worker left in SENDING (the
``sweep_stuck`` task runs it, and re-enqueues rows whose task was lost:
:func:`~.tasks.requeue_lost`).

Delivery reports follow one policy, :func:`refresh_due`, for the
``refresh_statuses`` task, ``turkeysms_status`` and the dashboard: sent messages
newest first; none looked up twice within ``STATUS_RECHECK_INTERVAL``; none
older than ``STATUS_MAX_AGE``. Every lookup waits for a slot of the fleet's
schedule (:func:`.pacing.wait_for_lookup`) and is counted for the
lookups-per-minute figure.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from django_turkeysms import pacing, rollups
from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.conf import conf
from django_turkeysms.delivery import deliver
from django_turkeysms.exceptions import (
    PacingUnavailable,
    RateLimited,
    SlotTooFar,
    TurkeySmsError,
)
from django_turkeysms.handler import sms_backends
from django_turkeysms.message import DeliveryState, SmsStatus
from django_turkeysms.models import REDACTED, SmsLog, SmsLogQuerySet
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


# -- delivery reports: the policy --------------------------------------------------


def due_for_lookup(now: datetime | None = None) -> SmsLogQuerySet:
    """Sent rows to look up: with a provider id, younger than ``STATUS_MAX_AGE``
    and not looked up in the last ``STATUS_RECHECK_INTERVAL``.

    Older rows are not looked up any more: their status is final for practical
    purposes.
    """
    now = now or timezone.now()
    checked_before = now - timedelta(seconds=conf.STATUS_RECHECK_INTERVAL)
    return (
        SmsLog.objects.awaiting_report()
        .filter(created_at__gte=now - timedelta(seconds=conf.STATUS_MAX_AGE))
        .filter(
            Q(status_checked_at__isnull=True) | Q(status_checked_at__lt=checked_before)
        )
    )


def backlog(now: datetime | None = None) -> int:
    """Sent messages younger than ``STATUS_MAX_AGE`` still awaiting a delivery
    report, looked up lately or not."""
    now = now or timezone.now()
    young = now - timedelta(seconds=conf.STATUS_MAX_AGE)
    return SmsLog.objects.awaiting_report().filter(created_at__gte=young).count()


def refresh_due(
    *,
    limit: int | None = None,
    since: timedelta | None = None,
    seconds: float | None = None,
) -> Iterator[dict[str, int]]:
    """Look up the rows :func:`due_for_lookup` finds, newest first, a batch of
    ``STATUS_BATCH_SIZE`` at a time; yields the counts of each batch.

    Stop at any time by not asking for the next batch. Each batch is taken by
    marking it looked up before its lookups, so two runs at once never look up
    the same message, and a run started again repeats nothing: what was looked
    up (or taken by a run that stopped in the middle of a batch) is due again
    only after ``STATUS_RECHECK_INTERVAL``. ``since`` narrows it to the rows
    created in that window; ``limit`` caps the lookups; ``seconds`` caps the
    time spent waiting for their slots (:func:`refresh_status`).
    """
    deadline = None if seconds is None else time.monotonic() + seconds
    after: tuple[datetime, int] | None = None
    left = limit
    while left is None or left > 0:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return
        size = (
            conf.STATUS_BATCH_SIZE
            if left is None
            else min(left, conf.STATUS_BATCH_SIZE)
        )
        batch = _take(after, size, since)
        if not batch:
            return
        after = (batch[-1].created_at, batch[-1].pk)
        if left is not None:
            left -= len(batch)
        yield refresh_status(batch, seconds=remaining)


def _take(
    after: tuple[datetime, int] | None, size: int, since: timedelta | None
) -> list[SmsLog]:
    """The next ``size`` due rows older than ``after``, marked as looked up now;
    rows another run took meanwhile are left to it."""
    now = timezone.now()
    due = due_for_lookup(now)
    if since is not None:
        due = due.filter(created_at__gte=now - since)
    if after is not None:
        due = due.filter(
            Q(created_at__lt=after[0]) | Q(created_at=after[0], pk__lt=after[1])
        )
    newest = ("-created_at", "-pk")
    ids = list(due.order_by(*newest).values_list("pk", flat=True)[:size])
    if not ids:
        return []
    due_for_lookup(now).filter(pk__in=ids).update(status_checked_at=now)
    taken = SmsLog.objects.filter(pk__in=ids, status_checked_at=now)
    return list(taken.order_by(*newest))


def refresh_totals(batches: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """The counts of every batch of :func:`refresh_due`, added up."""
    totals: Counter[str] = Counter()
    for counts in batches:
        totals.update(counts)
    return dict(totals)


# -- delivery reports: the lookups -----------------------------------------------------


def refresh_status(
    logs: Iterable[SmsLog],
    *,
    now: datetime | None = None,
    seconds: float | None = None,
) -> dict[str, int]:
    """Look up sent rows at their backend; returns counts per resulting status.

    ``seconds``: how long the caller can wait for the lookups' slots in all (a
    web request: the admin's buttons). A row whose slot comes later is not
    looked up and stays due ("waiting"); without it each lookup may wait up to
    ``pacing.LOOKUP_MAX_WAIT``.
    """
    deadline = None if seconds is None else time.monotonic() + seconds
    counts: dict[str, int] = defaultdict(int)
    backends: dict[str, BaseSmsBackend] = {}
    for row in logs:
        backend = backends.get(row.backend) or backends.setdefault(
            row.backend, sms_backends[row.backend]
        )
        wait = pacing.LOOKUP_MAX_WAIT
        if deadline is not None:
            wait = min(wait, max(deadline - time.monotonic(), 0.0))
        counts[_refresh_one(row, backend, now or timezone.now(), wait)] += 1
    return dict(counts)


def _refresh_one(
    row: SmsLog, backend: BaseSmsBackend, now: datetime, max_wait: float
) -> str:
    if not row.provider_id or not backend.supports_status_lookup:
        return "skipped"
    held_back = wait_for_lookup(backend, max_wait)
    if held_back == "waiting":  # due again: a run took it, but did not look it up
        SmsLog.objects.filter(pk=row.pk).update(status_checked_at=None)
    if held_back:
        return held_back
    count_lookup()
    try:
        result = backend.get_status(row.provider_id)
    except RateLimited as exc:
        pacing.slow_down(backend, exc.retry_after, lookups=True)
        logger.warning("Status lookup of SMS #%s failed: %s", row.pk, exc)
        return "error"
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
    before = rollups.update(
        SmsLog.objects.filter(pk=row.pk, status__in=sources), status=target, **changes
    )
    if not before:
        return False
    old = before[row.pk].status
    for field, value in {"status": target, **changes}.items():
        setattr(row, field, value)
    sms_status_changed.send(sender=SmsLog, log=row, old_status=old, new_status=target)
    return True


# -- pacing ----------------------------------------------------------------------------


def wait_for_lookup(backend: BaseSmsBackend, max_wait: float) -> str | None:
    """Wait for a slot of the lookups' schedule (:func:`.pacing.wait_for_lookup`).

    None when the lookup may go; else why it is held back: ``"waiting"`` when
    the next slot is further than ``max_wait`` away, ``"error"`` when the cache
    failed under a backend with a ``rate`` (which fails closed, as its sends
    do). Without a ``rate`` nobody asked for pacing, so a failed cache costs
    the pace, not the lookup.
    """
    try:
        pacing.wait_for_lookup(backend, max_wait=max_wait)
    except PacingUnavailable:
        if backend.rate is None:
            return None
        logger.warning(
            "Status lookups through %r wait for the pacing cache.", backend.alias
        )
        return "error"
    except SlotTooFar:
        return "waiting"
    return None


#: The cache key of the lookups counted in one minute (minutes since the epoch).
LOOKUPS_KEY = "turkeysms:lookups:{minute}"


def count_lookup(now: float | None = None) -> None:
    """Count one status lookup in this minute's counter, in the default cache
    (shared by every process when it is Redis or Memcached)."""
    key = LOOKUPS_KEY.format(minute=int((now or time.time()) // 60))
    try:
        cache.add(key, 0, timeout=3600)
        cache.incr(key)
    except Exception:  # a figure for the dashboard: never worth a failed lookup
        logger.warning("Could not count a status lookup in the cache.", exc_info=True)


def lookups_per_minute(minutes: int = 5, now: float | None = None) -> float:
    """Status lookups per minute over the last ``minutes`` whole minutes."""
    current = int((now or time.time()) // 60)
    keys = [LOOKUPS_KEY.format(minute=current - n) for n in range(1, minutes + 1)]
    try:
        counted = cache.get_many(keys)
    except Exception:  # the dashboard shows a dash rather than an error page
        logger.warning("Could not read the status lookup counts.", exc_info=True)
        return 0.0
    return sum(int(value) for value in counted.values()) / minutes


# -- retries and the sweeper -------------------------------------------------------------

#: The statuses a message can be sent again from by hand (the admin's retry).
RETRYABLE = (SmsStatus.FAILED, SmsStatus.UNKNOWN)


def queue_again(ids: Sequence[int], *, note: str) -> list[int]:
    """Put the failed and unknown rows among ``ids`` whose text is stored back in
    the queue, with ``note`` as their result message; the ids queued.

    The caller hands them to delivery (:func:`~.sending.dispatch`).
    """
    rows = SmsLog.objects.filter(pk__in=list(ids), status__in=RETRYABLE)
    queued = rollups.update(
        rows.exclude(body=REDACTED),
        status=SmsStatus.QUEUED,
        claim=None,
        next_attempt_at=None,
        result_message=note[:255],
    )
    return sorted(queued)


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Settle rows stuck in SENDING (a crashed worker); returns counts.

    A row with a provider id is reconciled through a status lookup; one without
    becomes UNKNOWN — it may have been sent, so it is never re-sent.
    """
    now = now or timezone.now()
    stuck = SmsLog.objects.stuck_sending(timedelta(seconds=conf.SENDING_TIMEOUT), now)
    with_id = list(stuck.exclude(provider_id=""))
    rollups.update(
        SmsLog.objects.filter(
            pk__in=[row.pk for row in with_id], status=SmsStatus.SENDING
        ),
        status=SmsStatus.UNKNOWN,
    )
    for row in with_id:
        row.status = SmsStatus.UNKNOWN
    refresh_status(with_id, now=now)
    unknown = rollups.update(
        stuck.filter(provider_id=""),
        status=SmsStatus.UNKNOWN,
        result_code="LOCAL-INTERRUPTED",
        result_message="Interrupted while sending; the SMS may have been sent.",
    )
    return {"reconciled": len(with_id), "unknown": len(unknown)}


def rows_to_refresh(ids: Sequence[int] | None) -> list[SmsLog]:
    """The rows to look up: ``ids`` among those awaiting a delivery report, or
    the first batch :func:`refresh_due` would take (without taking it)."""
    if ids is not None:
        return list(SmsLog.objects.awaiting_report().filter(pk__in=list(ids)))
    newest = due_for_lookup().order_by("-created_at", "-pk")
    return list(newest[: conf.STATUS_BATCH_SIZE])
