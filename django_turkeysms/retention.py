"""KVKK retention: old SMS log rows deleted or anonymised, expired OTP challenges deleted.

Work happens in batches of primary keys so that no transaction or lock is long.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypeVar

from django.db import models

from django_turkeysms import rollups
from django_turkeysms.message import SmsStatus
from django_turkeysms.models import REDACTED, OtpChallenge, SmsLog

#: Rows per DELETE or UPDATE, to keep transactions and locks short.
BATCH_SIZE = 10_000

#: Statuses a message never leaves on its own; QUEUED and SENDING rows are kept.
FINAL_STATUSES = (
    SmsStatus.SENT,
    SmsStatus.DELIVERED,
    SmsStatus.UNDELIVERED,
    SmsStatus.FAILED,
    SmsStatus.UNKNOWN,
    SmsStatus.CANCELLED,
)

#: What an anonymised row keeps of its personal data. The idempotency key goes
#: too: with every recipient emptied, the rows of one call would collide on the
#: unique (idempotency_key, recipient) constraint; the fingerprint is a digest of
#: the text and the numbers.
ANONYMOUS: dict[str, Any] = {
    "body": REDACTED,
    "recipient": "",
    "metadata": {},
    "provider_response": {},
    "tag": "",
    "idempotency_key": "",
    "fingerprint": "",
}

M = TypeVar("M", bound=models.Model)


def old_logs(cutoff: datetime, *, anonymise: bool) -> models.QuerySet[SmsLog]:
    """Final rows created before ``cutoff``; not yet anonymised ones, to anonymise."""
    rows = SmsLog.objects.filter(created_at__lt=cutoff, status__in=FINAL_STATUSES)
    return rows.exclude(recipient="") if anonymise else rows


def id_batches(queryset: models.QuerySet[M]) -> Iterator[list[Any]]:
    """The primary keys of ``queryset``, ascending, ``BATCH_SIZE`` at a time."""
    page = queryset.order_by("pk")
    while ids := list(page.values_list("pk", flat=True)[:BATCH_SIZE]):
        yield ids
        page = queryset.filter(pk__gt=ids[-1]).order_by("pk")


def delete(queryset: models.QuerySet[M]) -> int:
    label = queryset.model._meta.label
    return sum(
        queryset.filter(pk__in=ids).delete()[1].get(label, 0)
        for ids in id_batches(queryset)
    )


def delete_logs(queryset: models.QuerySet[SmsLog]) -> int:
    """Delete log rows in batches, each taken off the daily rollups with it."""
    return sum(
        rollups.delete(queryset.filter(pk__in=ids)) for ids in id_batches(queryset)
    )


def anonymise_rows(queryset: models.QuerySet[SmsLog]) -> int:
    """Blank the personal data of log rows. The rollups count days, statuses and
    credits, none of which changes: they stay as they are."""
    return sum(
        queryset.filter(pk__in=ids).update(**ANONYMOUS) for ids in id_batches(queryset)
    )


def cleanup(cutoff: datetime, *, anonymise: bool, dry_run: bool) -> tuple[int, int]:
    """(log rows, OTP challenges) deleted or anonymised — or, dry, that would be."""
    logs = old_logs(cutoff, anonymise=anonymise)
    otps = OtpChallenge.objects.expired(cutoff)
    if dry_run:
        return logs.count(), otps.count()
    if anonymise:
        return anonymise_rows(logs), delete(otps)
    return delete_logs(logs), delete(otps)
