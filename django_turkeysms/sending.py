"""The public sending API: validate, write the log rows, deliver or queue.

``send_sms()`` / ``SmsMessage.send()`` write one :class:`SmsLog` row per recipient
before any provider is called, then hand the rows to :func:`deliver` — now
(synchronous, the default) or through a task after the caller's transaction
commits (``TURKEYSMS["ASYNC"]``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from django_turkeysms.conf import conf
from django_turkeysms.delivery import deliver, refresh_status, retry_due, sweep_stuck
from django_turkeysms.exceptions import CancelSend, IdempotencyConflict
from django_turkeysms.message import Category, SmsMessage, SmsStatus
from django_turkeysms.models import REDACTED, SmsLog
from django_turkeysms.preparing import Plan, prepare
from django_turkeysms.signals import pre_send

__all__ = [
    "deliver",
    "log_plan",
    "queue_message",
    "refresh_status",
    "retry_due",
    "send_message",
    "send_sms",
    "sweep_stuck",
]


def send_sms(
    text: str,
    to: Any,
    *,
    sender: str | None = None,
    backend: str = "default",
    category: str = Category.TRANSACTIONAL,
    language: str = "auto",
    send_at: datetime | None = None,
    tag: str = "",
    metadata: Mapping[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> list[SmsLog]:
    """Send ``text`` to one number or an iterable of numbers; return the log rows."""
    message = SmsMessage(
        text,
        to,
        sender=sender,
        category=category,
        language=language,
        send_at=send_at,
        tag=tag,
        metadata=metadata,
        idempotency_key=idempotency_key,
    )
    return send_message(message, backend=backend)


def send_message(message: SmsMessage, *, backend: str = "default") -> list[SmsLog]:
    """Validate, log and send (or queue) ``message``; return its log rows."""
    return send_plan(prepare(message, backend))


def send_plan(plan: Plan) -> list[SmsLog]:
    """Log and send (or queue) a message :func:`prepare` validated; its log rows."""
    rows, created = _log(plan)
    queued = [row.pk for row in rows if row.status == SmsStatus.QUEUED]
    if not (created and queued):
        return rows
    delivered = {row.pk: row for row in _dispatch(plan, queued)}
    return [delivered.get(row.pk, row) for row in rows]


def queue_message(message: SmsMessage, *, backend: str = "default") -> list[SmsLog]:
    """Validate and log ``message`` without sending it; the caller delivers."""
    return log_plan(prepare(message, backend))


def log_plan(plan: Plan) -> list[SmsLog]:
    """Log a message :func:`prepare` validated, without sending it; its log rows."""
    rows, _created = _log(plan)
    return rows


def _log(plan: Plan) -> tuple[list[SmsLog], bool]:
    """The message's rows, and whether this call created them (not a retried key)."""
    if plan.message.idempotency_key:
        earlier = _earlier_rows(plan)
        if earlier is not None:
            return earlier, False
    rows = _create_rows(plan, uuid.uuid4())
    if rows is None:  # lost an idempotency race to a concurrent identical call
        return _earlier_rows(plan) or [], False
    return rows, True


def _dispatch(plan: Plan, ids: list[int]) -> list[SmsLog]:
    """Deliver now and return the delivered rows, or enqueue after commit (none yet)."""
    if plan.message.category == Category.OTP:
        # The text of an OTP message exists only in memory: deliver it now.
        return deliver(ids, texts=dict.fromkeys(ids, plan.message.text))
    return dispatch(ids, run_after=plan.send_at)


def dispatch(ids: list[int], *, run_after: datetime | None = None) -> list[SmsLog]:
    """Deliver logged rows now and return them; or, with ``ASYNC`` or a scheduled
    time, enqueue them once the transaction commits (and return none yet)."""
    if conf.ASYNC or run_after is not None:
        from django_turkeysms.queueing import enqueue_on_commit

        enqueue_on_commit(ids, run_after=run_after)
        return []
    return deliver(ids)


def _create_rows(plan: Plan, batch: uuid.UUID) -> list[SmsLog] | None:
    """One row per recipient, in one bulk INSERT; None if the key was taken meanwhile."""
    rows = [
        _new_row(plan, e164, region, batch) for e164, region in plan.recipients.items()
    ]
    if not plan.message.idempotency_key:
        created = SmsLog.objects.bulk_create(rows, batch_size=1000)
    else:
        try:
            with transaction.atomic():
                created = SmsLog.objects.bulk_create(rows, batch_size=1000)
        except IntegrityError:  # the key's unique constraint: a concurrent twin won
            return None
    if any(row.pk is None for row in created):  # databases without RETURNING
        return list(SmsLog.objects.filter(batch=batch).order_by("pk"))
    return created


def _new_row(plan: Plan, recipient: str, region: str, batch: uuid.UUID) -> SmsLog:
    message = plan.message
    status, reason = SmsStatus.QUEUED, ""
    try:
        if pre_send.has_listeners(SmsMessage):
            pre_send.send(sender=SmsMessage, message=message, recipient=recipient)
    except CancelSend as cancel:
        status, reason = SmsStatus.CANCELLED, cancel.reason[:255]
    return SmsLog(
        recipient=recipient,
        sender=plan.sender,
        body=_logged_body(message, final=status != SmsStatus.QUEUED),
        language=plan.lang,
        segments=plan.info.segments,
        category=message.category,
        content_type=plan.content_type,
        backend=plan.backend_alias,
        status=status,
        result_message=reason,
        country=region,
        created_at=timezone.now(),
        send_at=plan.send_at,
        tag=message.tag,
        metadata=plan.metadata,
        idempotency_key=message.idempotency_key or "",
        fingerprint=plan.fingerprint,
        batch=batch,
    )


def _logged_body(message: SmsMessage, *, final: bool) -> str:
    """What the log keeps of the text.

    OTP texts are never stored. With ``LOG_MESSAGE_BODY`` off, a text is kept only
    while the message waits to be sent, then redacted.
    """
    if message.category == Category.OTP or (final and not conf.LOG_MESSAGE_BODY):
        return REDACTED
    return message.text


def _earlier_rows(plan: Plan) -> list[SmsLog] | None:
    """Rows of an earlier call with the same idempotency key, if any."""
    rows = list(
        SmsLog.objects.filter(idempotency_key=plan.message.idempotency_key).order_by(
            "pk"
        )
    )
    if not rows:
        return None
    if rows[0].fingerprint != plan.fingerprint:
        raise IdempotencyConflict(
            "This idempotency key was already used for a different message; "
            "use a new key for a new message."
        )
    return rows
