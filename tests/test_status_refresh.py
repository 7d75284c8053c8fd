"""The status refresh's one policy (``maintenance.refresh_due``): newest first,
nothing older than STATUS_MAX_AGE, nothing looked up twice within
STATUS_RECHECK_INTERVAL, stoppable and resumable; the pace of the lookups and
their count per minute; the task, the command and the dashboard on top of it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from django_turkeysms import maintenance, pacing, send_sms, tasks
from django_turkeysms.backends import locmem
from django_turkeysms.exceptions import RateLimited
from django_turkeysms.handler import sms_backends
from django_turkeysms.message import DeliveryState, StatusResult
from django_turkeysms.models import SmsLog
from tests.factories import SmsLogFactory

pytestmark = pytest.mark.django_db

LOCMEM = "django_turkeysms.backends.locmem.SmsBackend"
DASHBOARD = "/admin/django_turkeysms/smslog/dashboard/"


@pytest.fixture
def waits(monkeypatch):
    """The waits of the lookups' pace, instead of sleeping them."""
    waited: list[float] = []
    monkeypatch.setattr(maintenance.time, "sleep", waited.append)
    return waited


@pytest.fixture
def looked_up(monkeypatch):
    """The provider ids looked up, in order (the locmem backend answers)."""
    ids: list[str] = []
    original = maintenance._refresh_one

    def spy(row, backend, now, max_wait):
        ids.append(row.provider_id)
        return original(row, backend, now, max_wait)

    monkeypatch.setattr(maintenance, "_refresh_one", spy)
    return ids


def sent(minutes_ago: float, **fields):
    """A sent message (a factory row) created ``minutes_ago``."""
    created = timezone.now() - timedelta(minutes=minutes_ago)
    return SmsLogFactory(created_at=created, **fields)


def test_newest_first_and_nothing_older_than_the_maximum_age(settings, looked_up):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_MAX_AGE": 3600}
    rows = [sent(minutes) for minutes in (50, 10, 30, 90)]
    SmsLogFactory(status=SmsLog.Status.DELIVERED)
    totals = maintenance.refresh_totals(maintenance.refresh_due())
    assert totals == {"delivered": 3}
    assert looked_up == [rows[1].provider_id, rows[2].provider_id, rows[0].provider_id]
    rows[3].refresh_from_db()
    assert rows[3].status == SmsLog.Status.SENT  # final for practical purposes


def test_a_stopped_run_goes_on_where_it_stopped(settings, looked_up, monkeypatch):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_BATCH_SIZE": 2}
    # Every message stays pending: each would be due again but for the interval.
    pending = StatusResult(state=DeliveryState.PENDING)
    monkeypatch.setattr(locmem.SmsBackend, "get_status", lambda self, pid: pending)
    rows = [sent(minutes) for minutes in range(1, 6)]
    first = maintenance.refresh_due()
    assert next(first) == {"sent": 2}  # the first batch, then Ctrl-C
    first.close()
    assert looked_up == [rows[0].provider_id, rows[1].provider_id]
    assert maintenance.refresh_totals(maintenance.refresh_due()) == {"sent": 3}
    assert looked_up == [row.provider_id for row in rows]
    assert maintenance.refresh_totals(maintenance.refresh_due()) == {}
    assert SmsLog.objects.filter(status=SmsLog.Status.SENT).count() == 5


def test_two_runs_at_once_never_take_the_same_message(settings, looked_up):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_BATCH_SIZE": 1}
    for minutes in range(4):
        sent(minutes)
    one, two = maintenance.refresh_due(), maintenance.refresh_due()
    for _ in range(2):
        next(one), next(two)
    assert len(looked_up) == len(set(looked_up)) == 4


def test_a_message_still_pending_is_due_again_after_the_interval(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_RECHECK_INTERVAL": 600}
    row = sent(1, status_checked_at=timezone.now() - timedelta(minutes=5))
    assert list(maintenance.due_for_lookup()) == []
    later = timezone.now() + timedelta(minutes=6)
    assert list(maintenance.due_for_lookup(later)) == [row]


def test_since_and_limit_narrow_a_run(looked_up):
    old, new, newer = sent(120), sent(20), sent(10)
    run = maintenance.refresh_due(limit=1, since=timedelta(hours=1))
    assert maintenance.refresh_totals(run) == {"delivered": 1}
    assert looked_up == [newer.provider_id]
    run = maintenance.refresh_due(since=timedelta(hours=1))
    assert maintenance.refresh_totals(run) == {"delivered": 1}
    assert looked_up == [newer.provider_id, new.provider_id]
    assert old.provider_id not in looked_up


def test_the_task_looks_up_a_minute_s_worth_newest_first(settings, looked_up, waits):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_LOOKUP_RATE": 2}
    rows = [sent(minutes) for minutes in (3, 1, 2)]
    assert tasks.refresh_statuses.call() == {"delivered": 2}
    assert looked_up == [rows[1].provider_id, rows[2].provider_id]
    assert waits == [pytest.approx(30, abs=0.5)]  # two a minute, evenly spaced
    assert tasks.refresh_statuses.call([rows[0].pk]) == {"delivered": 1}


def test_against_the_sandbox(sandbox):
    logs = send_sms("Merhaba", ["+905321234567", "+905321234568"])
    assert maintenance.refresh_totals(maintenance.refresh_due()) == {"delivered": 2}
    rows = SmsLog.objects.filter(pk__in=[log.pk for log in logs])
    assert {row.status for row in rows} == {SmsLog.Status.DELIVERED}


# -- the pace and the count of lookups ------------------------------------------------------


def test_every_lookup_waits_for_its_turn(settings, waits):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_LOOKUP_RATE": 60}
    for minutes in range(3):
        sent(minutes)
    maintenance.refresh_totals(maintenance.refresh_due())
    # One now, then one a second: the schedule is the fleet's, in the cache.
    assert waits == [pytest.approx(1, abs=0.05), pytest.approx(2, abs=0.05)]
    assert cache.get(f"{pacing.PREFIX}:default:lookups") is not None


def paced_backend(settings, rate="60/m"):
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "BACKENDS": {"default": {"BACKEND": LOCMEM, "OPTIONS": {"rate": rate}}},
    }
    return sms_backends["default"]


def test_a_paced_backend_s_lookups_take_slots_of_its_sends(settings, waits):
    """The provider counts an API key's requests, sends and lookups alike."""
    backend = paced_backend(settings)
    pacing.wait_for_slot(backend)  # a send has taken the slot of now
    assert maintenance.refresh_status([sent(1)]) == {"delivered": 1}
    assert waits == [pytest.approx(1, abs=0.05)]
    assert cache.get(f"{pacing.PREFIX}:default:lookups") is None


def test_a_rate_limit_answer_to_a_lookup_pauses_the_lookups(
    settings, waits, monkeypatch
):
    refused = RateLimited(retry_after=5)
    monkeypatch.setattr(locmem.SmsBackend, "get_status", mock.Mock(side_effect=refused))
    first, second = sent(2), sent(1)
    assert maintenance.refresh_status([first]) == {"error": 1}
    monkeypatch.undo()
    monkeypatch.setattr(maintenance.time, "sleep", waits.append)
    assert maintenance.refresh_status([second]) == {"delivered": 1}
    assert waits == [pytest.approx(5, abs=0.05)]


def test_a_web_request_waits_seconds_not_minutes(settings, waits):
    """The admin's buttons: rows whose slot is past the caller's time are left
    due for the next run, not waited for (nor marked looked up)."""
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_LOOKUP_RATE": 60}
    rows = [sent(minutes) for minutes in range(1, 6)]
    batches = maintenance.refresh_due(seconds=2.5)
    assert maintenance.refresh_totals(batches) == {"delivered": 3, "waiting": 2}
    assert waits == [pytest.approx(1, abs=0.05), pytest.approx(2, abs=0.05)]
    left = SmsLog.objects.filter(status=SmsLog.Status.SENT)
    assert sorted(left.values_list("pk", flat=True)) == [rows[3].pk, rows[4].pk]
    assert set(left.values_list("status_checked_at", flat=True)) == {None}


def test_the_dashboard_button_leaves_the_rest_for_the_task(admin_client, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_LOOKUP_RATE": 1}
    for minutes in range(1, 4):
        sent(minutes)
    response = admin_client.post(DASHBOARD, follow=True)
    assert (
        "Looked up 1 message (Delivered: 1, left for the next run: 2)."
        in response.content.decode()
    )


def test_a_broken_cache_stops_the_lookups_of_a_paced_backend(settings):
    """Fail closed, as its sends do: no lookup without the shared schedule."""
    paced_backend(settings)
    settings.CACHES = {"default": {"BACKEND": "tests.broken_cache.BrokenCache"}}
    row = sent(1)
    assert maintenance.refresh_status([row]) == {"error": 1}
    row.refresh_from_db()
    assert row.status == SmsLog.Status.SENT


def test_lookups_are_counted_per_minute():
    minute = 1_000_000 * 60.0
    for _ in range(10):
        maintenance.count_lookup(minute + 5)
    maintenance.count_lookup(minute + 65)
    assert maintenance.lookups_per_minute(now=minute + 70) == 10 / 5
    assert maintenance.lookups_per_minute(now=minute + 130) == 11 / 5


def test_a_cache_that_fails_costs_the_pace_and_the_figure_not_the_lookup(
    settings, caplog
):
    settings.CACHES = {"default": {"BACKEND": "tests.broken_cache.BrokenCache"}}
    row = sent(1)
    assert maintenance.refresh_status([row]) == {"delivered": 1}
    assert maintenance.lookups_per_minute() == 0.0
    assert "Could not count a status lookup" in caplog.text


def test_the_rows_a_task_without_ids_would_take(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_BATCH_SIZE": 2}
    rows = [sent(minutes) for minutes in (3, 1, 2)]
    assert maintenance.rows_to_refresh(None) == [rows[1], rows[2]]


# -- the command ------------------------------------------------------------------------


def test_the_command_can_be_stopped_and_says_how_to_go_on(monkeypatch):
    def interrupted(**kwargs):
        yield {"delivered": 2}
        raise KeyboardInterrupt

    monkeypatch.setattr(maintenance, "refresh_due", interrupted)
    out = StringIO()
    call_command("turkeysms_status", stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Looked up 2 messages in ")
    assert lines[0].endswith(": 2 delivered.")
    assert lines[2] == (
        "Stopped after 2; run it again to go on: what was looked up is not looked "
        "up again for 10 min."
    )
