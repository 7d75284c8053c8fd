"""Asynchronous sending on django-tasks-db workers, PostgreSQL, the sandbox process.

    python bench/queue.py [--quick]

1. Enqueue overhead: ``enqueue_on_commit()`` inside ``transaction.atomic()`` (what
   ``send_sms`` does with ``ASYNC``) vs a bare ``deliver_sms.enqueue()`` of the same
   task and ids. Target ≤ 1.1×. And the task rows one batched ``send_sms`` makes:
   target ≥ 10× fewer rows than messages.
2. End to end: messages queued with ``send_sms`` and drained to the sandbox by 1
   and 2 ``db_worker`` processes, vs the same workers draining one no-op task per
   message (the queue's own cost in a task-per-SMS design). Targets: ≥ 200 msg/s
   with 2 workers; ≥ 60 % of the no-op drain rate.

Rounds are interleaved; each figure is a median.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder would come first on sys.path and shadow the
# standard library's ``queue``; the project root replaces it.
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench._common import (  # noqa: E402
    SandboxProcess,
    database,
    interleaved,
    ratio_line,
    report,
    sandbox_process,
)

database()

from django.db import transaction  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from bench.tasks import noop  # noqa: E402
from django_turkeysms import send_sms  # noqa: E402
from django_turkeysms.models import SmsLog  # noqa: E402
from django_turkeysms.tasks import deliver_sms, enqueue_on_commit  # noqa: E402

BATCH = 100


def configure(sandbox: SandboxProcess) -> None:
    from django.conf import settings

    config = {
        "BACKENDS": {
            "default": {
                "BACKEND": "django_turkeysms.backends.turkeysms.SmsBackend",
                "OPTIONS": {
                    "api_key": sandbox.api_key,
                    "sender": sandbox.sender,
                    "base_url": sandbox.base_url,
                },
            }
        },
        "ASYNC": True,
        "TASK_BACKEND": "db",
        "TASK_BATCH_SIZE": BATCH,
    }
    settings.TURKEYSMS = config
    os.environ["TURKEYSMS_TEST_CONFIG"] = json.dumps(config)


def clean() -> None:
    SmsLog.objects.all().delete()
    DBTaskResult.objects.all().delete()


# -- 1. enqueue overhead ----------------------------------------------------------------


def enqueue_rate(count: int, ours: bool) -> float:
    ids = list(range(1, BATCH + 1))
    task = deliver_sms.using(backend="db")
    started = time.perf_counter()
    for _ in range(count):
        if ours:
            with transaction.atomic():
                enqueue_on_commit(ids)
        else:
            task.enqueue(ids)
    elapsed = time.perf_counter() - started
    DBTaskResult.objects.all().delete()
    return count / elapsed


def messages_per_task_row(count: int) -> float:
    """One ``send_sms`` to ``count`` numbers, no worker running: messages per row."""
    clean()
    with transaction.atomic():
        send_sms("Siparişiniz yola çıktı.", [f"+90532{n:07d}" for n in range(count)])
    rows: int = DBTaskResult.objects.count()
    clean()
    return count / rows


# -- 2. end to end ------------------------------------------------------------------------


@contextmanager
def db_workers(count: int) -> Iterator[None]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "django",
        "db_worker",
        "--backend",
        "db",
        "--interval",
        "0.05",
    ]
    command += ["--no-startup-delay", "--no-reload", "--verbosity", "0"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
        for _ in range(count)
    ]
    time.sleep(2)  # let them start and connect
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


DRAIN_DEADLINE = 300.0  # seconds: workers that stopped must not hang the run


def drain(done: Callable[[], bool], count: int, started: float) -> float:
    """Messages per second from ``started`` until ``done()``."""
    while not done():
        if time.perf_counter() - started > DRAIN_DEADLINE:
            raise RuntimeError(
                f"the workers did not drain {count} in {DRAIN_DEADLINE:.0f} s"
            )
        time.sleep(0.02)
    return count / (time.perf_counter() - started)


def ours(count: int) -> float:
    clean()
    numbers = [f"+90532{n:07d}" for n in range(count)]
    started = time.perf_counter()
    with transaction.atomic():
        send_sms("Siparişiniz yola çıktı.", numbers)
    sent = SmsLog.objects.filter(status=SmsLog.Status.SENT)
    return drain(lambda: sent.count() == count, count, started)


def noop_drain(count: int) -> float:
    clean()
    task = noop.using(backend="db")
    started = time.perf_counter()
    for n in range(count):
        task.enqueue([n])
    finished = DBTaskResult.objects.filter(status="SUCCESSFUL")
    return drain(lambda: finished.count() == count, count, started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    rounds, enqueues, messages = (1, 20, 200) if args.quick else (5, 300, 2000)
    with sandbox_process() as sandbox:
        configure(sandbox)
        clean()
        overhead = interleaved(
            {
                "bare deliver_sms.enqueue()": lambda: enqueue_rate(
                    enqueues, ours=False
                ),
                "ours: enqueue_on_commit() in atomic()": lambda: enqueue_rate(
                    enqueues, ours=True
                ),
            },
            rounds,
        )
        report("enqueue (tasks/s)", overhead, "tasks/s")
        per_row = messages_per_task_row(messages)
        print(
            f"  {messages} messages in one send_sms: {messages / per_row:,.0f} task rows"
        )
        drains: dict[str, float] = {}
        for workers in (1, 2):
            with db_workers(workers):
                drains |= {
                    f"{name} ({workers} worker{'s' if workers > 1 else ''})": value
                    for name, value in interleaved(
                        {
                            "ours: send_sms, ASYNC": lambda: ours(messages),
                            "no-op task per message": lambda: noop_drain(messages),
                        },
                        rounds,
                    ).items()
                }
        report(f"end to end, {messages} messages", drains)
        clean()
    cost = (
        overhead["bare deliver_sms.enqueue()"]
        / overhead["ours: enqueue_on_commit() in atomic()"]
    )
    ratio_line("enqueue in atomic() / bare enqueue (time)", cost, 1.1, at_most=True)
    ratio_line("messages / task rows", per_row, 10)
    two = drains["ours: send_sms, ASYNC (2 workers)"]
    print(
        f"  ours with 2 workers: {two:,.0f} msg/s (target ≥ 200: {'met' if two >= 200 else 'MISSED'})"
    )
    ratio_line(
        "ours / no-op drain, 2 workers",
        two / drains["no-op task per message (2 workers)"],
        0.6,
    )
    ratio_line(
        "ours / no-op drain, 1 worker",
        drains["ours: send_sms, ASYNC (1 worker)"]
        / drains["no-op task per message (1 worker)"],
    )
    ratio_line("2 workers / 1 worker", two / drains["ours: send_sms, ASYNC (1 worker)"])


if __name__ == "__main__":
    main()
