"""Send one text to numbers given on the command line, or the rows of a CSV file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_turkeysms.conf import conf
from django_turkeysms.encoding import SegmentInfo
from django_turkeysms.exceptions import TurkeySmsError
from django_turkeysms.management.commands._report import EXIT_STATUS_HELP, Report
from django_turkeysms.management.commands._spool import Spool, read_csv
from django_turkeysms.management.commands._util import (
    Progress,
    add_backend_argument,
    command_error,
)
from django_turkeysms.message import Category, SmsMessage
from django_turkeysms.sending import send_validated
from django_turkeysms.validation import (
    ValidatedMessage,
    check_text,
    normalize_recipients,
    validate,
)

#: Recipients per send call: bounds the rows and the memory of one call.
BATCH_SIZE = 500


class Command(BaseCommand):
    help = (
        "Send an SMS: one text to the numbers given with --to, or the rows of a CSV "
        "file (columns phone and, optionally, text). Every row is validated before "
        "anything is sent, in memory that does not grow with the file; invalid rows "
        "are reported and skipped. Messages that "
        "are not sent are listed with what happens to them next. " + EXIT_STATUS_HELP
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--to", action="append", metavar="NUMBER", help="a recipient; repeat"
        )
        source.add_argument(
            "--csv",
            metavar="FILE",
            help="a CSV file with a header row: phone (required), text (optional)",
        )
        parser.add_argument(
            "--text", help="the message text (with --csv: for rows without one)"
        )
        parser.add_argument(
            "--sender", help="the sender ID (default: the backend's sender)"
        )
        self._add_options(parser)

    def _add_options(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--category",
            choices=[Category.TRANSACTIONAL, Category.COMMERCIAL],
            default=Category.TRANSACTIONAL,
            help="commercial messages need İYS consent (default: transactional)",
        )
        add_backend_argument(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate and estimate the credits; send nothing, write nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.alias: str = options["backend"]
        self.verbosity = int(options["verbosity"])
        self.skipped = 0
        report = Report()
        try:
            with closing(Spool()) as spool:
                self._fill(spool, options)
                self._validate(spool, options)
                if options["dry_run"]:
                    self._estimate(spool)
                else:
                    self._send(spool, options, report)
        except (TurkeySmsError, ImproperlyConfigured) as exc:
            raise command_error(exc) from exc
        self._report_skipped()
        report.raise_for_status()

    def _report_skipped(self) -> None:
        if self.skipped:
            self.stdout.write(
                ngettext(
                    "Skipped %(count)d invalid row.",
                    "Skipped %(count)d invalid rows.",
                    self.skipped,
                )
                % {"count": self.skipped}
            )

    def _fill(self, spool: Spool, options: dict[str, Any]) -> None:
        """Every recipient and text, checked: the first of two passes."""
        text: str | None = options["text"]
        if options["csv"] is None:
            if text is None:
                raise CommandError(_("--text is required with --to."))
            check_text(text, "auto")
            for number in normalize_recipients(options["to"]):
                spool.add(0, text, number)
            return
        self.skipped = read_csv(options["csv"], text, spool, self._skip)
        if not spool.total():
            raise CommandError(
                _("No row of %(path)s can be sent.") % {"path": options["csv"]}
            )

    def _skip(self, line: int, reason: str) -> None:
        self.stderr.write(
            _("Line %(line)d skipped: %(reason)s") % {"line": line, "reason": reason}
        )

    def _batches(
        self, spool: Spool, options: dict[str, Any]
    ) -> Iterator[ValidatedMessage]:
        """The messages to send, a batch of recipients each, validated as they come."""
        size = max(1, min(BATCH_SIZE, conf.MAX_RECIPIENTS))
        for text, numbers in spool.batches(size):
            message = SmsMessage(
                text, numbers, sender=options["sender"], category=options["category"]
            )
            yield validate(message, self.alias)

    def _validate(self, spool: Spool, options: dict[str, Any]) -> None:
        """What every batch shares — the sender, the category, the backend — checked
        on the first one before anything is sent (each row was checked in _fill)."""
        next(self._batches(spool, options))

    def _send(self, spool: Spool, options: dict[str, Any], report: Report) -> None:
        progress = Progress(
            self.stderr, spool.total(), _("Sending"), enabled=self.verbosity > 0
        )
        try:
            for plan in self._batches(spool, options):
                rows = send_validated(plan)
                report.add([row.pk for row in rows])
                progress.advance(len(plan.recipients))
        finally:  # on an error, still say what was sent before it
            progress.finish()
            self.stdout.write(report.summary())
        for line in report.next_steps():
            self.stdout.write(line)

    def _estimate(self, spool: Spool) -> None:
        total = credits = 0
        for text, count in spool.texts():
            info = check_text(text, "auto")
            self.stdout.write(estimate(text, info, count))
            total, credits = total + count, credits + info.segments * count
        self.stdout.write(
            _(
                "Total: recipients %(recipients)d, estimated credits %(credits)d. "
                "Dry run: nothing was sent."
            )
            % {"recipients": total, "credits": credits}
        )


def estimate(text: str, info: SegmentInfo, recipients: int) -> str:
    """One text's line of a dry run: encoding, segments, recipients, credits."""
    return _(
        '"%(preview)s": encoding %(encoding)s, segments %(segments)d, '
        "recipients %(recipients)d, estimated credits %(credits)d"
    ) % {
        "preview": Truncator(" ".join(text.split())).chars(40),
        "encoding": info.lang.name,
        "segments": info.segments,
        "recipients": recipients,
        "credits": info.segments * recipients,
    }
