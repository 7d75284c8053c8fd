"""The single delivery path, status lookups and the sweeper.

:func:`deliver` is called by the synchronous send and by the task workers alike:

1. **claim** the QUEUED rows with one compare-and-set UPDATE (QUEUED → SENDING
   under a fresh claim token), so a row is sent by one caller only, however many
   workers receive the same task;
2. **transmit** each claimed row through its backend (a bounded thread pool for
   many rows; the database is only touched from the calling thread);
3. **record** the outcomes with one UPDATE per outcome group — SENT rows in one
   ``bulk_update`` — so the number of statements does not grow with the rows.

The claim and the record each change the daily rollups in their own transaction
(:mod:`~django_turkeysms.rollups`): one more statement for the claim, two for
the record (the claimed rows are locked and read first: a row the sweeper gave
up on meanwhile is no longer SENDING).

Outcomes follow the error's retry class: SENT; FAILED (permanent); back to
QUEUED with a capped, fully jittered exponential backoff (transient — the
provider never processed the request); UNKNOWN (ambiguous — it may have been
sent, so it is never re-sent automatically). A message the backend's pacing held
back (:class:`~.exceptions.SendDeferred`) goes back to QUEUED for the wait it was
told, and its attempt is given back.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from django_turkeysms import rollups
from django_turkeysms._bulk import update_rows
from django_turkeysms.backends.base import BaseSmsBackend, Outcome, Transmit, send_all
from django_turkeysms.conf import conf
from django_turkeysms.encoding import SmsLang
from django_turkeysms.exceptions import (
    RateLimited,
    Retry,
    SendDeferred,
    SmsSendError,
)
from django_turkeysms.handler import sms_backends
from django_turkeysms.message import PreparedSms, SendResult, SmsStatus
from django_turkeysms.models import REDACTED, SmsLog
from django_turkeysms.signals import sms_failed, sms_sent
from django_turkeysms.transactions import write_transaction

logger = logging.getLogger(__name__)


# -- deliver -----------------------------------------------------------------------


def deliver(
    log_ids: Sequence[int],
    *,
    texts: Mapping[int, str] | None = None,
    transmit: Transmit | None = None,
    now: datetime | None = None,
) -> list[SmsLog]:
    """Send the due QUEUED rows among ``log_ids`` that this call manages to claim.

    ``texts`` supplies texts that are not stored in the log (OTP messages);
    ``transmit`` replaces ``backend.send`` (provider-generated OTP codes).
    Returns the claimed rows in their final state; rows claimed by someone else,
    not yet due, or already final are skipped.
    """
    token = uuid.uuid4()
    claimed = _claim(log_ids, token, now or timezone.now())
    if not claimed:
        return []
    groups = _by_backend(claimed)
    backends = _backends(groups, claimed)
    outcomes: dict[int, Outcome] = {}
    for alias, rows in groups.items():
        outcomes.update(_transmit(backends[alias], rows, texts or {}, transmit))
    _record(claimed, outcomes, token)
    return claimed


def _claim(log_ids: Sequence[int], token: uuid.UUID, now: datetime) -> list[SmsLog]:
    """Compare-and-set QUEUED → SENDING; return the rows this token won."""
    with transaction.atomic(savepoint=False):
        updated = (
            SmsLog.objects.filter(pk__in=list(log_ids))
            .due(now)
            .update(
                status=SmsStatus.SENDING,
                claim=token,
                claimed_at=now,
                attempts=F("attempts") + 1,
            )
        )
        if not updated:
            return []
        claimed = list(SmsLog.objects.filter(claim=token).order_by("pk"))
        rollups.moved(claimed, SmsStatus.QUEUED)
    return claimed


def _release(rows: list[SmsLog]) -> None:
    """Give claimed rows back untouched (their backend cannot even be built)."""
    rollups.update(
        SmsLog.objects.filter(
            pk__in=[row.pk for row in rows], status=SmsStatus.SENDING
        ),
        status=SmsStatus.QUEUED,
        claim=None,
        claimed_at=None,
        attempts=F("attempts") - 1,
    )


def _by_backend(rows: Iterable[SmsLog]) -> dict[str, list[SmsLog]]:
    groups: dict[str, list[SmsLog]] = defaultdict(list)
    for row in rows:
        groups[row.backend].append(row)
    return groups


def _backends(
    groups: Mapping[str, list[SmsLog]], claimed: list[SmsLog]
) -> dict[str, BaseSmsBackend]:
    """Every group's backend, built before anything is sent: when one cannot be
    built, all claimed rows go back untouched and the error is raised."""
    try:
        return {alias: sms_backends[alias] for alias in groups}
    except ImproperlyConfigured:
        _release(claimed)
        raise


def _transmit(
    backend: BaseSmsBackend,
    rows: list[SmsLog],
    texts: Mapping[int, str],
    transmit: Transmit | None,
) -> dict[int, Outcome]:
    """Send each row through ``backend``; returns pk → result or error."""
    prepared = [_prepared(row, texts) for row in rows]
    results = send_all(
        backend, prepared, max_workers=conf.MAX_WORKERS, transmit=transmit
    )
    return {row.pk: result for row, result in zip(rows, results, strict=True)}


def _prepared(row: SmsLog, texts: Mapping[int, str]) -> PreparedSms | SmsSendError:
    text = texts.get(row.pk, row.body)
    if text == REDACTED:
        return SmsSendError(
            "The text of this message was not stored (OTP or redacted); it cannot be sent again.",
            code="LOCAL-REDACTED",
        )
    return PreparedSms(
        to=str(row.recipient),
        text=text,
        sender=row.sender,
        lang=SmsLang(row.language),
        segments=row.segments,
        content_type=row.content_type,
        category=row.category,
        log_id=row.pk,
    )


# -- record ------------------------------------------------------------------------


@dataclass
class _Groups:
    sent: list[tuple[SmsLog, SendResult]]
    failed: dict[tuple[str, str], list[SmsLog]]
    retry: list[tuple[SmsLog, SmsSendError]]
    unknown: dict[tuple[str, str], list[SmsLog]]
    deferred: dict[tuple[str, str], list[tuple[SmsLog, SendDeferred]]]


def _record(
    rows: list[SmsLog], outcomes: Mapping[int, Outcome], token: uuid.UUID
) -> None:
    groups = _group(rows, outcomes)
    now = timezone.now()
    with write_transaction(SmsLog, savepoint=False):
        # Every row this token still holds is written below, whatever its
        # status now (the sweeper may have given up on it): lock them and
        # count them again as written.
        before = rollups.lock(SmsLog.objects.filter(claim=token))
        _record_sent(groups.sent, token, now)
        for (code, message), failed in groups.failed.items():
            _finish(failed, token, SmsStatus.FAILED, code, message)
        for (code, message), unknown in groups.unknown.items():
            _finish(unknown, token, SmsStatus.UNKNOWN, code, message)
        _schedule_retry(groups.retry, token, now)
        for (code, message), deferred in groups.deferred.items():
            _defer(deferred, token, now, code or "LOCAL-PACED", message)
        after = [rollups.counted(row) for row in rows if row.pk in before]
        rollups.apply(before.values(), after)
    _signal(rows, outcomes)


def _group(rows: list[SmsLog], outcomes: Mapping[int, Outcome]) -> _Groups:
    groups = _Groups(
        sent=[],
        failed=defaultdict(list),
        retry=[],
        unknown=defaultdict(list),
        deferred=defaultdict(list),
    )
    for row in rows:
        outcome = outcomes[row.pk]
        if isinstance(outcome, SendResult):
            groups.sent.append((row, outcome))
        elif row.body == REDACTED and _would_wait(outcome, row):
            groups.failed[_not_kept(outcome)].append(row)
        elif isinstance(outcome, SendDeferred):
            groups.deferred[outcome.code[:32], str(outcome)[:255]].append(
                (row, outcome)
            )
        elif outcome.retry is Retry.TRANSIENT and row.attempts < conf.MAX_ATTEMPTS:
            groups.retry.append((row, outcome))
        elif outcome.retry is Retry.AMBIGUOUS:
            groups.unknown[_describe(outcome)].append(row)
        else:
            groups.failed[_describe(outcome, attempts=row.attempts)].append(row)
    return groups


def _would_wait(error: SmsSendError, row: SmsLog) -> bool:
    """Whether ``error`` would put the row back in the queue for a later try."""
    if isinstance(error, SendDeferred):
        return True
    return error.retry is Retry.TRANSIENT and row.attempts < conf.MAX_ATTEMPTS


def _not_kept(error: SmsSendError) -> tuple[str, str]:
    """A row whose text is not stored (a one-time code) cannot wait for a later
    try: nothing could send it then. It fails now, so that the person can ask
    for a new code at once instead of waiting for a code that never comes."""
    message = f"Not sent, and its text is not stored for a later try: {error}"
    return (error.code or "LOCAL-NOT-KEPT")[:32], message[:255]


def _describe(error: SmsSendError, *, attempts: int = 0) -> tuple[str, str]:
    message = str(error)
    if error.retry is Retry.TRANSIENT:
        message = f"Gave up after {attempts} attempts: {message}"
    return error.code[:32], message[:255]


def _record_sent(
    sent: list[tuple[SmsLog, SendResult]], token: uuid.UUID, now: datetime
) -> None:
    """All SENT rows in one statement, each with its provider id and answer."""
    constants: dict[str, Any] = {
        "status": SmsStatus.SENT,
        "sent_at": now,
        "next_attempt_at": None,
    }
    if not conf.LOG_MESSAGE_BODY:
        constants["body"] = REDACTED
    for row, result in sent:
        row.provider_id = result.provider_id[:64]
        row.credits = result.credits
        row.result_code = result.code[:32]
        row.result_message = result.message[:255]
        row.provider_response = dict(result.raw)
    rows = [row for row, _ in sent]
    fields = [
        "provider_id",
        "credits",
        "result_code",
        "result_message",
        "provider_response",
    ]
    update_rows(
        SmsLog.objects.all(), rows, fields, constants=constants, where={"claim": token}
    )
    for row in rows:
        for name, value in constants.items():
            setattr(row, name, value)


def _finish(
    rows: list[SmsLog], token: uuid.UUID, status: str, code: str, message: str
) -> None:
    body_update: dict[str, Any] = {} if conf.LOG_MESSAGE_BODY else {"body": REDACTED}
    _apply(
        rows,
        token,
        status=status,
        result_code=code,
        result_message=message,
        next_attempt_at=None,
        **body_update,
    )


def _apply(
    rows: list[SmsLog],
    token: uuid.UUID,
    *,
    give_back_attempt: bool = False,
    **values: Any,
) -> None:
    """One UPDATE of the ``rows`` this token claimed, mirrored on the objects;
    ``give_back_attempt`` undoes the claim's count of an attempt."""
    expressions = {"attempts": F("attempts") - 1} if give_back_attempt else {}
    SmsLog.objects.filter(pk__in=[row.pk for row in rows], claim=token).update(
        **values, **expressions
    )
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)
        row.attempts -= give_back_attempt


def _schedule_retry(
    retries: list[tuple[SmsLog, SmsSendError]], token: uuid.UUID, now: datetime
) -> None:
    """Back to QUEUED, due after one jittered backoff shared by the group."""
    if not retries:
        return
    rows = [row for row, _ in retries]
    error = retries[0][1]
    delay = backoff(max(row.attempts for row in rows), error)
    code, message = error.code[:32], str(error)[:255]
    _apply(
        rows,
        token,
        status=SmsStatus.QUEUED,
        next_attempt_at=now + timedelta(seconds=delay),
        result_code=code,
        result_message=message,
    )


def _defer(
    deferred: list[tuple[SmsLog, SendDeferred]],
    token: uuid.UUID,
    now: datetime,
    code: str,
    message: str,
) -> None:
    """Back to QUEUED, due when the last of them may go, and the attempt given
    back: pacing kept them from the provider, which processed nothing."""
    wait = max(error.retry_after for _, error in deferred)
    _apply(
        [row for row, _ in deferred],
        token,
        give_back_attempt=True,
        status=SmsStatus.QUEUED,
        next_attempt_at=now + timedelta(seconds=wait),
        result_code=code,
        result_message=message,
    )


def backoff(attempts: int, error: SmsSendError | None = None) -> float:
    """Seconds before the next try: capped exponential backoff with full jitter.

    A provider's ``Retry-After`` is honoured as a lower bound.
    """
    cap = min(conf.RETRY_MAX_DELAY, conf.RETRY_BASE_DELAY * 2 ** max(attempts - 1, 0))
    delay = random.uniform(0, cap)  # noqa: S311 - jitter, not a secret
    if isinstance(error, RateLimited) and error.retry_after:
        delay = max(delay, min(error.retry_after, conf.RETRY_MAX_DELAY))
    return delay


def _signal(rows: list[SmsLog], outcomes: Mapping[int, Outcome]) -> None:
    for row in rows:
        outcome = outcomes[row.pk]
        if isinstance(outcome, SendResult):
            sms_sent.send(sender=SmsLog, log=row, result=outcome)
        elif row.status in (SmsStatus.FAILED, SmsStatus.UNKNOWN):
            sms_failed.send(sender=SmsLog, log=row, error=outcome)
