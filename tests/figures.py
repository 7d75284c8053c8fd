"""Figures the reliability suite reports (security-and-reliability §3.4).

Tests add to named counters with :func:`add` or set a line with :func:`note`;
``pytest_terminal_summary`` (re-exported by the suites' conftest modules) prints
them after pytest's own summary, so ``make reliability`` ends with the figures
``docs/reliability.md`` quotes.
"""

from __future__ import annotations

import os

import pytest

_counts: dict[str, int] = {}
_notes: dict[str, str] = {}


def runs(ci: int = 5, long: int = 50) -> int:
    """Randomised runs per fault: small in CI, ``long`` when
    ``TURKEYSMS_RELIABILITY_LONG`` is set (``make reliability``)."""
    return long if os.environ.get("TURKEYSMS_RELIABILITY_LONG") else ci


def add(name: str, amount: int = 1) -> None:
    _counts[name] = _counts.get(name, 0) + amount


def peak(name: str, value: int) -> None:
    """Keep the highest ``value`` seen under ``name``."""
    _counts[name] = max(_counts.get(name, value), value)


def note(name: str, text: str) -> None:
    _notes[name] = text


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not (_counts or _notes):
        return
    terminalreporter.section("reliability and security figures")
    for name, value in sorted(_counts.items()):
        terminalreporter.write_line(f"{name}: {value:,}")
    for name, text in sorted(_notes.items()):
        terminalreporter.write_line(f"{name}: {text}")
