"""Compare the dashboard's daily rollups with the send log, or count them again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_turkeysms import rollups


class Command(BaseCommand):
    help = (
        "Compare the daily rollups the admin dashboard reads with a full recount "
        "of the send log, and list the days that differ (exit status 1 if any). "
        "With --rebuild, count them again from the log: after manual SQL, a "
        "restored backup, an upgrade while old workers ran, or a change of "
        "TIME_ZONE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="count the rollups again from the log (writers wait meanwhile)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            written = rollups.rebuild()
            self.stdout.write(
                ngettext(
                    "Counted the rollups again from the log: %(count)d row.",
                    "Counted the rollups again from the log: %(count)d rows.",
                    written,
                )
                % {"count": written}
            )
            return
        differences = rollups.differences()
        for difference in differences:
            for line in describe(difference):
                self.stdout.write(line)
        if differences:
            raise CommandError(
                ngettext(
                    "The rollups of %(count)d day differ from the log: run "
                    "turkeysms_rollups --rebuild.",
                    "The rollups of %(count)d days differ from the log: run "
                    "turkeysms_rollups --rebuild.",
                    len(differences),
                )
                % {"count": len(differences)}
            )
        self.stdout.write(_("The rollups agree with the log."))


def describe(difference: rollups.Difference) -> list[str]:
    """One line per status whose rollups differ from the log on that day."""
    return [
        _(
            "%(day)s %(status)s: rollups %(stored)d messages, %(stored_credits)d "
            "credits; log %(counted)d messages, %(counted_credits)d credits"
        )
        % {
            "day": difference.day.isoformat(),
            "status": status,
            "stored": difference.stored.get(status, (0, 0))[0],
            "stored_credits": difference.stored.get(status, (0, 0))[1],
            "counted": difference.counted.get(status, (0, 0))[0],
            "counted_credits": difference.counted.get(status, (0, 0))[1],
        }
        for status in difference.statuses
    ]
