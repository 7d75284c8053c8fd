"""Helpers shared by the turkeysms_* commands: durations, a progress line, errors."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError, CommandParser, OutputWrapper

from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.handler import sms_backends
from django_turkeysms.redaction import mask_text

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def add_backend_argument(parser: CommandParser) -> None:
    """``--backend ALIAS``, shared by the commands that talk to a backend."""
    parser.add_argument(
        "--backend",
        default="default",
        metavar="ALIAS",
        help="the alias in TURKEYSMS['BACKENDS'] (default: default)",
    )


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
            self._emit(f"\r{self.label} [{bar}] {self.done}/{self.total}")

    def finish(self) -> None:
        if self.enabled:
            self._emit("\n")

    def _emit(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            # A command's self.stderr would end every update with a newline and
            # colour it as an error.
            self.stream.write(text, style_func=_unstyled, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()


def _unstyled(text: str) -> str:
    return text


_SECRET_OPTION_WORDS = ("key", "secret", "token", "password")


def one_line(exc: BaseException, *, secrets: tuple[str, ...] = ()) -> str:
    """The error's text on one line, with any of ``secrets`` masked (in any form)."""
    return mask_text(" ".join(str(exc).split()) or type(exc).__name__, secrets)


def command_error(
    exc: BaseException, backend: BaseSmsBackend | None = None
) -> CommandError:
    """A one-line ``CommandError`` for ``exc``; the backend's secrets never show."""
    return CommandError(one_line(exc, secrets=backend_secrets(backend)))


def backend_secrets(backend: BaseSmsBackend | None) -> tuple[str, ...]:
    """The values of the backend's options that look like credentials."""
    if backend is None:
        return ()
    return tuple(
        value
        for name, value in backend.config.items()
        if isinstance(value, str)
        and any(word in name.lower() for word in _SECRET_OPTION_WORDS)
    )


def load_backend(alias: str) -> BaseSmsBackend:
    """``sms_backends[alias]``; a configuration problem becomes a ``CommandError``."""
    try:
        return sms_backends[alias]
    except ImproperlyConfigured as exc:
        raise command_error(exc) from exc
