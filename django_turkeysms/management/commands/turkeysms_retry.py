"""Send the queued messages whose retry time has come (``maintenance.deliver_due``).

A command of its own rather than an option of ``turkeysms_send`` (which composes
new messages) or ``turkeysms_status`` (which looks up sent ones): it is the job a
cron line runs every minute in synchronous mode, and a script loops on its exit
status until nothing waits.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import ngettext

from django_turkeysms import maintenance
from django_turkeysms.exceptions import TurkeySmsError
from django_turkeysms.management.commands._report import EXIT_STATUS_HELP, Report
from django_turkeysms.management.commands._util import command_error


class Command(BaseCommand):
    help = (
        "Send the queued messages whose retry time has come: those the provider "
        "could not be reached for. Run it from cron every minute in synchronous "
        "mode (the task workers retry by themselves when a task backend can defer). "
        + EXIT_STATUS_HELP
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit",
            type=int,
            default=1000,
            help="retry at most this many messages, oldest first (default: 1000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rows = maintenance.deliver_due(limit=max(options["limit"], 1))
        except (TurkeySmsError, ImproperlyConfigured) as exc:
            raise command_error(exc) from exc
        ids = [row.pk for row in rows]
        report = Report()
        report.add(ids)
        report.add_other_waiting(exclude=ids)
        retried = ngettext(
            "Retried %(count)d message.", "Retried %(count)d messages.", len(ids)
        ) % {"count": len(ids)}
        self.stdout.write(f"{retried} {report.summary()}")
        for line in report.next_steps():
            self.stdout.write(line)
        report.raise_for_status()
