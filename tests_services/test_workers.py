"""Asynchronous sending with real worker processes on PostgreSQL, Redis and
RabbitMQ: ``db_worker`` (django-tasks-db), RQ (django-tasks-rq) and Celery
(django-tasks-fennel).

Every test commits real rows (transactional tests) so that separate worker
processes see them; the sandbox counts what reached the "provider".
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

import django
import django_rq
import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks.signals import task_enqueued as backport_task_enqueued
from django_tasks_db.models import DBTaskResult
from django_tasks_fennel.app import app as celery_app
from kombu.transport.native_delayed_delivery import (
    bind_queue_to_native_delayed_delivery_exchange,
    declare_native_delayed_delivery_exchanges_and_queues,
)

from django_turkeysms import send_sms
from django_turkeysms.models import SmsLog
from tests_services.conftest import wait_for

if TYPE_CHECKING or django.VERSION >= (6, 0):
    from django.tasks.signals import task_enqueued
else:
    task_enqueued = backport_task_enqueued

pytestmark = [pytest.mark.django_db(transaction=True)]

FINAL = (SmsLog.Status.SENT, SmsLog.Status.FAILED, SmsLog.Status.UNKNOWN)
KINDS = ["db", "rq", "celery"]


class DatabaseQueue:
    """django-tasks-db's table (emptied by the transactional test case)."""

    def waiting(self) -> int:
        return int(DBTaskResult.objects.ready().count())

    def clear(self) -> None:
        pass


class RedisQueue:
    """RQ's queue in Redis."""

    def waiting(self) -> int:
        return int(django_rq.get_queue("default").count)

    def clear(self) -> None:
        django_rq.get_connection("default").flushdb()


class RabbitQueue:
    """The RabbitMQ queue behind the Tasks queue "default" (see the settings)."""

    def waiting(self) -> int:
        with celery_app.connection_for_write() as connection:
            queue = self._queue(connection)
            return int(queue.queue_declare(passive=True).message_count)

    def clear(self) -> None:
        """Declare the queue and the delay exchanges, as a worker does when it
        starts (a task scheduled before them is unroutable); purge the queue."""
        with celery_app.connection_for_write() as connection:
            queue = self._queue(connection)
            queue.declare()
            declare_native_delayed_delivery_exchanges_and_queues(connection, "quorum")
            bind_queue_to_native_delayed_delivery_exchange(connection, queue)
            queue.purge()

    @staticmethod
    def _queue(connection):
        return celery_app.amqp.queues["default"](connection.default_channel)


QUEUES = {"db": DatabaseQueue, "rq": RedisQueue, "celery": RabbitQueue}


@pytest.fixture
def task_queue(kind):
    """The queue of this test's kind, emptied before and after."""
    queue = QUEUES[kind]()
    queue.clear()
    yield queue
    queue.clear()


# A backend sends the signal of the Tasks framework it is built on: on Django 6,
# django-tasks-rq still sends the backport's.
ENQUEUED_SIGNALS = {task_enqueued, backport_task_enqueued}


@pytest.fixture
def enqueued():
    """Every task enqueued by this process, whatever the task backend."""
    results = []

    def record(sender, task_result, **kwargs):
        results.append(task_result)

    for signal in ENQUEUED_SIGNALS:
        signal.connect(record)
    yield results
    for signal in ENQUEUED_SIGNALS:
        signal.disconnect(record)


def numbers(count: int) -> list[str]:
    return [f"+90532{n:07d}" for n in range(count)]


def all_final(count: int) -> bool:
    return SmsLog.objects.filter(status__in=FINAL).count() == count


def provider_sends(sandbox) -> Counter[str]:
    return Counter(message.number for message in sandbox.messages)


def assert_each_sent_exactly_once(sandbox, count: int) -> None:
    sends = provider_sends(sandbox)
    assert len(sends) == count
    assert set(sends.values()) == {1}
    assert SmsLog.objects.filter(status=SmsLog.Status.SENT).count() == count
    for log in SmsLog.objects.only("recipient", "provider_id"):
        assert sandbox.sends_for(str(log.recipient).lstrip("+")) == 1


def send_in_transaction(text: str, to: list[str], **kwargs):
    with transaction.atomic():
        return send_sms(text, to, **kwargs)


@pytest.mark.parametrize("kind", KINDS)
def test_two_workers_drain_a_thousand_messages(services, workers, task_queue, kind):
    services.configure(ASYNC=True, TASK_BACKEND=kind, TASK_BATCH_SIZE=50)
    logs = send_in_transaction("Merhaba", numbers(1000))
    assert {log.status for log in logs} == {SmsLog.Status.QUEUED}
    # 1,000 messages, 20 tasks (a broker may count a moment after the publish)
    wait_for(lambda: task_queue.waiting() == 20, timeout=10, message="20 tasks")
    workers.start(kind, 2)
    wait_for(lambda: all_final(1000), timeout=180, message="1,000 final rows")
    assert_each_sent_exactly_once(services.sandbox, 1000)


# How a queue gets back the tasks of a killed worker. django-tasks-db leaves
# them "running" for good: the sweeper re-enqueues their rows after
# QUEUED_TIMEOUT. RabbitMQ redelivers the unacknowledged messages of a lost
# connection (acks late): the sweeper must not be needed for QUEUED rows.
# RQ is left out: its work horse runs in a session of its own, so killing the
# worker does not stop the delivery in progress.
QUEUED_TIMEOUT = {"db": 2.0, "celery": 600.0}


@pytest.mark.parametrize("kind", list(QUEUED_TIMEOUT))
def test_killed_worker_loses_nothing_and_sends_nothing_twice(
    services, workers, task_queue, capsys, kind
):
    services.configure(
        ASYNC=True,
        TASK_BACKEND=kind,
        TASK_BATCH_SIZE=50,
        SENDING_TIMEOUT=2.0,
        QUEUED_TIMEOUT=QUEUED_TIMEOUT[kind],
    )
    services.sandbox.inject("latency", seconds=0.05)
    send_in_transaction("Merhaba", numbers(1000))
    victim, _survivor = workers.start(kind, 2)
    wait_for(
        lambda: SmsLog.objects.filter(status=SmsLog.Status.SENT).count() >= 250,
        timeout=120,
        message="a quarter of the drain",
    )
    workers.kill(victim)
    killed_at = timezone.now()
    workers.start(kind, 1)  # the restart

    def settled():
        if timezone.now() > killed_at + timedelta(seconds=2.5):
            call_command("turkeysms_status", "--sweep", verbosity=0)
        return all_final(1000)

    wait_for(
        settled, timeout=180, interval=0.5, message="every row final after the kill"
    )
    sends = provider_sends(services.sandbox)
    assert max(sends.values()) == 1  # no duplicates
    statuses = Counter(SmsLog.objects.values_list("status", flat=True))
    assert set(statuses) <= {SmsLog.Status.SENT, SmsLog.Status.UNKNOWN}
    for log in SmsLog.objects.filter(status=SmsLog.Status.SENT):
        assert sends[str(log.recipient).lstrip("+")] == 1
    unknown = list(SmsLog.objects.filter(status=SmsLog.Status.UNKNOWN).order_by("pk"))
    assert all(log.result_code == "LOCAL-INTERRUPTED" for log in unknown)
    with capsys.disabled():
        print(
            f"\nSIGKILL mid-drain ({kind}): {statuses[SmsLog.Status.SENT]} sent, {len(unknown)} unknown "
            f"(ids {[log.pk for log in unknown][:10]}…); provider saw {sum(sends.values())} messages, "
            "none twice"
        )


@pytest.mark.parametrize("kind", KINDS)
def test_rolled_back_transaction_sends_and_enqueues_nothing(
    services, workers, task_queue, enqueued, kind
):
    services.configure(ASYNC=True, TASK_BACKEND=kind)
    with pytest.raises(RuntimeError), transaction.atomic():
        send_sms("Merhaba", numbers(5))
        raise RuntimeError("rolled back")
    assert SmsLog.objects.count() == 0
    assert enqueued == []
    assert task_queue.waiting() == 0
    workers.start(kind, 1)
    # A committed message afterwards: once the worker has sent it, it would have
    # sent anything the rolled-back transaction had left behind.
    [marker] = send_sms("Merhaba", "+905321239999")
    wait_for(
        lambda: SmsLog.objects.filter(pk=marker.pk, status=SmsLog.Status.SENT).exists(),
        timeout=60,
        message="the committed marker message",
    )
    assert SmsLog.objects.count() == len(enqueued) == 1
    assert task_queue.waiting() == 0
    assert services.sandbox.request_count == 1


@pytest.mark.parametrize("kind", KINDS)
def test_scheduled_send_waits_for_send_at(services, workers, task_queue, kind):
    services.configure(ASYNC=True, TASK_BACKEND=kind)
    workers.start(kind, 1)
    send_at = timezone.now() + timedelta(seconds=3)
    [log] = send_in_transaction("Randevunuz yarın.", numbers(1), send_at=send_at)
    wait_for(
        lambda: timezone.now() >= send_at - timedelta(seconds=0.5),
        timeout=5,
        message="just before send_at",
    )
    log.refresh_from_db()
    assert log.status == SmsLog.Status.QUEUED
    assert services.sandbox.messages == []
    wait_for(
        lambda: SmsLog.objects.get(pk=log.pk).status == SmsLog.Status.SENT,
        timeout=30,
        message="sent",
    )
    log.refresh_from_db()
    assert log.sent_at >= send_at
    assert services.sandbox.messages[0].created >= send_at


def test_transient_failure_is_retried_by_the_worker(services, workers):
    services.configure(
        ASYNC=True, TASK_BACKEND="db", RETRY_BASE_DELAY=0.5, RETRY_MAX_DELAY=1.0
    )
    services.sandbox.inject("http_503", number="905320000000", times=2)
    send_in_transaction("Merhaba", numbers(3))
    workers.start("db", 1)
    wait_for(lambda: all_final(3), timeout=60, message="3 final rows")
    log = SmsLog.objects.get(recipient="+905320000000")
    assert (log.status, log.attempts) == (SmsLog.Status.SENT, 3)
    assert services.sandbox.requests_for("905320000000") == 3
    assert services.sandbox.sends_for("905320000000") == 1


def test_a_task_delivered_twice_sends_once(services, workers):
    services.configure(ASYNC=True, TASK_BACKEND="db")
    logs = send_in_transaction("Merhaba", numbers(10))
    from django_turkeysms.tasks import enqueue

    enqueue([log.pk for log in logs])  # the same rows, a second task
    workers.start("db", 2)
    wait_for(lambda: all_final(10), timeout=60, message="10 final rows")
    assert_each_sent_exactly_once(services.sandbox, 10)
