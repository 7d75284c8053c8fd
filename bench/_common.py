"""Shared helpers for the benchmarks: a sandbox process, timing, reporting.

Absolute times on shared machines drift, so every benchmark reports ratios of
variants measured in the same run, as the median of interleaved rounds.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests

ROUNDS = 5


@dataclass
class SandboxProcess:
    base_url: str
    api_key: str
    sender: str

    def control(self, method: str, path: str, payload: object | None = None) -> object:
        response = requests.request(
            method, self.base_url + path, json=payload, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def set_latency(self, seconds: float) -> None:
        self.control("DELETE", "/_sandbox/faults")
        if seconds:
            self.control(
                "POST",
                "/_sandbox/faults",
                {"kind": "latency", "params": {"seconds": seconds}},
            )

    def stats(self) -> dict[str, int]:
        stats = self.control("GET", "/_sandbox/stats")
        assert isinstance(stats, dict)
        return stats


@contextmanager
def sandbox_process() -> Iterator[SandboxProcess]:
    """Run the sandbox in its own process, so that it does not share our GIL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "django_turkeysms.sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(4)]
        base_url = lines[0].rsplit(" ", 1)[-1]
        yield SandboxProcess(
            base_url, lines[1].split(": ", 1)[1], lines[2].split(": ", 1)[1]
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


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
