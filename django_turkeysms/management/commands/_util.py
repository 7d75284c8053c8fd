"""Helpers shared by the turkeysms_* commands: durations and a progress line."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Protocol

from django.core.management.base import CommandError

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: str) -> timedelta:
    """``"90s"``, ``"15m"``, ``"24h"``, ``"7d"``, ``"2w"`` → a timedelta."""
    match = _DURATION.match(value)
    if match is None:
        raise CommandError(
            f"Invalid duration {value!r}: use a number and s, m, h, d or w, e.g. 7d."
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


class Stream(Protocol):
    def write(self, msg: str, /) -> Any: ...
    def flush(self) -> Any: ...
    def isatty(self) -> bool: ...


class Progress:
    """A one-line progress bar on a terminal; silent when not a terminal."""

    def __init__(
        self, stream: Stream, total: int, label: str, *, enabled: bool = True
    ) -> None:
        self.stream, self.total, self.label, self.done = stream, total, label, 0
        self.enabled = enabled and total > 0 and stream.isatty()

    def advance(self, count: int) -> None:
        self.done += count
        if self.enabled:
            width = 30
            filled = int(width * self.done / self.total)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
