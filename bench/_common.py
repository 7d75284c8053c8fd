"""Shared helpers for the benchmarks: a sandbox process, timing, reporting.

Absolute times on shared machines drift, so every benchmark reports ratios of
variants measured in the same run, as the median of interleaved rounds.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

from django_turkeysms.testing.sandbox.process import SandboxProcess

__all__ = [
    "SandboxProcess",
    "database",
    "interleaved",
    "rate",
    "ratio_line",
    "report",
    "sandbox_process",
]

ROUNDS = 5


def sandbox_process() -> SandboxProcess:
    """The sandbox in its own process, so that it does not share our GIL."""
    return SandboxProcess()


def database(settings_module: str = "bench.settings") -> None:
    """Create the benchmark's PostgreSQL database if needed, set up Django, migrate."""
    import django
    import psycopg
    from django.conf import settings
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    django.setup()
    name = settings.DATABASES["default"]["NAME"]
    options = settings.DATABASES["default"]
    with psycopg.connect(
        host=options["HOST"],
        port=options["PORT"],
        user=options["USER"],
        dbname="postgres",
        autocommit=True,
    ) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def rate(count: int, work: Callable[[], object]) -> float:
    """Items per second for one run of ``work`` handling ``count`` items."""
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)


def interleaved(
    variants: dict[str, Callable[[], float]], rounds: int = ROUNDS
) -> dict[str, float]:
    """Run every variant once per round, in turn; the median of each."""
    results: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, measure in variants.items():
            results[name].append(measure())
    return {name: statistics.median(values) for name, values in results.items()}


def report(title: str, results: dict[str, float], unit: str = "msg/s") -> None:
    print(f"## {title}")
    for name, value in results.items():
        print(f"  {name:<44} {value:>10,.0f} {unit}")


def ratio_line(
    label: str, value: float, target: float | None = None, *, at_most: bool = False
) -> str:
    """``label: 1.23×`` with the target and whether it is met."""
    line = f"  ratio {label}: {value:.2f}×"
    if target is not None:
        met = value <= target if at_most else value >= target
        line += f" (target {'≤' if at_most else '≥'} {target}×: {'met' if met else 'MISSED'})"
    print(line)
    return line
