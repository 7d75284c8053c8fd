"""The daily rollups stay equal to a recount of the log, whatever happens to it.

A property test: hypothesis draws a sequence of what happens to a send log —
sends whose messages are sent, refused, retried, paced back to the queue, left
unknown or interrupted by a crash; cancellations; retries as they fall due;
status lookups; the sweeper and the re-queueing of lost rows; retries from the
admin; retention runs that delete or anonymise — on a clock that crosses midnight in ``TIME_ZONE``. After
every step the rollups must equal a GROUP BY of the log. Every step goes
through the package's own functions; nothing writes the log around them.

Examples: the hypothesis profile of ``tests/conftest.py`` (300, or 10,000 with
``TURKEYSMS_RELIABILITY_LONG``), each counted in the figures.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, ClassVar
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from django_turkeysms import maintenance, retention, rollups, send_sms, tasks
from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import (
    CancelSend,
    DeliveryUncertain,
    InvalidRecipient,
    ProviderUnavailable,
    SlotTooFar,
)
from django_turkeysms.message import (
    DeliveryState,
    PreparedSms,
    SendResult,
    SmsMessage,
    StatusResult,
)
from django_turkeysms.models import DailyRollup, SmsLog
from django_turkeysms.sending import dispatch
from django_turkeysms.signals import pre_send
from tests import figures

pytestmark = pytest.mark.django_db

#: 20:30 UTC is 23:30 in Istanbul (tests/settings.py): an hour later is tomorrow.
START = datetime.fromisoformat("2026-11-20T20:30:00+00:00")
OUTCOMES = [
    "sent",
    "sent",
    "refused",
    "unreachable",
    "uncertain",
    "paced",
    "crash",
    "cancel",
]
STATES = list(DeliveryState)


class Crash(BaseException):
    """A worker dying in the middle of a send (not an error anything catches)."""


class ScriptedBackend(BaseSmsBackend):
    """Answers as the test says: an outcome per number, a state per lookup."""

    outcomes: ClassVar[dict[str, str]] = {}
    states: ClassVar[Iterator[DeliveryState]] = itertools.cycle(STATES)
    supports_status_lookup = True

    def send(self, message: PreparedSms) -> SendResult:
        outcome = self.outcomes.pop(message.to, "sent")
        if outcome == "refused":
            raise InvalidRecipient("No such number.", code="TS-1020")
        if outcome == "unreachable":
            raise ProviderUnavailable()
        if outcome == "uncertain":
            raise DeliveryUncertain()
        if outcome == "paced":  # the backend's rate sends it back to the queue
            raise SlotTooFar(retry_after=30)
        if outcome == "crash":
            raise Crash
        return SendResult(
            provider_id=f"p{message.log_id}", credits=message.segments, code="TS-1024"
        )

    def get_status(self, provider_id: str) -> StatusResult:
        return StatusResult(state=next(self.states), operator="Turkcell")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def after(self, seconds: float) -> datetime:
        return self.now + timedelta(seconds=seconds + 1)


def cancel_listed(sender: Any, message: SmsMessage, recipient: str, **kwargs: Any):
    if ScriptedBackend.outcomes.get(recipient) == "cancel":
        raise CancelSend("Unsubscribed.")


# -- the steps ---------------------------------------------------------------------

numbers = itertools.count()


def send(clock: Clock, outcomes: list[str]) -> None:
    recipients = [f"+90532{next(numbers):07d}" for _ in outcomes]
    ScriptedBackend.outcomes.update(zip(recipients, outcomes, strict=True))
    with contextlib.suppress(Crash):  # its rows stay in SENDING, for the sweeper
        send_sms("Merhaba", recipients)


def wait(clock: Clock, hours: float) -> None:
    clock.now += timedelta(hours=hours)


def retry(clock: Clock) -> None:
    maintenance.retry_due(now=clock.after(conf.RETRY_MAX_DELAY))


def look_up(clock: Clock, states: list[DeliveryState]) -> None:
    ScriptedBackend.states = itertools.cycle(states)
    maintenance.refresh_totals(maintenance.refresh_due())


def sweep(clock: Clock) -> None:
    late = clock.after(max(conf.SENDING_TIMEOUT, conf.QUEUED_TIMEOUT))
    maintenance.sweep(now=late)
    tasks.requeue_lost(now=late)


def retry_from_the_admin(clock: Clock) -> None:
    ids = SmsLog.objects.filter(status__in=maintenance.RETRYABLE).values_list(
        "pk", flat=True
    )
    queued = maintenance.queue_again(list(ids), note="Retried from the admin.")
    if queued:
        with contextlib.suppress(Crash):
            dispatch(queued)


def clean_up(clock: Clock, days: int, anonymise: bool) -> None:
    cutoff = clock.now - timedelta(days=days)
    retention.cleanup(cutoff, anonymise=anonymise, dry_run=False)


STEPS = st.one_of(
    st.tuples(
        st.just(send), st.lists(st.sampled_from(OUTCOMES), min_size=1, max_size=4)
    ),
    st.tuples(st.just(wait), st.sampled_from([0.25, 1, 7, 23, 30])),
    st.tuples(st.just(retry)),
    st.tuples(
        st.just(look_up), st.lists(st.sampled_from(STATES), min_size=1, max_size=3)
    ),
    st.tuples(st.just(sweep)),
    st.tuples(st.just(retry_from_the_admin)),
    st.tuples(st.just(clean_up), st.integers(0, 2), st.booleans()),
)


@pytest.fixture
def scripted(settings):
    settings.TURKEYSMS = {
        "BACKENDS": {"default": {"BACKEND": f"{__name__}.ScriptedBackend"}},
        "MAX_WORKERS": 1,
        "MAX_ATTEMPTS": 2,
        "STATUS_LOOKUP_RATE": 10**9,
        "STATUS_RECHECK_INTERVAL": 60,
    }
    pre_send.connect(cancel_listed, sender=SmsMessage, dispatch_uid="rollups-cancel")
    yield
    pre_send.disconnect(sender=SmsMessage, dispatch_uid="rollups-cancel")


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def assert_exact() -> None:
    assert rollups.stored(DailyRollup.objects.all()) == rollups.recount(
        SmsLog.objects.all()
    )


@given(steps=st.lists(STEPS, min_size=1, max_size=12))
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_rollups_equal_a_recount_after_any_sequence(scripted, steps):
    clock = Clock()
    ScriptedBackend.outcomes.clear()
    with rolled_back(), mock.patch("django.utils.timezone.now", clock):
        for step, *arguments in steps:
            step(clock, *arguments)
            assert_exact()
        assert rollups.differences() == []
    figures.add("rollups examples: sequences of sends, lookups, sweeps, retention")
