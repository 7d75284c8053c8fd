"""KVKK retention: delete (or anonymise) old SMS log rows and expired OTP challenges."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_turkeysms.management.commands._util import parse_duration
from django_turkeysms.retention import cleanup

MINIMUM_AGE = timedelta(days=1)


class Command(BaseCommand):
    help = (
        "Delete SMS log rows in a final status older than --older-than (or, with "
        "--anonymise, keep them for statistics without personal data), and delete "
        "OTP challenges that expired before then."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            required=True,
            metavar="DURATION",
            help="the retention period, at least 1d: e.g. 180d or 26w",
        )
        parser.add_argument(
            "--anonymise",
            "--anonymize",
            action="store_true",
            help="blank the text, number, tag and metadata instead of deleting rows",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what would change"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        age = parse_duration(options["older_than"])
        if age < MINIMUM_AGE:
            raise CommandError(
                _("--older-than must be at least 1 day, not %(value)s.")
                % {"value": options["older_than"]}
            )
        counts = cleanup(
            timezone.now() - age,
            anonymise=options["anonymise"],
            dry_run=options["dry_run"],
        )
        self.stdout.write(report(*counts, options))


def report(logs: int, otps: int, options: dict[str, Any]) -> str:
    counts = {
        "logs": ngettext("%(n)s SMS log row", "%(n)s SMS log rows", logs)
        % {"n": f"{logs:,}"},
        "otps": ngettext("%(n)s OTP challenge", "%(n)s OTP challenges", otps)
        % {"n": f"{otps:,}"},
    }
    if options["dry_run"] and options["anonymise"]:
        template = _("Would anonymise %(logs)s and delete %(otps)s.")
    elif options["dry_run"]:
        template = _("Would delete %(logs)s and %(otps)s.")
    elif options["anonymise"]:
        template = _("Anonymised %(logs)s and deleted %(otps)s.")
    else:
        template = _("Deleted %(logs)s and %(otps)s.")
    return template % counts
