"""send_sms / SmsMessage / deliver(): the log, the one delivery path, outcomes."""

from __future__ import annotations

from datetime import timedelta

import django
import pytest
from django.db import connection
from django.utils import timezone

from django_turkeysms import SmsMessage, send_sms
from django_turkeysms.delivery import backoff, deliver
from django_turkeysms.exceptions import (
    CancelSend,
    DeliveryUncertain,
    ProviderUnavailable,
    RateLimited,
)
from django_turkeysms.models import REDACTED, SmsLog
from django_turkeysms.sending import refresh_status, retry_due, sweep_stuck
from django_turkeysms.signals import pre_send, sms_failed, sms_sent, sms_status_changed
from tests.conftest import provider_settings

pytestmark = pytest.mark.django_db

NUMBER = "05321234567"
E164 = "+905321234567"


def test_send_sms_through_the_provider(sandbox):
    [log] = send_sms("Merhaba", [NUMBER])
    assert log.status == SmsLog.Status.SENT
    assert log.provider_id == sandbox.messages[0].sms_id
    assert log.credits == 1
    assert log.segments == 1
    assert str(log.recipient) == E164
    assert log.country == "TR"
    assert log.sender == sandbox.sender
    assert log.attempts == 1
    assert log.sent_at is not None
    assert log.result_code == "TS-1024"
    assert log.provider_response["sms_id"]
    assert sandbox.messages[0].number == "905321234567"
    assert SmsLog.objects.get() == log


def test_sms_message_send_returns_rows(sandbox):
    logs = SmsMessage("Merhaba", ["05321234567", "05421234567"], tag="welcome").send()
    assert [log.status for log in logs] == [SmsLog.Status.SENT] * 2
    assert {log.tag for log in logs} == {"welcome"}
    assert len({log.batch for log in logs}) == 1
    assert len(sandbox.messages) == 2


def test_turkish_text_picks_the_turkish_encoding(sandbox):
    [log] = send_sms("Şeker ğüşıöçİ", NUMBER)
    assert log.language == 1
    assert sandbox.messages[0].sms_lang == 1


def test_arabic_text_is_ucs2(sandbox):
    [log] = send_sms("مرحبا بك", NUMBER)
    assert log.language == 2


def test_get_method(settings, turkeysms_sandbox):
    settings.TURKEYSMS = provider_settings(turkeysms_sandbox, method="GET")
    [log] = send_sms("Merhaba", NUMBER)
    assert log.status == SmsLog.Status.SENT
    assert turkeysms_sandbox.messages[0].via == "get"


def test_commercial_category_maps_to_content_type(sandbox):
    [log] = send_sms("Kampanya!", NUMBER, category="commercial")
    assert log.content_type == 2
    assert sandbox.messages[0].content_type == 2


def test_explicit_sender(settings, turkeysms_sandbox):
    turkeysms_sandbox.account(turkeysms_sandbox.api_key).senders["OTHER"] = True
    settings.TURKEYSMS = provider_settings(turkeysms_sandbox)
    [log] = send_sms("Merhaba", NUMBER, sender="OTHER")
    assert log.sender == "OTHER"
    assert turkeysms_sandbox.messages[0].sender == "OTHER"


def test_duplicates_are_sent_once(sandbox):
    logs = send_sms("Merhaba", [NUMBER, "+90 532 123 45 67", "5321234567"])
    assert len(logs) == 1
    assert len(sandbox.messages) == 1


def test_locmem_outbox(sms_outbox):
    [log] = send_sms("Merhaba", NUMBER)
    [message] = sms_outbox
    assert (message.to, message.text, message.log_id) == (E164, "Merhaba", log.pk)
    assert log.provider_id.startswith("locmem-")


# -- permanent, transient and ambiguous outcomes through the sandbox ----------------


def test_permanent_code_fails_without_retry(sandbox):
    sandbox.account(sandbox.api_key).local_balance = 0
    [log] = send_sms("Merhaba", NUMBER)
    assert log.status == SmsLog.Status.FAILED
    assert log.result_code == "TS-1027"
    assert log.attempts == 1
    assert log.next_attempt_at is None
    assert sandbox.requests_for("905321234567") == 1
    assert retry_due(now=timezone.now() + timedelta(days=1)) == 0
    assert sandbox.requests_for("905321234567") == 1


def test_transient_failure_is_retried_with_backoff(sandbox, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "RETRY_BASE_DELAY": 10.0}
    sandbox.inject("http_503", number="905321234567", times=2)
    [log] = send_sms("Merhaba", NUMBER)
    assert log.status == SmsLog.Status.QUEUED
    assert log.attempts == 1
    assert log.result_code == ""
    first_due = log.next_attempt_at
    assert timezone.now() <= first_due <= timezone.now() + timedelta(seconds=10)
    assert retry_due() == 0  # not due yet
    assert retry_due(now=first_due) == 1
    log.refresh_from_db()
    assert (log.status, log.attempts) == (SmsLog.Status.QUEUED, 2)
    assert retry_due(now=log.next_attempt_at + timedelta(seconds=1)) == 1
    log.refresh_from_db()
    assert (log.status, log.attempts) == (SmsLog.Status.SENT, 3)
    assert sandbox.requests_for("905321234567") == 3
    assert sandbox.sends_for("905321234567") == 1


def test_transient_failure_gives_up_after_max_attempts(sandbox, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "MAX_ATTEMPTS": 2}
    sandbox.inject("http_503", number="905321234567")
    [log] = send_sms("Merhaba", NUMBER)
    retry_due(now=log.next_attempt_at)
    log.refresh_from_db()
    assert log.status == SmsLog.Status.FAILED
    assert log.attempts == 2
    assert log.result_message.startswith("Gave up after 2 attempts")
    assert sandbox.requests_for("905321234567") == 2


def test_rate_limit_is_transient(sandbox):
    sandbox.account(sandbox.api_key).rate_limit_per_minute = 1
    logs = send_sms(
        "Merhaba",
        [NUMBER, "05421234567"],
    )
    assert sorted(log.status for log in logs) == [
        SmsLog.Status.QUEUED,
        SmsLog.Status.SENT,
    ]
    queued = next(log for log in logs if log.status == SmsLog.Status.QUEUED)
    assert queued.result_code == "TS-1060"


@pytest.mark.parametrize("fault", ["http_500", "reset_after", "malformed_json"])
def test_ambiguous_outcome_is_unknown_after_exactly_one_call(sandbox, fault):
    sandbox.inject(fault, number="905321234567")
    [log] = send_sms("Merhaba", NUMBER)
    assert log.status == SmsLog.Status.UNKNOWN
    assert log.attempts == 1
    assert retry_due(now=timezone.now() + timedelta(days=1)) == 0
    assert sweep_stuck(now=timezone.now() + timedelta(days=1)) == {
        "reconciled": 0,
        "unknown": 0,
    }
    assert sandbox.requests_for("905321234567") == 1


def test_backoff_is_capped_full_jitter(settings):
    settings.TURKEYSMS = {"RETRY_BASE_DELAY": 2.0, "RETRY_MAX_DELAY": 30.0}
    delays = [backoff(attempt) for attempt in range(1, 12) for _ in range(50)]
    assert min(delays) >= 0
    assert max(delays) <= 30.0
    assert max(backoff(1) for _ in range(200)) <= 2.0
    assert len({backoff(5) for _ in range(50)}) > 1  # jittered, not fixed
    assert backoff(1, RateLimited(retry_after=12)) >= 12


# -- the claim: one delivery per row, whatever calls deliver() ------------------------


def test_deliver_twice_sends_once(settings, turkeysms_sandbox):
    settings.TURKEYSMS = {**provider_settings(turkeysms_sandbox), "ASYNC": True}
    settings.TASKS = {
        "default": {"BACKEND": settings.TASKS_MODULE + ".backends.dummy.DummyBackend"}
    }
    logs = send_sms("Merhaba", [NUMBER, "05421234567"])
    ids = [log.pk for log in logs]
    assert {log.status for log in logs} == {SmsLog.Status.QUEUED}
    first = deliver(ids)
    second = deliver(ids)
    assert len(first) == 2 and second == []
    assert len(turkeysms_sandbox.messages) == 2


def test_deliver_skips_rows_that_are_not_queued(sms_outbox):
    [log] = send_sms("Merhaba", NUMBER)
    assert deliver([log.pk]) == []
    assert len(sms_outbox) == 1


# -- OTP bodies and LOG_MESSAGE_BODY ------------------------------------------------


def test_otp_text_is_sent_but_never_stored(sandbox):
    [log] = send_sms("Kodunuz: 482913", NUMBER, category="otp")
    assert log.status == SmsLog.Status.SENT
    assert log.body == REDACTED
    assert sandbox.messages[0].text == "Kodunuz: 482913"
    assert not SmsLog.objects.filter(body__contains="482913").exists()
    assert "482913" not in str(SmsLog.objects.values().get())


def test_a_redacted_row_fails_at_once_instead_of_waiting_for_a_retry(sandbox):
    """Its text is not stored: back in the queue, nothing could ever send it."""
    sandbox.inject("http_503", number="905321234567", times=1)
    [log] = send_sms("Kodunuz: 482913", NUMBER, category="otp")
    assert (log.status, log.next_attempt_at) == (SmsLog.Status.FAILED, None)
    assert log.result_message.startswith("Not sent, and its text is not stored")
    assert retry_due(now=timezone.now() + timedelta(hours=1)) == 0
    assert sandbox.sends_for("905321234567") == 0


def test_a_redacted_row_cannot_be_resent(sms_outbox):
    [log] = send_sms("Kodunuz: 482913", NUMBER, category="otp")
    SmsLog.objects.filter(pk=log.pk).update(status=SmsLog.Status.QUEUED)
    retry_due()
    log.refresh_from_db()
    assert (log.status, log.result_code) == (SmsLog.Status.FAILED, "LOCAL-REDACTED")
    assert len(sms_outbox) == 1


def test_body_not_logged_when_disabled(settings, sms_outbox):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "LOG_MESSAGE_BODY": False}
    [log] = send_sms("Gizli mesaj", NUMBER)
    assert log.body == REDACTED
    assert SmsLog.objects.get().body == REDACTED
    assert sms_outbox[0].text == "Gizli mesaj"


# -- signals ------------------------------------------------------------------------


def test_pre_send_can_cancel_one_recipient(sms_outbox):
    def consent(sender, message, recipient, **kwargs):
        if recipient == "+905421234567":
            raise CancelSend("No İYS consent")

    pre_send.connect(consent)
    try:
        logs = send_sms("Kampanya", [NUMBER, "05421234567"], category="commercial")
    finally:
        pre_send.disconnect(consent)
    statuses = {str(log.recipient): (log.status, log.result_message) for log in logs}
    assert statuses["+905421234567"] == (SmsLog.Status.CANCELLED, "No İYS consent")
    assert statuses[E164][0] == SmsLog.Status.SENT
    assert [m.to for m in sms_outbox] == [E164]


def test_sent_and_failed_signals(sandbox):
    seen = []

    def on_sent(sender, log, result, **kwargs):
        seen.append(("sent", log.pk, result.provider_id))

    def on_failed(sender, log, error, **kwargs):
        seen.append(("failed", log.pk, error.code))

    sms_sent.connect(on_sent)
    sms_failed.connect(on_failed)
    try:
        [ok] = send_sms("Merhaba", NUMBER)
        [bad] = send_sms("Merhaba", NUMBER, sender="INACTIVE")
    finally:
        sms_sent.disconnect(on_sent)
        sms_failed.disconnect(on_failed)
    assert seen == [("sent", ok.pk, ok.provider_id), ("failed", bad.pk, "TS-1028")]


# -- status lookups, monotonic ---------------------------------------------------------


def test_refresh_status_delivered(sandbox):
    changes = []

    def on_change(sender, log, old_status, new_status, **kwargs):
        changes.append((old_status, new_status))

    [log] = send_sms("Merhaba", NUMBER)
    sms_status_changed.connect(on_change)
    try:
        assert refresh_status([log]) == {"delivered": 1}
    finally:
        sms_status_changed.disconnect(on_change)
    log.refresh_from_db()
    assert log.status == SmsLog.Status.DELIVERED
    assert log.operator == "Turkcell"
    assert log.delivered_at is not None and log.status_checked_at is not None
    assert changes == [("sent", "delivered")]


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("undelivered", "undelivered"), ("pending", "sent"), ("out_of_coverage", "sent")],
)
def test_refresh_status_outcomes(sandbox, outcome, status):
    sandbox.set_outcome("905321234567", outcome)
    [log] = send_sms("Merhaba", NUMBER)
    refresh_status([log])
    log.refresh_from_db()
    assert log.status == status
    assert log.status_checked_at is not None


def test_delivered_never_goes_back(sandbox):
    [log] = send_sms("Merhaba", NUMBER)
    refresh_status([log])
    sandbox.set_outcome("905321234567", "undelivered")
    stale = SmsLog.objects.get(pk=log.pk)
    stale.status = SmsLog.Status.SENT  # an in-memory copy from before the first lookup
    refresh_status([stale])
    log.refresh_from_db()
    assert log.status == SmsLog.Status.DELIVERED


def test_refresh_status_lookup_error_is_counted(sandbox):
    [log] = send_sms("Merhaba", NUMBER)
    sandbox.inject("http_500")
    assert refresh_status([log]) == {"error": 1}
    log.refresh_from_db()
    assert log.status == SmsLog.Status.SENT


def test_refresh_status_skips_backends_without_lookup(settings, sms_outbox):
    settings.TURKEYSMS = {
        "BACKENDS": {
            "default": {"BACKEND": "django_turkeysms.backends.dummy.SmsBackend"}
        }
    }
    [log] = send_sms("Merhaba", NUMBER)
    assert refresh_status([log]) == {"skipped": 1}


# -- the sweeper ----------------------------------------------------------------------


def test_sweeper_settles_rows_stuck_in_sending(sms_outbox):
    [log] = send_sms("Merhaba", NUMBER)
    long_ago = timezone.now() - timedelta(hours=1)
    SmsLog.objects.filter(pk=log.pk).update(
        status=SmsLog.Status.SENDING, provider_id="", claimed_at=long_ago
    )
    [reconcilable] = send_sms("Merhaba", "05421234567")
    SmsLog.objects.filter(pk=reconcilable.pk).update(
        status=SmsLog.Status.SENDING, claimed_at=long_ago
    )
    assert sweep_stuck() == {"reconciled": 1, "unknown": 1}
    log.refresh_from_db()
    reconcilable.refresh_from_db()
    assert (log.status, log.result_code) == (SmsLog.Status.UNKNOWN, "LOCAL-INTERRUPTED")
    assert reconcilable.status == SmsLog.Status.DELIVERED


def test_sweeper_leaves_recent_sending_rows(sms_outbox):
    [log] = send_sms("Merhaba", NUMBER)
    SmsLog.objects.filter(pk=log.pk).update(
        status=SmsLog.Status.SENDING, claimed_at=timezone.now()
    )
    assert sweep_stuck() == {"reconciled": 0, "unknown": 0}


# -- unexpected backend errors never lose a row ---------------------------------------


def test_backend_bug_leaves_row_unknown(settings, monkeypatch, sms_outbox):
    from django_turkeysms.backends import locmem

    def explode(self, message):
        raise RuntimeError("bug")

    monkeypatch.setattr(locmem.SmsBackend, "send", explode)
    [log] = send_sms("Merhaba", NUMBER)
    assert log.status == SmsLog.Status.UNKNOWN
    assert "RuntimeError" in log.result_message


def test_transport_errors_have_the_right_retry_class():
    assert ProviderUnavailable.retry.value == "transient"
    assert DeliveryUncertain.retry.value == "ambiguous"


# -- many recipients: bounded statements, bounded pool ----------------------------------


def insert_statements(count):
    """INSERTs Django needs for ``count`` rows: SQLite on Django 5.2 caps parameters."""
    fields = SmsLog._meta.concrete_fields
    per_statement = connection.ops.bulk_batch_size(fields, [SmsLog()] * count) or count
    return -(-count // min(per_statement, 1000))


@pytest.mark.parametrize("count", [10, 1000])
def test_statements_do_not_grow_with_recipients(
    sms_outbox, django_assert_max_num_queries, count
):
    numbers = [f"+90532{n:07d}" for n in range(count)]
    # The INSERTs, then one rollup upsert; claim: UPDATE, SELECT, upsert; record:
    # SQLite's write lock, the locking SELECT, one UPDATE, upsert.
    with django_assert_max_num_queries(8 + insert_statements(count)):
        logs = send_sms("Merhaba", numbers)
    assert len(logs) == count
    assert SmsLog.objects.filter(status=SmsLog.Status.SENT).count() == count
    assert len(sms_outbox) == count


def test_failures_are_recorded_in_grouped_statements(
    sandbox, django_assert_max_num_queries
):
    numbers = [f"+90532{n:07d}" for n in range(40)]
    for number in numbers[:10]:
        sandbox.inject("http_500", number=number.lstrip("+"))
    for number in numbers[10:20]:
        sandbox.inject("http_503", number=number.lstrip("+"))
    # As above, with one UPDATE for each of the three outcomes. Django 5.2 splits
    # the INSERT of 40 rows in two on SQLite (999 variables a statement; 6.0
    # reads the real limit of the SQLite it runs on).
    with django_assert_max_num_queries(11 + (django.VERSION < (6, 0))):
        logs = send_sms("Merhaba", numbers)
    statuses = [log.status for log in logs]
    assert statuses.count(SmsLog.Status.UNKNOWN) == 10
    assert statuses.count(SmsLog.Status.QUEUED) == 10
    assert statuses.count(SmsLog.Status.SENT) == 20


def test_pool_sends_in_parallel_with_bounded_connections(settings, turkeysms_sandbox):
    settings.TURKEYSMS = {**provider_settings(turkeysms_sandbox), "MAX_WORKERS": 4}
    turkeysms_sandbox.inject("latency", seconds=0.05)
    numbers = [f"+90532{n:07d}" for n in range(40)]
    started = timezone.now()
    logs = send_sms("Merhaba", numbers)
    elapsed = (timezone.now() - started).total_seconds()
    assert {log.status for log in logs} == {SmsLog.Status.SENT}
    assert turkeysms_sandbox.connections_opened <= 4 + 1
    assert elapsed < 40 * 0.05  # parallel: well under the sequential time
