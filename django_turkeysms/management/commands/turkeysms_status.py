"""Refresh delivery statuses of sent messages, or settle stuck ones (--sweep)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import QuerySet
from django.utils import timezone

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
        "Look up the delivery status of sent messages in batches. With --sweep, "
        "settle messages stuck in SENDING and re-enqueue queued ones whose task was "
        "lost; with --unknown, list messages whose outcome is unknown."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", help="only messages created in this window, e.g. 24h or 7d"
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
        rows = _since(SmsLog.objects.awaiting_report(), since)
        ids = list(rows.values_list("pk", flat=True)[:limit])
        progress = Progress(
            self.stderr, len(ids), "Refreshing", enabled=self.verbosity > 0
        )
        totals: Counter[str] = Counter()
        size = conf.STATUS_BATCH_SIZE
        for start in range(0, len(ids), size):
            batch = list(SmsLog.objects.filter(pk__in=ids[start : start + size]))
            totals.update(maintenance.refresh_status(batch))
            progress.advance(len(batch))
        progress.finish()
        summary = ", ".join(
            f"{count} {status}" for status, count in sorted(totals.items())
        )
        self.stdout.write(
            f"Looked up {len(ids)} message(s){': ' + summary if summary else ''}."
        )


def _since(rows: QuerySet[SmsLog], since: str | None) -> QuerySet[SmsLog]:
    """``rows`` created within ``since`` (``"7d"``), oldest first."""
    if since:
        rows = rows.filter(created_at__gte=timezone.now() - parse_duration(since))
    return rows.order_by("pk")
