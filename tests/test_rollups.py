"""The daily rollups: exact through every write, days in TIME_ZONE, a rebuild that
repairs them, a drift test that is cheap, the check and the dashboard on top.

The property test that any sequence of writes keeps them exact is in
``tests/reliability/test_rollups.py``; concurrent writers on PostgreSQL in
``tests_services/test_rollups_concurrency.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from django_turkeysms import _bulk, checks, maintenance, rollups, send_sms
from django_turkeysms.admin import dashboard
from django_turkeysms.conf import conf
from django_turkeysms.delivery import deliver
from django_turkeysms.models import DailyRollup, SmsLog
from tests.factories import SmsLogFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("admin:django_turkeysms_smslog_dashboard")
Status = SmsLog.Status


def exact() -> bool:
    return rollups.stored(DailyRollup.objects.all()) == rollups.recount(
        SmsLog.objects.all()
    )


def days_ago(days: int, hour: int = 12) -> datetime:
    """``hour`` o'clock in TIME_ZONE, ``days`` days ago."""
    return rollups.start_of(rollups.today() - timedelta(days=days)) + timedelta(
        hours=hour
    )


def tamper() -> None:
    """What manual SQL does: a status changed around the package."""
    SmsLog.objects.filter(status=Status.DELIVERED).update(status=Status.UNDELIVERED)


# -- kept exact ------------------------------------------------------------------------


def test_a_send_is_counted_on_its_day_and_status_with_its_credits(sms_outbox):
    send_sms("Merhaba", ["+905321234567", "+905321234568"])
    assert rollups.stored(DailyRollup.objects.all()) == {
        (rollups.today(), Status.SENT): [2, 2]
    }


def test_days_are_dates_in_time_zone_whatever_zone_is_active(sms_outbox):
    # 21:30 UTC is 00:30 the next day in Istanbul (tests/settings.py).
    late = datetime.fromisoformat("2026-11-20T21:30:00+00:00")
    with timezone.override("UTC"):
        SmsLogFactory(created_at=late, credits=1)
    assert rollups.day_of(late) == date(2026, 11, 21)
    assert list(DailyRollup.objects.values_list("day", flat=True)) == [
        date(2026, 11, 21)
    ]
    assert exact()


def test_a_worker_recording_after_the_sweeper_gave_up_is_counted_once(sms_outbox):
    """The sweeper marks a slow worker's rows UNKNOWN; the worker then records
    them SENT. The record locks and reads them first, so UNKNOWN is taken off."""
    (row,) = SmsLogFactory.create_batch(1, status=Status.QUEUED, provider_id="")

    def slow_send(backend, message):
        late = timezone.now() + timedelta(seconds=conf.SENDING_TIMEOUT + 1)
        assert maintenance.sweep(now=late) == {"reconciled": 0, "unknown": 1}
        return type(backend).send(backend, message)

    deliver([row.pk], transmit=slow_send)
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert exact()


def test_status_writes_refuse_expressions_they_cannot_count():
    with pytest.raises(TypeError, match="status must be a value"):
        rollups.update(SmsLog.objects.all(), status=F("status"))


def test_other_databases_add_row_by_row(monkeypatch, sms_outbox):
    monkeypatch.setattr(_bulk, "_UPSERT_VENDORS", ())
    send_sms("Merhaba", ["+905321234567", "+905321234568"])
    maintenance.refresh_totals(maintenance.refresh_due())
    assert rollups.stored(DailyRollup.objects.all()) == {
        (rollups.today(), Status.DELIVERED): [2, 2]
    }
    assert DailyRollup.objects.filter(status=Status.SENT, messages=0).exists()


def test_anonymising_leaves_them_and_deleting_takes_rows_off(sms_outbox):
    SmsLogFactory.create_batch(2, created_at=days_ago(10), credits=1)
    SmsLogFactory(created_at=days_ago(1), credits=1)
    out = StringIO()
    call_command("turkeysms_cleanup", "--older-than", "5d", "--anonymise", stdout=out)
    assert rollups.stored(DailyRollup.objects.all())[
        rollups.today() - timedelta(days=10), Status.SENT
    ] == [2, 2]
    call_command("turkeysms_cleanup", "--older-than", "5d", stdout=out)
    assert rollups.stored(DailyRollup.objects.all()) == {
        (rollups.today() - timedelta(days=1), Status.SENT): [1, 1]
    }
    assert exact()


# -- the rebuild ------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("turkeysms_rollups", *args, stdout=out)
    return out.getvalue()


def test_the_command_finds_tampering_and_the_rebuild_repairs_it():
    SmsLogFactory.create_batch(3, status=Status.DELIVERED, created_at=days_ago(2))
    SmsLogFactory(status=Status.SENT, credits=4, created_at=days_ago(40))
    assert run() == "The rollups agree with the log.\n"
    tamper()
    DailyRollup.objects.filter(status=Status.SENT).update(credits=99)
    day, old = rollups.today() - timedelta(days=2), rollups.today() - timedelta(days=40)
    with pytest.raises(CommandError, match="The rollups of 2 days differ"):
        run()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("turkeysms_rollups", stdout=out)
    assert out.getvalue().splitlines() == [
        f"{old} sent: rollups 1 messages, 99 credits; log 1 messages, 4 credits",
        f"{day} delivered: rollups 3 messages, 0 credits; log 0 messages, 0 credits",
        f"{day} undelivered: rollups 0 messages, 0 credits; log 3 messages, 0 credits",
    ]
    assert run("--rebuild") == "Counted the rollups again from the log: 2 rows.\n"
    assert exact()
    assert run() == "The rollups agree with the log.\n"


def test_the_rebuild_counts_rows_written_around_the_package():
    SmsLog.objects.bulk_create(
        SmsLog(recipient=f"+9053200000{n:02d}", created_at=days_ago(n % 3))
        for n in range(30)
    )
    assert DailyRollup.objects.count() == 0
    assert rollups.rebuild() == 3
    assert exact()


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_an_existing_log():
    executor = MigrationExecutor(connection)
    before = [("django_turkeysms", "0005_admin_index_links")]
    after = [("django_turkeysms", "0007_daily_rollup")]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    log = old_apps.get_model("django_turkeysms", "SmsLog")
    log.objects.bulk_create(
        log(
            recipient=f"+9053200000{n:02d}",
            status="sent",
            credits=2,
            created_at=days_ago(n % 4),
        )
        for n in range(12)
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert exact()
    assert sum(DailyRollup.objects.values_list("messages", flat=True)) == 12


# -- drift: cheap, one day ------------------------------------------------------------------


def test_drift_compares_the_quietest_recent_day():
    SmsLogFactory.create_batch(3, status=Status.DELIVERED, created_at=days_ago(2))
    SmsLogFactory(status=Status.DELIVERED, created_at=days_ago(3))
    SmsLogFactory(status=Status.DELIVERED, created_at=days_ago(20))
    assert rollups.sample_day(rollups.today()) == rollups.today() - timedelta(days=3)
    assert rollups.drift() is None
    tamper()
    difference = rollups.drift()
    assert difference is not None
    assert difference.day == rollups.today() - timedelta(days=3)
    assert difference.statuses == [Status.DELIVERED, Status.UNDELIVERED]


def test_drift_without_rollups_looks_at_yesterday():
    SmsLog.objects.create(recipient="+905321234567", created_at=days_ago(1))
    difference = rollups.drift()
    assert difference is not None and difference.day == rollups.today() - timedelta(
        days=1
    )
    assert difference.counted == {Status.QUEUED: (1, 0)}


def test_drift_reads_at_most_the_sample_limit(monkeypatch):
    SmsLogFactory.create_batch(2, created_at=days_ago(1))
    SmsLog.objects.bulk_create(
        SmsLog(
            recipient=f"+9053200000{n:02d}", status=Status.SENT, created_at=days_ago(1)
        )
        for n in range(5)
    )
    monkeypatch.setattr(rollups, "SAMPLE_LIMIT", 3)
    difference = rollups.drift()
    assert difference is not None
    assert difference.stored == {Status.SENT: (2, 0)}
    assert difference.counted == {Status.SENT: (4, 0)}  # SAMPLE_LIMIT + 1 read


def test_no_drift_is_reported_when_every_day_is_over_the_sample_limit(monkeypatch):
    """A capped recount of a busier day would always look short."""
    for days in (1, 2):
        SmsLogFactory.create_batch(3, status=Status.SENT, created_at=days_ago(days))
    monkeypatch.setattr(rollups, "SAMPLE_LIMIT", 2)
    assert rollups.sample_day(rollups.today()) is None
    assert rollups.drift() is None


def drift_warnings(**kwargs):
    return [m for m in run_checks(**kwargs) if m.id == "django_turkeysms.W013"]


def test_the_database_check_reports_drift():
    SmsLogFactory.create_batch(2, status=Status.DELIVERED, created_at=days_ago(1))
    assert drift_warnings(databases=["default"]) == []
    tamper()
    (warning,) = drift_warnings(databases=["default"])
    assert "differ from the send log (delivered, undelivered)" in warning.msg
    assert "turkeysms_rollups --rebuild" in warning.hint
    assert drift_warnings() == []  # a database check: only with --database
    out = StringIO()
    call_command("check", "--database", "default", stdout=out, stderr=out)
    assert "django_turkeysms.W013" in out.getvalue()


# -- the dashboard reads only them -------------------------------------------------------


def test_the_dashboard_costs_the_same_at_any_number_of_messages(admin_client):
    SmsLogFactory(created_at=days_ago(1))
    admin_client.get(DASHBOARD)  # the balance and the drift test, cached

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(DASHBOARD).status_code == 200
        log = [q for q in captured.captured_queries if "smslog" in q["sql"]]
        assert log == []
        return len(captured.captured_queries)

    few = queries()
    SmsLogFactory.create_batch(40, created_at=days_ago(2))
    assert queries() == few


def test_the_dashboard_shows_what_the_rollups_hold(admin_client):
    SmsLogFactory.create_batch(
        2, status=Status.DELIVERED, credits=3, created_at=days_ago(3)
    )
    SmsLog.objects.create(
        recipient="+905321234567", status=Status.FAILED
    )  # not counted
    days = dashboard.daily_stats()
    assert dashboard.total_of(days).counts == {Status.DELIVERED: 2}
    assert dashboard.total_of(days).credits == 6
    page = admin_client.get(DASHBOARD).content.decode()
    assert 'id="rollup-drift"' not in page


def test_the_dashboard_notices_drift(admin_client):
    SmsLogFactory.create_batch(2, status=Status.DELIVERED, created_at=days_ago(1))
    tamper()
    page = admin_client.get(DASHBOARD).content.decode()
    assert 'id="rollup-drift"' in page
    assert "turkeysms_rollups --rebuild" in page


def test_the_check_waits_for_the_migration_and_its_database(monkeypatch):
    def not_migrated(now=None):
        raise DatabaseError("no such table: django_turkeysms_dailyrollup")

    assert checks.check_rollups(databases=["other"]) == []
    monkeypatch.setattr(rollups, "drift", not_migrated)
    assert drift_warnings(databases=["default"]) == []


def test_without_time_zones_days_are_the_dates_as_stored(settings):
    settings.USE_TZ = False
    moment = datetime(2026, 11, 20, 23, 30)
    assert rollups.day_of(moment) == date(2026, 11, 20)
    assert rollups.start_of(date(2026, 11, 20)) == datetime(2026, 11, 20)


def test_deleting_nothing_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert rollups.delete(SmsLog.objects.none()) == 0
