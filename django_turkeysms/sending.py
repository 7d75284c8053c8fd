"""The public sending API: validate, write the log rows, dispatch them.

``send_sms()`` / ``SmsMessage.send()`` write one :class:`SmsLog` row per recipient
before any provider is called, then :func:`dispatch` hands the rows to
:func:`~.delivery.deliver` — now (synchronous, the default) or through a task
after the caller's transaction commits (``TURKEYSMS["ASYNC"]``). Every message
takes this path, one-time codes included.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from django_turkeysms import rollups
from django_turkeysms.backends.base import Transmit
from django_turkeysms.conf import conf
from django_turkeysms.delivery import deliver
from django_turkeysms.exceptions import CancelSend, IdempotencyConflict
from django_turkeysms.maintenance import refresh_status, retry_due
from django_turkeysms.maintenance import sweep as sweep_stuck
from django_turkeysms.message import Category, SmsMessage, SmsStatus
from django_turkeysms.models import REDACTED, SmsLog
from django_turkeysms.signals import pre_send
from django_turkeysms.tasks import queue_or_deliver
from django_turkeysms.validation import ValidatedMessage, validate

__all__ = [
    "deliver",
    "dispatch",
    "log_message",
    "queue_message",
    "refresh_status",
    "retry_due",
    "send_message",
    "send_sms",
    "send_validated",
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
    return send_validated(validate(message, backend))


def send_validated(
    validated: ValidatedMessage, *, transmit: Transmit | None = None
) -> list[SmsLog]:
    """Log and dispatch a message :func:`validate` passed; its log rows.

    ``transmit`` replaces ``backend.send`` (provider-generated OTP codes).
    """
    rows, created = _log(validated)
    queued = [row.pk for row in rows if row.status == SmsStatus.QUEUED]
    if not (created and queued):
        return rows
    texts = None
    if validated.message.category == Category.OTP:
        texts = dict.fromkeys(queued, validated.message.text)
    dispatched = dispatch(
        queued, texts=texts, transmit=transmit, run_after=validated.send_at
    )
    delivered = {row.pk: row for row in dispatched}
    return [delivered.get(row.pk, row) for row in rows]


def dispatch(
    ids: list[int],
    *,
    texts: Mapping[int, str] | None = None,
    transmit: Transmit | None = None,
    run_after: datetime | None = None,
) -> list[SmsLog]:
    """Hand logged rows to delivery; the rows delivered now.

    Rows whose text exists only in memory (``texts``: one-time codes) are
    delivered now; the others now, or — with ``ASYNC`` or a scheduled time —
    through a task once the transaction commits (and none are returned yet).
    """
    if texts:
        return deliver(ids, texts=texts, transmit=transmit)
    return queue_or_deliver(ids, run_after=run_after)


def queue_message(message: SmsMessage, *, backend: str = "default") -> list[SmsLog]:
    """Validate and log ``message`` without sending it; the caller delivers."""
    return log_message(validate(message, backend))


def log_message(validated: ValidatedMessage) -> list[SmsLog]:
    """Log a message :func:`validate` passed, without sending it; its log rows."""
    rows, _created = _log(validated)
    return rows


def _log(validated: ValidatedMessage) -> tuple[list[SmsLog], bool]:
    """The message's rows, and whether this call created them (not a retried key)."""
    if validated.message.idempotency_key:
        earlier = _earlier_rows(validated)
        if earlier is not None:
            return earlier, False
    rows = _create_rows(validated, uuid.uuid4())
    if rows is None:  # lost an idempotency race to a concurrent identical call
        return _earlier_rows(validated) or [], False
    return rows, True


def _create_rows(validated: ValidatedMessage, batch: uuid.UUID) -> list[SmsLog] | None:
    """One row per recipient, in one bulk INSERT counted in the daily rollups in
    the same transaction; None if the key was taken meanwhile."""
    rows = [
        _new_row(validated, e164, region, batch)
        for e164, region in validated.recipients.items()
    ]
    # A savepoint only where a unique key may be refused and the caller goes on.
    keyed = bool(validated.message.idempotency_key)
    try:
        with transaction.atomic(savepoint=keyed):
            created = SmsLog.objects.bulk_create(rows, batch_size=1000)
            rollups.add(created)
    except IntegrityError:  # the key's unique constraint: a concurrent twin won
        if not keyed:
            raise
        return None
    if any(row.pk is None for row in created):  # databases without RETURNING
        return list(SmsLog.objects.filter(batch=batch).order_by("pk"))
    return created


def _new_row(
    validated: ValidatedMessage, recipient: str, region: str, batch: uuid.UUID
) -> SmsLog:
    message = validated.message
    status, reason = SmsStatus.QUEUED, ""
    try:
        if pre_send.has_listeners(SmsMessage):
            pre_send.send(sender=SmsMessage, message=message, recipient=recipient)
    except CancelSend as cancel:
        status, reason = SmsStatus.CANCELLED, cancel.reason[:255]
    return SmsLog(
        recipient=recipient,
        sender=validated.sender,
        body=_logged_body(message, final=status != SmsStatus.QUEUED),
        language=validated.lang,
        segments=validated.info.segments,
        category=message.category,
        content_type=validated.content_type,
        backend=validated.backend_alias,
        status=status,
        result_message=reason,
        country=region,
        created_at=timezone.now(),
        send_at=validated.send_at,
        tag=message.tag,
        metadata=validated.metadata,
        idempotency_key=message.idempotency_key or "",
        fingerprint=validated.fingerprint,
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


def _earlier_rows(validated: ValidatedMessage) -> list[SmsLog] | None:
    """Rows of an earlier call with the same idempotency key, if any."""
    rows = list(
        SmsLog.objects.filter(
            idempotency_key=validated.message.idempotency_key
        ).order_by("pk")
    )
    if not rows:
        return None
    if rows[0].fingerprint != validated.fingerprint:
        raise IdempotencyConflict(
            "This idempotency key was already used for a different message; "
            "use a new key for a new message."
        )
    return rows
