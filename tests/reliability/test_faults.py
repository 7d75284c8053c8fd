"""Injected faults × randomised runs, each ending in a checked final state.

security-and-reliability §3.2. Every run sends to a few random numbers with a
fault injected at a random point, lets the library recover the way a project
would (retries when they fall due, the sweeper after its timeouts), and then
asserts the final state: every message SENT, FAILED or UNKNOWN; no number
received a message twice (the sandbox's own count); every UNKNOWN message is
listed by ``turkeysms_status --unknown``. Worker SIGKILLs need real processes
and PostgreSQL: ``tests_services/test_fault_kills.py``.

Runs per fault: ``figures.runs()`` (5 by default, 50 in ``make reliability``).
"""

from __future__ import annotations

import random
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from django_turkeysms import otp, send_sms
from django_turkeysms._compat import task_backends
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import OtpThrottled
from django_turkeysms.maintenance import retry_due
from django_turkeysms.models import OtpChallenge, SmsLog
from django_turkeysms.otp import VerifyResult
from django_turkeysms.tasks import deliver_sms
from django_turkeysms.testing.sandbox import Sandbox
from tests import figures
from tests.conftest import provider_settings
from tests.reliability.final_state import check_final_state, recover
from tests.reliability.flaky_tasks import FlakyBackend

TEXT = "Siparişiniz yola çıktı."
TIMEOUT = 0.4  # the client's timeout in these runs: faults that wait stay short
RUNS = figures.runs()


@dataclass
class Run:
    """One randomised run: its random source, the sandbox, the settings fixture."""

    rng: random.Random
    sandbox: Sandbox
    settings: Any

    def numbers(self, low: int = 1, high: int = 4) -> list[str]:
        picked = self.rng.sample(range(10_000_000), self.rng.randint(low, high))
        return [f"+90532{n:07d}" for n in picked]

    def configure(self, **overrides: Any) -> None:
        self.settings.TURKEYSMS = {
            **provider_settings(self.sandbox, timeout=TIMEOUT),
            "MAX_ATTEMPTS": 4,
            "OTP_DELIVERY": "inline",
            **overrides,
        }


# Faulted numbers end in one of these; the others are SENT.
RETRIED: set[str] = {SmsLog.Status.SENT, SmsLog.Status.FAILED}
AMBIGUOUS: set[str] = {SmsLog.Status.UNKNOWN}
SANDBOX_FAULTS: dict[str, tuple[set[str], dict[str, float | str]]] = {
    # The sandbox reads the request, then resets without processing it; the
    # client has written the request, so it cannot know: UNKNOWN, not re-sent.
    "reset_before": (AMBIGUOUS, {}),
    "http_503": (RETRIED, {}),
    "http_429": (RETRIED, {"seconds": 2.0}),
    "reset_after": (AMBIGUOUS, {}),
    "http_500": (AMBIGUOUS, {}),
    "http_502": (AMBIGUOUS, {}),
    "drip": (AMBIGUOUS, {"interval": 0.05}),
    "malformed_json": (AMBIGUOUS, {}),
    "html": (AMBIGUOUS, {}),
    "empty": (AMBIGUOUS, {}),
    "print_r": ({str(SmsLog.Status.SENT)}, {}),
}


def sandbox_fault(run: Run, *, kinds: tuple[str, ...]) -> None:
    """Inject one of ``kinds`` for a random subset of the numbers, 1–5 times each."""
    run.configure()
    numbers = run.numbers()
    faulted: dict[str, str] = {}
    for number in run.rng.sample(numbers, run.rng.randint(1, len(numbers))):
        kind = faulted[number] = run.rng.choice(kinds)
        times = run.rng.randint(1, 5)
        run.sandbox.inject(kind, number=number, times=times, **SANDBOX_FAULTS[kind][1])
    send_sms(TEXT, numbers)
    recover()
    for row in SmsLog.objects.all():
        fault = faulted.get(str(row.recipient))
        expected = SANDBOX_FAULTS[fault][0] if fault else {SmsLog.Status.SENT}
        assert row.status in expected, (fault, row.status, row.result_code)


def read_timeout(run: Run) -> None:
    """The provider answers after the client gave up: UNKNOWN, never re-sent."""
    run.configure()
    numbers = run.numbers()
    slow = run.rng.sample(numbers, run.rng.randint(1, len(numbers)))
    for number in slow:
        seconds = run.rng.uniform(TIMEOUT + 0.1, TIMEOUT + 0.4)
        run.sandbox.inject("latency", number=number, times=1, seconds=seconds)
    send_sms(TEXT, numbers)
    recover()
    for row in SmsLog.objects.all():
        late = str(row.recipient) in slow
        assert row.status == (SmsLog.Status.UNKNOWN if late else SmsLog.Status.SENT)


def refused_port() -> str:
    """A loopback port with nothing listening (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@contextmanager
def unanswered_port() -> Iterator[str]:
    """A loopback port whose accept queue is full: the kernel drops new SYNs, so
    connecting times out (as with a provider host that does not answer)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        address = server.getsockname()
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(address)
        try:
            yield f"http://127.0.0.1:{address[1]}"
        finally:
            for filler in fillers:
                filler.close()


def connect_timeout(run: Run) -> None:
    with unanswered_port() as url:
        provider_down(run, url)


def provider_down(run: Run, url: str) -> None:
    """Unreachable for a random number of tries, then back: retried, sent or failed."""
    run.configure()
    good = dict(run.settings.TURKEYSMS)
    run.configure(BACKENDS=backends_at(url))
    send_sms(TEXT, run.numbers())
    outage = run.rng.randint(0, conf.MAX_ATTEMPTS)
    clock = timezone.now()
    for _ in range(outage):
        clock += timedelta(seconds=conf.RETRY_MAX_DELAY + 1)
        retry_due(now=clock)
    run.settings.TURKEYSMS = good
    recover()
    expected = (
        SmsLog.Status.FAILED if outage >= conf.MAX_ATTEMPTS - 1 else SmsLog.Status.SENT
    )
    assert set(SmsLog.objects.values_list("status", flat=True)) == {expected}
    assert run.sandbox.request_count == (
        0 if expected == SmsLog.Status.FAILED else SmsLog.objects.count()
    )


def backends_at(url: str) -> dict[str, Any]:
    backend = conf.BACKENDS["default"]
    return {"default": {**backend, "OPTIONS": {**backend["OPTIONS"], "base_url": url}}}


@contextmanager
def failing_sql(when: Callable[[str], bool]) -> Iterator[list[str]]:
    """Statements for which ``when(sql)`` holds fail as if the server went away."""
    failed: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if when(sql):
            failed.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield failed


def writes_to(table: str, verb: str) -> Callable[[str], bool]:
    """Statements of kind ``verb`` on ``table`` (``WITH … UPDATE`` counts as UPDATE)."""

    def matches(sql: str) -> bool:
        words = sql.upper().split(None, 1)
        return table in sql and (
            words[0] == verb or (words[0] == "WITH" and f" {verb} " in sql.upper())
        )

    return matches


def db_down_before_log(run: Run) -> None:
    """The log row cannot be written: the caller gets the error, nothing is sent."""
    run.configure(ASYNC=run.rng.choice([True, False]))
    with (
        failing_sql(writes_to("smslog", "INSERT")) as failed,
        pytest.raises(OperationalError),
    ):
        send_sms(TEXT, run.numbers())
    assert failed and SmsLog.objects.count() == 0
    assert run.sandbox.request_count == 0


def db_error_after_success(run: Run) -> None:
    """The provider accepted, recording it failed: SENDING, then UNKNOWN; never re-sent."""
    run.configure()
    sandbox = run.sandbox
    numbers = run.numbers()
    recorded = lambda sql: bool(sandbox.messages) and writes_to("smslog", "UPDATE")(sql)  # noqa: E731
    with failing_sql(recorded), pytest.raises(OperationalError):
        send_sms(TEXT, numbers)
    assert set(SmsLog.objects.values_list("status", flat=True)) == {
        SmsLog.Status.SENDING
    }
    recover()
    assert set(SmsLog.objects.values_list("status", flat=True)) == {
        SmsLog.Status.UNKNOWN
    }
    assert len(sandbox.messages) == len(numbers)


def rollback_after_on_commit(run: Run) -> None:
    """The caller's transaction rolls back after the send registered its callback."""
    run.configure(ASYNC=True)
    use_tasks(run, "dummy")
    with pytest.raises(RuntimeError), transaction.atomic():
        send_sms(TEXT, run.numbers())
        if run.rng.random() < 0.5:
            send_sms(TEXT, run.numbers())
        raise RuntimeError("the view failed after sending")
    assert SmsLog.objects.count() == 0
    assert dummy_results() == []
    assert run.sandbox.request_count == 0


def task_backend_down(run: Run) -> None:
    """Enqueueing fails in the on_commit callback: rows wait, the sweeper sends them."""
    run.configure(ASYNC=True, TASK_BATCH_SIZE=run.rng.randint(1, 3))
    use_tasks(run, "flaky")
    FlakyBackend.failures = run.rng.randint(1, 4)
    try:
        with transaction.atomic():
            send_sms(TEXT, run.numbers())
    finally:
        FlakyBackend.failures = 0
    recover()
    assert set(SmsLog.objects.values_list("status", flat=True)) == {SmsLog.Status.SENT}


def delivered_twice(run: Run) -> None:
    """Every task runs two or three times, in random order: one provider call each."""
    run.configure(ASYNC=True, TASK_BATCH_SIZE=run.rng.randint(1, 3))
    use_tasks(run, "dummy")
    with transaction.atomic():
        send_sms(TEXT, run.numbers())
    runs = [r for r in dummy_results() for _ in range(run.rng.randint(2, 3))]
    run.rng.shuffle(runs)
    for result in runs:
        deliver_sms.call(*result.args)
    assert set(SmsLog.objects.values_list("status", flat=True)) == {SmsLog.Status.SENT}


def dummy_results() -> list[Any]:
    """What the dummy task backend recorded as enqueued."""
    results: list[Any] = getattr(task_backends["default"], "results")  # noqa: B009
    return results


def use_tasks(run: Run, kind: str) -> None:
    backend = {
        "dummy": f"{run.settings.TASKS_MODULE}.backends.dummy.DummyBackend",
        "flaky": "tests.reliability.flaky_tasks.FlakyBackend",
    }[kind]
    run.settings.TASKS = {"default": {"BACKEND": backend}}


def otp_code(sandbox: Sandbox) -> str:
    match = re.search(r"\b\d{6}\b", sandbox.messages[-1].text)
    assert match is not None
    return match.group()


def cache_down(run: Run) -> None:
    """The rate-limit store is down: sending and verifying fail closed."""
    run.configure()
    phone = run.numbers(1, 1)[0]
    code = None
    if run.rng.random() < 0.5:
        otp.send_code(phone, purpose="login")
        code = otp_code(run.sandbox)
    sent = len(run.sandbox.messages)
    run.configure(OTP_CACHE="broken")
    with pytest.raises(OtpThrottled) as refused:
        otp.send_code(phone, purpose="login")
    assert refused.value.reason == "unavailable"
    assert len(run.sandbox.messages) == sent
    # As a view calls it: with the request, whose IP limit needs the store.
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    verdict = otp.verify_code(phone, code or "123456", purpose="login", request=request)
    assert verdict is VerifyResult.TOO_MANY_ATTEMPTS
    run.configure()
    if code is not None:
        assert otp.verify_code(phone, code, purpose="login") is VerifyResult.OK


def verify_interrupted(run: Run) -> None:
    """A statement of the verification fails (serialization error): no success, and
    the code still works exactly once afterwards."""
    run.configure()
    phone = run.numbers(1, 1)[0]
    otp.send_code(phone, purpose="login")
    code = otp_code(run.sandbox)
    for _ in range(run.rng.randint(0, 3)):
        assert otp.verify_code(phone, "000000", purpose="login") is VerifyResult.INVALID
    verb = run.rng.choice(["SELECT", "UPDATE"])
    guess = run.rng.choice([code, "000000"])
    with failing_sql(writes_to("otpchallenge", verb)), pytest.raises(OperationalError):
        otp.verify_code(phone, guess, purpose="login")
    assert not OtpChallenge.objects.filter(verified_at__isnull=False).exists()
    assert otp.verify_code(phone, code, purpose="login") is VerifyResult.OK
    assert otp.verify_code(phone, code, purpose="login") is not VerifyResult.OK


FAULTS: dict[str, Callable[[Run], None]] = {
    "connect timeout": connect_timeout,
    "connection refused": lambda run: provider_down(run, refused_port()),
    "DNS failure": lambda run: provider_down(run, "http://provider.invalid"),
    "read timeout after the request was sent": read_timeout,
    "connection reset before the body": partial(sandbox_fault, kinds=("reset_before",)),
    "connection reset after the body": partial(sandbox_fault, kinds=("reset_after",)),
    "slow drip past the deadline": partial(sandbox_fault, kinds=("drip",)),
    "HTTP 5xx": partial(sandbox_fault, kinds=("http_500", "http_502", "http_503")),
    "HTTP 429 with Retry-After": partial(sandbox_fault, kinds=("http_429",)),
    "malformed, print_r, HTML and empty bodies": partial(
        sandbox_fault, kinds=("malformed_json", "print_r", "html", "empty")
    ),
    "database down before the log write": db_down_before_log,
    "database error after provider success": db_error_after_success,
    "rollback after on_commit": rollback_after_on_commit,
    "task backend down in the on_commit callback": task_backend_down,
    "task delivered twice or three times": delivered_twice,
    "rate-limit store down": cache_down,
    "serialization failure during verify": verify_interrupted,
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "broken": {"BACKEND": "tests.broken_cache.BrokenCache"},
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("fault", "seed"),
    [(fault, seed) for fault in FAULTS for seed in range(RUNS)],
    ids=[f"{fault}-{seed}" for fault in FAULTS for seed in range(RUNS)],
)
def test_fault(
    fault: str, seed: int, settings: Any, turkeysms_sandbox: Sandbox
) -> None:
    settings.CACHES = CACHES
    run = Run(random.Random(f"{fault}/{seed}"), turkeysms_sandbox, settings)
    FAULTS[fault](run)
    check_final_state(turkeysms_sandbox, fault)
    if seed == 0:
        figures.add("faults: fault types (this suite)")
