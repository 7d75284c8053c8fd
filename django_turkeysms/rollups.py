"""Daily rollups of the send log: messages and credits per day and status, kept exact.

The dashboard reads these rows (a few hundred a month) instead of grouping a
month of the log. They are kept exact by the writes themselves: every write of
the package that inserts or deletes log rows, or changes their status or their
credits, changes the rollups in the same transaction —

* :func:`add` after rows are inserted, and :func:`moved` after rows claimed with a
  compare-and-set left a status that is known;
* :func:`update` for a status change of the rows a query finds: it locks them,
  reads what they counted as, writes, and adds the difference;
* :func:`lock` then :func:`apply`, where the caller writes the locked rows itself
  (recording the outcomes of a delivery, one statement per group);
* :func:`delete` for retention.

Those transactions take no savepoint inside a caller's transaction (an error
fails the whole of it, as one statement's would), so a write costs no more
than its statements. The rollups change through one upsert per write that adds
to the counters
(``messages = messages + n``): concurrent writers never read, then write; keys
are written in order, so two writers lock them in the same order. Anything else
that writes the log — manual SQL, a restored backup, an upgrade while old
workers ran, another ``TIME_ZONE`` — is repaired by :func:`rebuild`
(``manage.py turkeysms_rollups --rebuild``) and noticed by :func:`drift`.

Days are dates in ``TIME_ZONE`` (the project's time zone, not the one activated
for a request), so every process puts a message in the same day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from django_turkeysms._bulk import add_to_rows
from django_turkeysms.models import DailyRollup, SmsLog
from django_turkeysms.transactions import write_transaction

#: The fields of a log row that the rollups count.
COUNTED_FIELDS = ("created_at", "status", "credits")
#: Complete days :func:`drift` may choose its sample from.
SAMPLE_DAYS = 7
#: At most this many log rows are read to recount the sample day.
SAMPLE_LIMIT = 100_000

#: (day, status) → [messages, credits]
Totals = dict[tuple[date, str], list[int]]


@dataclass(frozen=True)
class Counted:
    """What one log row adds to the rollups: a message on its day and status,
    and its credits."""

    day: date
    status: str
    credits: int


def day_of(moment: datetime) -> date:
    """The date of ``moment`` in ``TIME_ZONE``."""
    if settings.USE_TZ and timezone.is_aware(moment):
        return timezone.localtime(moment, timezone.get_default_timezone()).date()
    return moment.date()


def today(now: datetime | None = None) -> date:
    """Today in ``TIME_ZONE``."""
    return day_of(now or timezone.now())


def start_of(day: date) -> datetime:
    """The first moment of ``day`` in ``TIME_ZONE``."""
    moment = datetime.combine(day, time.min)
    if settings.USE_TZ:
        return timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def counted(row: SmsLog) -> Counted:
    return Counted(day_of(row.created_at), str(row.status), row.credits or 0)


# -- keeping them exact ----------------------------------------------------------------


def add(rows: Iterable[SmsLog]) -> None:
    """Count rows just inserted (call it in the inserting transaction)."""
    apply([], [counted(row) for row in rows])


def moved(rows: Iterable[SmsLog], old_status: str) -> None:
    """Count ``rows`` again: they were all in ``old_status`` and now are as
    loaded (a compare-and-set from that status, in this transaction)."""
    rows = list(rows)
    before = [Counted(day_of(r.created_at), old_status, r.credits or 0) for r in rows]
    apply(before, [counted(row) for row in rows])


def lock(rows: models.QuerySet[SmsLog]) -> dict[int, Counted]:
    """Lock the log rows ``rows`` finds, in primary-key order, and read what each
    counts as now. Call it inside a transaction that also writes them."""
    found = (
        rows.select_for_update()
        .order_by("pk")
        .values_list("pk", "created_at", "status", "credits")
    )
    return {
        pk: Counted(day_of(created), str(status), credits or 0)
        for pk, created, status, credits in found
    }


def update(rows: models.QuerySet[SmsLog], **values: Any) -> dict[int, Counted]:
    """``rows.update(**values)`` with the rollups kept exact, in one transaction.

    Returns the rows changed, as they counted before (their old status).
    """
    for name in COUNTED_FIELDS:
        if isinstance(values.get(name), Combinable):
            raise TypeError(f"{name} must be a value here, not an expression.")
    with write_transaction(SmsLog, savepoint=False):
        before = lock(rows)
        if before:
            SmsLog.objects.filter(pk__in=list(before)).update(**values)
            apply(before.values(), [_changed(item, values) for item in before.values()])
    return before


def _changed(item: Counted, values: Mapping[str, Any]) -> Counted:
    day = day_of(values["created_at"]) if "created_at" in values else item.day
    credits = values.get("credits", item.credits)
    return Counted(day, str(values.get("status", item.status)), credits or 0)


def delete(rows: models.QuerySet[SmsLog]) -> int:
    """Delete the log rows ``rows`` finds, with the rollups kept exact; how many."""
    with write_transaction(SmsLog, savepoint=False):
        before = lock(rows)
        if not before:
            return 0
        deleted = SmsLog.objects.filter(pk__in=list(before)).delete()[1]
        apply(before.values(), [])
    return deleted.get(SmsLog._meta.label, 0)


def apply(before: Iterable[Counted], after: Iterable[Counted]) -> None:
    """Take ``before`` off the rollups and add ``after``: one upsert of the
    (day, status) pairs that change, in key order."""
    totals: Totals = defaultdict(lambda: [0, 0])
    for sign, items in ((-1, before), (1, after)):
        for item in items:
            entry = totals[item.day, item.status]
            entry[0] += sign
            entry[1] += sign * item.credits
    changes = [
        ({"day": day, "status": status}, {"messages": n, "credits": c})
        for (day, status), (n, c) in sorted(totals.items())
        if n or c
    ]
    add_to_rows(DailyRollup, changes, using=router.db_for_write(DailyRollup))


# -- reading, counting again -------------------------------------------------------------


def between(first: date, last: date) -> list[tuple[date, str, int, int]]:
    """(day, status, messages, credits) of the days from ``first`` to ``last``."""
    return list(
        DailyRollup.objects.filter(day__range=(first, last))
        .exclude(messages=0, credits=0)
        .values_list("day", "status", "messages", "credits")
    )


def recount(rows: models.QuerySet[Any]) -> Totals:
    """What the rollups of ``rows`` (log rows) must be: a GROUP BY of the log."""
    grouped = (
        rows.annotate(day=TruncDate("created_at", tzinfo=_zone()))
        .values("day", "status")
        .annotate(n=Count("pk"), c=Coalesce(Sum("credits"), 0))
        .order_by()
    )
    return {(row["day"], row["status"]): [row["n"], row["c"]] for row in grouped}


def stored(rollups: models.QuerySet[Any]) -> Totals:
    """The rollup rows ``rollups`` finds, without the empty ones."""
    found = rollups.exclude(messages=0, credits=0)
    return {
        (day, status): [messages, credits]
        for day, status, messages, credits in found.values_list(
            "day", "status", "messages", "credits"
        )
    }


def _zone() -> Any:
    return timezone.get_default_timezone() if settings.USE_TZ else None


def rebuild(
    log: type[models.Model] = SmsLog, rollup: type[models.Model] = DailyRollup
) -> int:
    """Count the rollups again from the whole log; the number of rows written.

    Writers wait meanwhile (on PostgreSQL the rollup table is locked against
    writes; SQLite has one writer anyway), so none of their changes is lost or
    counted twice. The data migration passes its historical models.
    """
    with write_transaction(rollup):
        connection = transaction.get_connection(router.db_for_write(rollup))
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(rollup._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        rollup._default_manager.all().delete()
        rows = [
            rollup(day=day, status=status, messages=n, credits=c)
            for (day, status), (n, c) in sorted(
                recount(log._default_manager.all()).items()
            )
        ]
        rollup._default_manager.bulk_create(rows, batch_size=1000)
    return len(rows)


@dataclass(frozen=True)
class Difference:
    """Where the rollups of ``day`` differ from a recount of the log."""

    day: date
    #: status → (messages, credits) in the rollups and in the log
    stored: dict[str, tuple[int, int]]
    counted: dict[str, tuple[int, int]]

    @property
    def statuses(self) -> list[str]:
        return sorted(
            status
            for status in {*self.stored, *self.counted}
            if self.stored.get(status, (0, 0)) != self.counted.get(status, (0, 0))
        )


def differences() -> list[Difference]:
    """Every day whose rollups differ from a recount of the whole log."""
    expected = recount(SmsLog.objects.all())
    found = stored(DailyRollup.objects.all())
    days = sorted({day for day, _ in expected} | {day for day, _ in found})
    result = [
        Difference(day, _of_day(found, day), _of_day(expected, day)) for day in days
    ]
    return [difference for difference in result if difference.statuses]


def _of_day(totals: Totals, day: date) -> dict[str, tuple[int, int]]:
    return {status: (n, c) for (when, status), (n, c) in totals.items() if when == day}


def drift(now: datetime | None = None) -> Difference | None:
    """The difference found on one sample day, or None.

    Cheap enough for a system check and the dashboard: it recounts at most
    ``SAMPLE_LIMIT`` rows of one complete day of the last ``SAMPLE_DAYS`` — the
    one with the fewest messages, so the cheapest — and reads that day's rollups
    in the same statement, so a concurrent write cannot make them look apart.
    One day is enough for what makes them drift: an upgrade without the rebuild,
    a restored backup or another ``TIME_ZONE`` touch every day; manual SQL on a
    few rows may not, and ``turkeysms_rollups`` (which recounts everything)
    finds it.
    """
    day = sample_day(today(now))
    if day is None:
        return None
    statuses = _sample(day)
    stored_totals = {
        s: totals for (source, s), totals in statuses.items() if source == 0
    }
    counted_totals = {s: totals for (source, s), totals in statuses.items() if source}
    difference = Difference(day, stored_totals, counted_totals)
    return difference if difference.statuses else None


def sample_day(current: date) -> date | None:
    """The complete day before ``current`` (of ``SAMPLE_DAYS``) with the fewest
    messages in the rollups, but some; yesterday when none has any.

    None when every such day has more than ``SAMPLE_LIMIT`` messages: a capped
    recount of one would always look short, so there is no cheap sample then
    (``turkeysms_rollups`` recounts everything)."""
    first = current - timedelta(days=SAMPLE_DAYS)
    totals = (
        DailyRollup.objects.filter(day__gte=first, day__lt=current)
        .values("day")
        .annotate(n=Sum("messages"))
        .filter(n__gt=0)
        .order_by("n", "-day")
        .values_list("day", "n")
    )
    quietest = next(iter(totals[:1]), None)
    if quietest is None:
        return current - timedelta(days=1)
    day, messages = quietest
    return day if messages <= SAMPLE_LIMIT else None


def _sample(day: date) -> dict[tuple[int, str], tuple[int, int]]:
    """(0 = rollups, 1 = log, status) → (messages, credits) of ``day``, read in
    one statement (one snapshot)."""
    in_day = Q(
        created_at__gte=start_of(day), created_at__lt=start_of(day + timedelta(days=1))
    )
    capped = SmsLog.objects.filter(in_day).order_by().values("pk")[: SAMPLE_LIMIT + 1]
    log = (
        SmsLog.objects.filter(pk__in=capped)
        .order_by()
        .values("status")
        .annotate(source=Value(1), n=Count("pk"), c=Coalesce(Sum("credits"), 0))
        .values_list("source", "status", "n", "c")
    )
    rollups = (
        DailyRollup.objects.filter(day=day)
        .exclude(messages=0, credits=0)
        .order_by()
        .annotate(source=Value(0), n=models.F("messages"), c=models.F("credits"))
        .values_list("source", "status", "n", "c")
    )
    return {
        (source, status): (n, c)
        for source, status, n, c in rollups.union(log, all=True).order_by()
    }
