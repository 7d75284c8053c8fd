"""The recipients of ``turkeysms_send``, checked in full before anything is sent,
in memory that does not grow with them.

The first pass reads the CSV file row by row, validates each row and writes the
valid ones to a private temporary SQLite database (standard library; SQLite keeps
a few megabytes in memory and the rest on disk): one row per text and number, so
a number repeated for the same text is found there, not in a dictionary of the
whole file. The second pass reads them back a batch at a time, text by text, in
the order of the file. A temporary database rather than reading the file twice:
what is sent is exactly what was checked, even if the file changes meanwhile.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Callable, Iterator

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from django_turkeysms.exceptions import InvalidMessage, TurkeySmsError
from django_turkeysms.management.commands._util import one_line
from django_turkeysms.validation import check_text, normalize_recipients

#: Called with the line number and the reason of each row that is skipped.
OnSkip = Callable[[int, str], None]

_SCHEMA = """
CREATE TABLE texts (id INTEGER PRIMARY KEY, text TEXT UNIQUE NOT NULL, error TEXT);
CREATE TABLE recipients (
    text_id INTEGER NOT NULL, number TEXT NOT NULL, line INTEGER NOT NULL,
    UNIQUE (text_id, number)
);
CREATE INDEX recipients_order ON recipients (text_id, line);
"""


class Spool:
    """Texts and their recipients, on disk."""

    def __init__(self) -> None:
        # "": a private temporary database, removed when the connection closes.
        self.db = sqlite3.connect("")
        self.db.executescript(_SCHEMA)
        self._last: tuple[str, int, str | None] | None = None

    def close(self) -> None:
        """Remove the database (``with contextlib.closing(Spool()) as spool``)."""
        self.db.close()

    def add(self, line: int, text: str, number: str) -> str | None:
        """Keep ``number`` for ``text``; the reason to skip the row, or None."""
        text_id, error = self._text(text)
        if error is not None:
            return error
        added = self.db.execute(
            "INSERT OR IGNORE INTO recipients VALUES (?, ?, ?)", (text_id, number, line)
        ).rowcount
        if added:
            return None
        [(first,)] = self.db.execute(
            "SELECT line FROM recipients WHERE text_id = ? AND number = ?",
            (text_id, number),
        )
        return _("%(number)s already gets this text (line %(first)d).") % {
            "number": number,
            "first": first,
        }

    def _text(self, text: str) -> tuple[int, str | None]:
        """The text's id, and why it cannot be sent (checked once per text)."""
        if self._last is not None and self._last[0] == text:
            return self._last[1], self._last[2]
        found = self.db.execute(
            "SELECT id, error FROM texts WHERE text = ?", (text,)
        ).fetchone()
        if found is None:
            error = _text_error(text)
            cursor = self.db.execute(
                "INSERT INTO texts (text, error) VALUES (?, ?)", (text, error)
            )
            found = (cursor.lastrowid, error)
        self._last = (text, found[0], found[1])
        return found[0], found[1]

    def total(self) -> int:
        """Recipients kept, all texts together."""
        [(count,)] = self.db.execute("SELECT COUNT(*) FROM recipients")
        return int(count)

    def texts(self) -> Iterator[tuple[str, int]]:
        """Each text that can be sent and its number of recipients, in file order."""
        yield from self.db.execute(
            "SELECT texts.text, COUNT(*) FROM texts JOIN recipients "
            "ON recipients.text_id = texts.id GROUP BY texts.id ORDER BY texts.id"
        )

    def batches(self, size: int) -> Iterator[tuple[str, list[str]]]:
        """(text, up to ``size`` numbers), text by text, in file order."""
        texts = self.db.execute(
            "SELECT id, text FROM texts WHERE error IS NULL ORDER BY id"
        )
        for text_id, text in texts:
            rows = self.db.execute(
                "SELECT number FROM recipients WHERE text_id = ? ORDER BY line",
                (text_id,),
            )
            while chunk := rows.fetchmany(size):
                yield text, [number for (number,) in chunk]


def _text_error(text: str) -> str | None:
    try:
        check_text(text, "auto")
    except TurkeySmsError as exc:
        return one_line(exc)
    return None


# -- the CSV file --------------------------------------------------------------------


def read_csv(path: str, default_text: str | None, spool: Spool, skip: OnSkip) -> int:
    """Validate every row of the CSV file at ``path`` into ``spool``; the number
    of rows skipped (each reported to ``skip`` as it is met). Nothing is sent."""
    skipped = 0
    try:
        for line, row in _csv_rows(path, has_default_text=default_text is not None):
            reason = _keep(spool, line, row, default_text)
            if reason is not None:
                skip(line, reason)
                skipped += 1
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CommandError(
            _("Cannot read %(path)s: %(error)s")
            % {"path": path, "error": one_line(exc)}
        ) from exc
    return skipped


def _keep(
    spool: Spool, line: int, row: dict[str, str], default_text: str | None
) -> str | None:
    try:
        text = _row_text(row, default_text)
        number = next(iter(normalize_recipients(row.get("phone") or "")))
    except TurkeySmsError as exc:
        return one_line(exc)
    return spool.add(line, text, number)


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
