"""Send one text to numbers given on the command line, or the rows of a CSV file."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_turkeysms.conf import conf
from django_turkeysms.encoding import SegmentInfo
from django_turkeysms.exceptions import InvalidMessage, TurkeySmsError
from django_turkeysms.management.commands._report import EXIT_STATUS_HELP, Report
from django_turkeysms.management.commands._util import (
    Progress,
    add_backend_argument,
    command_error,
    one_line,
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

#: text → E.164 number → the CSV line it came from (0 for --to).
Groups = dict[str, dict[str, int]]


class Command(BaseCommand):
    help = (
        "Send an SMS: one text to the numbers given with --to, or the rows of a CSV "
        "file (columns phone and, optionally, text). Every row is validated before "
        "anything is sent; invalid rows are reported and skipped. Messages that "
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
            plans = self._plans(options)
            if options["dry_run"]:
                self._estimate(plans)
            else:
                self._send(plans, report)
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

    def _plans(self, options: dict[str, Any]) -> list[ValidatedMessage]:
        """Every message to send, validated before anything is sent."""
        size = max(1, min(BATCH_SIZE, conf.MAX_RECIPIENTS))
        messages = [
            SmsMessage(
                text, batch, sender=options["sender"], category=options["category"]
            )
            for text, recipients in self._groups(options).items()
            for batch in batches(list(recipients), size)
        ]
        return [validate(message, self.alias) for message in messages]

    def _groups(self, options: dict[str, Any]) -> Groups:
        text: str | None = options["text"]
        if options["csv"] is None:
            if text is None:
                raise CommandError(_("--text is required with --to."))
            return {text: dict.fromkeys(normalize_recipients(options["to"]), 0)}
        rows = read_csv(options["csv"], text)
        for line, reason in rows.skipped:
            self.stderr.write(
                _("Line %(line)d skipped: %(reason)s")
                % {"line": line, "reason": reason}
            )
        self.skipped = len(rows.skipped)
        if not rows.groups:
            raise CommandError(
                _("No row of %(path)s can be sent.") % {"path": options["csv"]}
            )
        return rows.groups

    def _send(self, plans: list[ValidatedMessage], report: Report) -> None:
        total = sum(len(plan.recipients) for plan in plans)
        progress = Progress(
            self.stderr, total, _("Sending"), enabled=self.verbosity > 0
        )
        try:
            for plan in plans:
                rows = send_validated(plan)  # validated once, in _plans()
                report.add([row.pk for row in rows])
                progress.advance(len(plan.recipients))
        finally:  # on an error, still say what was sent before it
            progress.finish()
            self.stdout.write(report.summary())
        for line in report.next_steps():
            self.stdout.write(line)

    def _estimate(self, plans: list[ValidatedMessage]) -> None:
        texts: dict[str, tuple[SegmentInfo, int]] = {}
        for plan in plans:
            info, count = texts.get(plan.message.text, (plan.info, 0))
            texts[plan.message.text] = (info, count + len(plan.recipients))
        for text, (info, count) in texts.items():
            self.stdout.write(estimate(text, info, count))
        self.stdout.write(
            _(
                "Total: recipients %(recipients)d, estimated credits %(credits)d. "
                "Dry run: nothing was sent."
            )
            % {
                "recipients": sum(count for _info, count in texts.values()),
                "credits": sum(info.segments * n for info, n in texts.values()),
            }
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


def batches(numbers: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(numbers), size):
        yield numbers[start : start + size]


# -- CSV input ---------------------------------------------------------------------


@dataclass
class CsvRows:
    """The valid rows of a CSV file grouped by text, and the skipped ones."""

    groups: Groups = field(default_factory=dict)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, text: str, number: str) -> None:
        group = self.groups.setdefault(text, {})
        if number in group:
            self.skip(
                line,
                _("%(number)s already gets this text (line %(first)d).")
                % {"number": number, "first": group[number]},
            )
        else:
            group[number] = line

    def skip(self, line: int, reason: str) -> None:
        self.skipped.append((line, reason))

    def drop_unsendable_texts(self) -> None:
        """Skip the rows of a text that cannot be sent (e.g. too long)."""
        for text in list(self.groups):
            try:
                check_text(text, "auto")
            except TurkeySmsError as exc:
                for line in self.groups.pop(text).values():
                    self.skip(line, one_line(exc))
        self.skipped.sort()


def read_csv(path: str, default_text: str | None) -> CsvRows:
    """Validate every row of the CSV file at ``path``; nothing is sent here."""
    rows = CsvRows()
    try:
        for line, row in _csv_rows(path, has_default_text=default_text is not None):
            try:
                text = _row_text(row, default_text)
                number = next(iter(normalize_recipients(row.get("phone") or "")))
            except TurkeySmsError as exc:
                rows.skip(line, one_line(exc))
            else:
                rows.add(line, text, number)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CommandError(
            _("Cannot read %(path)s: %(error)s")
            % {"path": path, "error": one_line(exc)}
        ) from exc
    rows.drop_unsendable_texts()
    return rows


def _csv_rows(
    path: str, *, has_default_text: bool
) -> Iterator[tuple[int, dict[str, str]]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        names = [(name or "").strip().lower() for name in reader.fieldnames or []]
        if "phone" not in names:
            raise CommandError(
                _("%(path)s has no phone column: the first row must name the columns.")
                % {"path": path}
            )
        if "text" not in names and not has_default_text:
            raise CommandError(
                _("%(path)s has no text column: add one or pass --text.")
                % {"path": path}
            )
        reader.fieldnames = names
        for row in reader:
            yield reader.line_num, row


def _row_text(row: dict[str, str], default_text: str | None) -> str:
    text = row.get("text") or ""
    if text.strip():
        return text
    if default_text is None:
        raise InvalidMessage(_("The text column is empty and --text was not given."))
    return default_text
