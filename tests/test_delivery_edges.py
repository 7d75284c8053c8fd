"""Less travelled paths of sending and delivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from django_turkeysms import _bulk, delivery, maintenance, send_sms, sending, tasks
from django_turkeysms.models import SmsLog
from tests.factories import SmsLogFactory

pytestmark = pytest.mark.django_db

NUMBER = "05321234567"


def test_idempotency_race_returns_the_winners_rows(sms_outbox, monkeypatch):
    [winner] = send_sms("Merhaba", NUMBER, idempotency_key="k1")
    real = sending._earlier_rows
    calls = []

    def not_yet_visible(plan):
        calls.append(plan)
        return None if len(calls) == 1 else real(plan)

    monkeypatch.setattr(sending, "_earlier_rows", not_yet_visible)
    assert send_sms("Merhaba", NUMBER, idempotency_key="k1") == [winner]
    assert len(sms_outbox) == 1


def test_databases_without_returning_ids(sms_outbox, monkeypatch):
    monkeypatch.setattr(
        type(connection.features), "can_return_rows_from_bulk_insert", False
    )
    logs = send_sms("Merhaba", [NUMBER, "05421234567"])
    assert [log.status for log in logs] == ["sent", "sent"]
    assert all(log.pk for log in logs)


def test_bulk_update_fallback_for_other_databases(sms_outbox, monkeypatch):
    monkeypatch.setattr(_bulk, "_JOIN_VENDORS", ())
    logs = send_sms("Merhaba", [NUMBER, "05421234567"])
    assert {log.status for log in logs} == {"sent"}
    assert len({log.provider_id for log in SmsLog.objects.all()}) == 2


def test_broken_backend_releases_claimed_rows(settings, sms_outbox):
    settings.TURKEYSMS = {
        "BACKENDS": {
            "default": {"BACKEND": "django_turkeysms.backends.locmem.SmsBackend"}
        },
        "ASYNC": True,
    }
    settings.TASKS = {
        "default": {"BACKEND": f"{settings.TASKS_MODULE}.backends.dummy.DummyBackend"}
    }
    [log] = send_sms("Merhaba", NUMBER)
    settings.TURKEYSMS = {"BACKENDS": {"default": {"BACKEND": "no.such.Backend"}}}
    with pytest.raises(ImproperlyConfigured):
        delivery.deliver([log.pk])
    log.refresh_from_db()
    assert (log.status, log.attempts, log.claim) == ("queued", 0, None)


def test_a_broken_backend_in_a_mixed_batch_sends_nothing(settings, sms_outbox):
    locmem = {"BACKEND": "django_turkeysms.backends.locmem.SmsBackend"}
    settings.TURKEYSMS = {"BACKENDS": {"default": locmem, "other": locmem}}
    queued = {"status": SmsLog.Status.QUEUED, "provider_id": ""}
    good = SmsLogFactory(backend="default", recipient="+905321234567", **queued)
    broken = SmsLogFactory(backend="other", recipient="+905421234567", **queued)
    settings.TURKEYSMS = {
        "BACKENDS": {"default": locmem, "other": {"BACKEND": "no.such.Backend"}}
    }
    with pytest.raises(ImproperlyConfigured):
        delivery.deliver([good.pk, broken.pk])
    assert sms_outbox == []
    for log in (good, broken):
        log.refresh_from_db()
        assert (log.status, log.attempts, log.claim) == ("queued", 0, None)


def test_deliver_with_nothing_to_claim():
    assert delivery.deliver([]) == []
    assert delivery.deliver([123456]) == []


def test_waiting_rows_are_reenqueued_only_where_the_backend_can_defer(
    settings, monkeypatch
):
    when = timezone.now() + timedelta(seconds=30)
    row = SmsLogFactory(status=SmsLog.Status.QUEUED, next_attempt_at=when)
    enqueued = []
    monkeypatch.setattr(
        tasks,
        "enqueue",
        lambda ids, run_after=None: enqueued.append((ids, run_after)),
    )
    tasks.enqueue_waiting([row.pk], delivered=[])  # the immediate backend cannot defer
    assert enqueued == []
    settings.TASKS = {
        "default": {"BACKEND": f"{settings.TASKS_MODULE}.backends.dummy.DummyBackend"}
    }
    tasks.enqueue_waiting([row.pk], delivered=[])
    assert enqueued == [([row.pk], when)]
    scheduled = SmsLogFactory(
        status=SmsLog.Status.QUEUED, send_at=when + timedelta(seconds=5)
    )
    tasks.enqueue_waiting([scheduled.pk], delivered=[])
    assert enqueued[-1] == ([scheduled.pk], when + timedelta(seconds=5))


def test_nothing_is_reenqueued_when_every_row_was_settled(settings, monkeypatch):
    settings.TASKS = {
        "default": {"BACKEND": f"{settings.TASKS_MODULE}.backends.dummy.DummyBackend"}
    }
    sent = SmsLogFactory(status=SmsLog.Status.SENT)
    monkeypatch.setattr(
        tasks, "enqueue", lambda ids, run_after=None: pytest.fail("enqueued")
    )
    tasks.enqueue_waiting([sent.pk], delivered=[sent])


def test_rows_to_refresh():
    old = SmsLogFactory()
    other = SmsLogFactory()
    SmsLogFactory(provider_id="")
    SmsLogFactory(status=SmsLog.Status.DELIVERED)
    assert maintenance.rows_to_refresh([old.pk]) == [old]
    assert set(maintenance.rows_to_refresh(None)) == {old, other}


def test_refresh_statuses_task(sms_outbox):
    [log] = send_sms("Merhaba", NUMBER)
    assert tasks.refresh_statuses.call([log.pk]) == {"delivered": 1}


def test_sweep_task_in_synchronous_mode(sms_outbox, settings):
    counts = tasks.sweep_stuck.call()
    assert counts == {"reconciled": 0, "unknown": 0, "requeued": 0}


def test_requeue_lost_delivers_directly_in_synchronous_mode(sms_outbox):
    row = SmsLogFactory(
        status=SmsLog.Status.QUEUED,
        provider_id="",
        created_at=timezone.now() - timedelta(hours=1),
    )
    assert tasks.requeue_lost() == 1
    row.refresh_from_db()
    assert row.status == SmsLog.Status.SENT
    assert len(sms_outbox) == 1


def test_model_str_and_querysets():
    row = SmsLogFactory(recipient="+905321234567", status=SmsLog.Status.SENT)
    assert str(row) == f"SMS #{row.pk} to +90 532 *** ** 67 (Sent)"
    assert list(SmsLog.objects.awaiting_report()) == [row]
