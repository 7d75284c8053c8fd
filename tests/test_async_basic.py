"""ASYNC sending through Django's Tasks framework (immediate and dummy backends).

Real worker processes on PostgreSQL and Redis are exercised by the service suite.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from django_turkeysms import send_sms, tasks
from django_turkeysms.exceptions import InvalidMessage
from django_turkeysms.models import SmsLog
from django_turkeysms.tasks import batches, requeue_lost
from tests.conftest import provider_settings

NUMBER = "05321234567"


@pytest.fixture
def async_sandbox(settings, turkeysms_sandbox):
    settings.TURKEYSMS = {**provider_settings(turkeysms_sandbox), "ASYNC": True}
    return turkeysms_sandbox


def use_dummy_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": f"{settings.TASKS_MODULE}.backends.dummy.DummyBackend"}
    }


@pytest.mark.django_db(transaction=True)
def test_async_send_is_delivered_after_commit(async_sandbox):
    with transaction.atomic():
        [log] = send_sms("Merhaba", NUMBER)
        assert log.status == SmsLog.Status.QUEUED
        assert async_sandbox.messages == []
    log.refresh_from_db()
    assert log.status == SmsLog.Status.SENT
    assert len(async_sandbox.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_send_sends_and_enqueues_nothing(async_sandbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_sms("Merhaba", NUMBER)
        raise RuntimeError("the view failed")
    assert SmsLog.objects.count() == 0
    assert async_sandbox.request_count == 0


@pytest.mark.django_db
def test_ids_are_batched(settings, async_sandbox, django_capture_on_commit_callbacks):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "TASK_BATCH_SIZE": 40}
    use_dummy_tasks(settings)
    from django_turkeysms._compat import task_backends

    backend = task_backends["default"]
    backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        logs = send_sms("Merhaba", [f"+90532{n:07d}" for n in range(100)])
    assert [len(result.args[0]) for result in backend.results] == [40, 40, 20]
    assert {log.status for log in logs} == {SmsLog.Status.QUEUED}


def test_batches():
    assert batches([]) == []
    assert batches(list(range(5))) == [[0, 1, 2, 3, 4]]


@pytest.mark.django_db
def test_scheduled_send_needs_a_backend_that_can_defer(async_sandbox):
    with pytest.raises(InvalidMessage, match="cannot"):
        send_sms("Merhaba", NUMBER, send_at=timezone.now() + timedelta(hours=1))
    assert SmsLog.objects.count() == 0


@pytest.mark.django_db
def test_scheduled_send_is_enqueued_to_run_later(
    settings, async_sandbox, django_capture_on_commit_callbacks
):
    use_dummy_tasks(settings)
    from django_turkeysms._compat import task_backends

    backend = task_backends["default"]
    backend.clear()
    when = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        [log] = send_sms("Merhaba", NUMBER, send_at=when)
    assert log.send_at == when
    [result] = backend.results
    assert result.task.run_after == when


@pytest.mark.django_db
def test_lost_queued_rows_are_requeued(
    settings, async_sandbox, django_capture_on_commit_callbacks
):
    use_dummy_tasks(settings)
    with django_capture_on_commit_callbacks(execute=False):
        [log] = send_sms("Merhaba", NUMBER)  # the on_commit callback never runs
    assert requeue_lost() == 0  # too recent
    later = timezone.now() + timedelta(hours=1)
    assert requeue_lost(now=later) == 1
    assert requeue_lost(now=later) == 0  # not again until QUEUED_TIMEOUT passes


@pytest.mark.django_db(transaction=True)
def test_task_backend_down_leaves_rows_for_the_sweeper(
    async_sandbox, monkeypatch, caplog
):

    def broker_down(ids, run_after=None):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks, "enqueue", broker_down)
    with transaction.atomic():
        [log] = send_sms("Merhaba", NUMBER)  # the view itself does not fail
    log.refresh_from_db()
    assert log.status == SmsLog.Status.QUEUED
    assert "broker unreachable" in caplog.text
    monkeypatch.undo()
    SmsLog.objects.filter(pk=log.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )
    assert requeue_lost() == 1
    log.refresh_from_db()
    assert log.status == SmsLog.Status.SENT
    assert len(async_sandbox.messages) == 1
