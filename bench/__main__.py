"""Run the benchmarks, each in its own process, and summarise them.

    python -m bench [--quick] [--only B1,B3,...]

Runs ``bench/send.py`` (B1, B2), ``send_log.py`` (B3), ``admin.py`` (B4),
``otp.py`` (B5), ``queue.py`` (B6, B7), ``sandbox_capacity.py`` (B8) and
``campaign.py`` (B9) and ``rollups.py`` (B10) in that order from the repository
root, streaming their output. The summary repeats every line with a ratio or a
target, with the machine and the total wall time.

Targets are reported, never enforced: the exit status is non-zero only when a
benchmark itself fails.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Benchmark:
    numbers: tuple[str, ...]
    script: str


BENCHMARKS = [
    Benchmark(("B1", "B2"), "bench/send.py"),
    Benchmark(("B3",), "bench/send_log.py"),
    Benchmark(("B4",), "bench/admin.py"),
    Benchmark(("B5",), "bench/otp.py"),
    Benchmark(("B6", "B7"), "bench/queue.py"),
    Benchmark(("B8",), "bench/sandbox_capacity.py"),
    Benchmark(("B9",), "bench/campaign.py"),
    Benchmark(("B10",), "bench/rollups.py"),
]
KNOWN = [number for benchmark in BENCHMARKS for number in benchmark.numbers]


@dataclass
class Outcome:
    benchmark: Benchmark
    returncode: int
    seconds: float
    lines: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{', '.join(self.benchmark.numbers)} — {self.benchmark.script}"

    @property
    def results(self) -> list[str]:
        """The lines that state a ratio or a target."""
        return [
            line.strip()
            for line in self.lines
            if "ratio" in line.lower() or "target" in line.lower()
        ]


def run(benchmark: Benchmark, *, quick: bool) -> Outcome:
    """Run one benchmark script, echoing its output as it comes."""
    command = [sys.executable, benchmark.script, *(["--quick"] if quick else [])]
    print(f"\n{'=' * 78}\n# {', '.join(benchmark.numbers)}: {' '.join(command[1:])}")
    print("=" * 78, flush=True)
    started = time.perf_counter()
    outcome = Outcome(benchmark, 0, 0.0)
    with subprocess.Popen(  # noqa: S603 - our own interpreter on our own scripts
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"},
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            outcome.lines.append(line.rstrip("\n"))
    outcome.returncode = process.returncode
    outcome.seconds = time.perf_counter() - started
    status = "ok" if outcome.returncode == 0 else f"FAILED (exit {process.returncode})"
    print(f"# {benchmark.script}: {status} in {outcome.seconds:.1f} s", flush=True)
    return outcome


# -- the machine ---------------------------------------------------------------------


def _proc_field(path: str, name: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as source:
            for line in source:
                key, _, value = line.partition(":")
                if key.strip() == name:
                    return value.strip()
    except OSError:
        return None
    return None


def cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "?"


def memory() -> str:
    total = _proc_field("/proc/meminfo", "MemTotal")  # "24567890 kB"
    if not total:
        return "?"
    return f"{int(total.split()[0]) / 1024**2:.1f} GiB"


def postgresql_version() -> str:
    try:
        import psycopg

        from bench.settings import DATABASES

        options = DATABASES["default"]
        with psycopg.connect(
            host=options["HOST"],
            port=options["PORT"],
            user=options["USER"],
            dbname="postgres",
            connect_timeout=5,
        ) as connection:
            row = connection.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"
    except Exception as error:  # the summary must still print
        return f"unavailable ({type(error).__name__}: {error})"


def machine() -> list[str]:
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"CPU: {cpu_model()}, {os.cpu_count()} cores; RAM {memory()}",
        f"Python {platform.python_version()} ({platform.python_implementation()}),"
        f" Django {importlib.metadata.version('django')},"
        f" PostgreSQL {postgresql_version()}",
        f"{platform.platform()}; load average now (1/5/15 min): {load}",
    ]


# -- main ----------------------------------------------------------------------------


def selected(only: str | None, parser: argparse.ArgumentParser) -> list[Benchmark]:
    if not only:
        return BENCHMARKS
    wanted = {part.strip().upper() for part in only.split(",") if part.strip()}
    unknown = sorted(wanted - set(KNOWN))
    if unknown or not wanted:
        parser.error(
            f"unknown benchmark(s) {', '.join(unknown) or '(none given)'};"
            f" choose among {', '.join(KNOWN)}"
        )
    return [b for b in BENCHMARKS if wanted & set(b.numbers)]


def summary(outcomes: list[Outcome], seconds: float, *, quick: bool) -> None:
    print(f"\n{'=' * 78}\n# Summary{' (--quick sizes)' if quick else ''}")
    print("=" * 78)
    for outcome in outcomes:
        status = (
            "" if outcome.returncode == 0 else f" — FAILED, exit {outcome.returncode}"
        )
        print(f"{outcome.title} ({outcome.seconds:.1f} s){status}")
        for line in outcome.results or ["(no ratio or target lines)"]:
            print(f"  {line}")
    print("Machine:")
    for line in machine():
        print(f"  {line}")
    print(f"Total wall time: {seconds:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, for CI (each script's own)"
    )
    parser.add_argument(
        "--only",
        metavar="B1,B3,...",
        help="run only the scripts measuring these (send.py runs B1 and B2 together,"
        " queue.py B6 and B7)",
    )
    args = parser.parse_args()
    benchmarks = selected(args.only, parser)
    started = time.perf_counter()
    outcomes = [run(benchmark, quick=args.quick) for benchmark in benchmarks]
    summary(outcomes, time.perf_counter() - started, quick=args.quick)
    failed = [outcome for outcome in outcomes if outcome.returncode != 0]
    if failed:
        print(
            "FAILED: "
            + ", ".join(f"{o.benchmark.script} (exit {o.returncode})" for o in failed)
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
