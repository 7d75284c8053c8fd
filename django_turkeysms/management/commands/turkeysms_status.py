"""Refresh delivery statuses of sent messages, or settle stuck ones (--sweep)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_turkeysms import maintenance, tasks
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import TurkeySmsError
from django_turkeysms.management.commands._util import (
    Progress,
    command_error,
    parse_duration,
)
from django_turkeysms.models import SmsLog
from django_turkeysms.phone import mask


class Command(BaseCommand):
    help = (
        "Look up the delivery status of sent messages, newest first, in batches, "
        "at most STATUS_LOOKUP_RATE a minute; messages older than STATUS_MAX_AGE "
        "are not looked up any more. Ctrl-C stops it; run again, it goes on. With --sweep, "
        "settle messages stuck in SENDING and re-enqueue queued ones whose task was "
        "lost; with --unknown, list messages whose outcome is unknown."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", help="only messages created in this window, e.g. 1h or 24h"
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="look up at most this many"
        )
        parser.add_argument(
            "--sweep", action="store_true", help="settle stuck messages instead"
        )
        parser.add_argument(
            "--unknown",
            action="store_true",
            help="list messages that may or may not have been sent (status UNKNOWN)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        try:
            if options["sweep"]:
                self._sweep()
            elif options["unknown"]:
                self._list_unknown(options["since"], options["limit"])
            else:
                self._refresh(options["since"], options["limit"])
        except (TurkeySmsError, ImproperlyConfigured) as exc:
            raise command_error(exc) from exc

    def _sweep(self) -> None:
        counts = maintenance.sweep()
        counts["requeued"] = tasks.requeue_lost()
        self.stdout.write(
            f"Swept: {counts['reconciled']} reconciled, {counts['unknown']} marked unknown, "
            f"{counts['requeued']} re-queued."
        )

    def _list_unknown(self, since: str | None, limit: int | None) -> None:
        """One line per UNKNOWN message, oldest first: check before retrying them."""
        rows = _since(SmsLog.objects.filter(status=SmsLog.Status.UNKNOWN), since)
        count = 0
        for row in rows[:limit].iterator():
            count += 1
            self.stdout.write(
                f"#{row.pk}  {row.created_at:%Y-%m-%d %H:%M:%S}  {mask(row.recipient)}"
                f"  {row.result_code or '-'}  {row.result_message}"
            )
        self.stdout.write(f"{count} message(s) with an unknown outcome.")

    def _refresh(self, since: str | None, limit: int | None) -> None:
        """The status refresh's policy (``maintenance.refresh_due``), newest first;
        Ctrl-C stops it after saying what it did."""
        window = parse_duration(since) if since else None
        due = maintenance.due_for_lookup()
        if window is not None:
            due = due.filter(created_at__gte=timezone.now() - window)
        total = due.count() if limit is None else min(due.count(), limit)
        progress = Progress(
            self.stderr, total, "Refreshing", enabled=self.verbosity > 0
        )
        totals: Counter[str] = Counter()
        started = time.monotonic()
        stopped = False
        try:
            for counts in maintenance.refresh_due(limit=limit, since=window):
                totals.update(counts)
                progress.advance(sum(counts.values()))
        except KeyboardInterrupt:
            stopped = True
        progress.finish()
        self._report(totals, time.monotonic() - started, stopped=stopped)

    def _report(self, totals: Counter[str], seconds: float, *, stopped: bool) -> None:
        looked_up = sum(totals.values())
        self.stdout.write(refresh_summary(totals, seconds))
        self.stdout.write(backlog_line(maintenance.backlog()))
        if stopped:
            self.stdout.write(
                _(
                    "Stopped after %(count)d; run it again to go on: what was looked "
                    "up is not looked up again for %(interval)s."
                )
                % {
                    "count": looked_up,
                    "interval": _seconds(conf.STATUS_RECHECK_INTERVAL),
                }
            )


def refresh_summary(totals: Counter[str], seconds: float) -> str:
    """'Looked up 5 messages in 1.2 s (250 a minute): 5 delivered.'"""
    looked_up = sum(totals.values()) - totals.get("waiting", 0)
    lookups = looked_up - totals.get("skipped", 0)
    per_minute = 60 * lookups / seconds if seconds > 0 else 0
    text = ngettext(
        "Looked up %(count)d message in %(seconds).1f s (%(rate)s a minute)",
        "Looked up %(count)d messages in %(seconds).1f s (%(rate)s a minute)",
        looked_up,
    ) % {"count": looked_up, "seconds": seconds, "rate": f"{per_minute:,.0f}"}
    summary = ", ".join(f"{count} {status}" for status, count in sorted(totals.items()))
    return f"{text}: {summary}." if summary else f"{text}."


def backlog_line(count: int) -> str:
    return ngettext(
        "Backlog: %(count)d sent message younger than %(age)s awaits its delivery report.",
        "Backlog: %(count)d sent messages younger than %(age)s await their delivery report.",
        count,
    ) % {"count": count, "age": _seconds(conf.STATUS_MAX_AGE)}


def _seconds(value: float) -> str:
    """A duration as the setting's readers think of it: 10 min, 72 h."""
    if value % 3600 == 0:
        return _("%(hours)d h") % {"hours": value // 3600}
    if value % 60 == 0:
        return _("%(minutes)d min") % {"minutes": value // 60}
    return _("%(seconds)d s") % {"seconds": value}


def _since(rows: QuerySet[SmsLog], since: str | None) -> QuerySet[SmsLog]:
    """``rows`` created within ``since`` (``"7d"``), oldest first."""
    if since:
        rows = rows.filter(created_at__gte=timezone.now() - parse_duration(since))
    return rows.order_by("pk")
