"""B9: a campaign at the provider's per-minute limit, paced and unpaced.

    python bench/campaign.py [--quick] [--recipients N] [--limit N]

RECIPIENTS numbers in a CSV file go through ``manage.py turkeysms_send --csv``
(``ASYNC``, django-tasks-rq) into the queue and are drained by 4 RQ workers; the
sandbox (in its own process) limits the account to LIMIT messages a minute and
answers TS-1060 past it. Two variants in one run, each with a fresh account, an
empty log and an empty queue:

* **paced**: the backend's ``rate`` at 97 % of the limit, the schedule in Redis;
* **unpaced** (the baseline): no rate, every worker sends as fast as it can and
  retries refusals with its backoff, up to ``MAX_ATTEMPTS``.

Measured for each: throughput as a share of the limit (messages the provider
accepted per minute, from the first one to the campaign's last request);
TS-1060 answers after the campaign's first minute, and in all; messages lost
(never accepted by the provider once every row is final) and sent twice (the
sandbox's sends per number); provider requests per message; the peak memory
(RSS) of the command and of each worker (``SimpleWorker``: jobs run in the
worker process, so its peak is theirs).

Targets (paced): throughput ≥ 95 % of the limit; TS-1060 after the first minute
0; lost 0; sent twice 0.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the root, not bench/, first on the path (see queue.py)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench._common import SandboxProcess, database, ratio_line, sandbox_process  # noqa: E402

database()

import django_rq  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402

from django_turkeysms.models import SmsLog  # noqa: E402

WORKERS = 4
PACE = 0.97  # the paced rate as a share of the account's limit (docs/async.md)
TEXT = "Kampanya: bu hafta tüm siparişlerde kargo bedava."
FINAL = (SmsLog.Status.SENT, SmsLog.Status.FAILED, SmsLog.Status.UNKNOWN)
PROVIDER = "django_turkeysms.backends.turkeysms.SmsBackend"


@dataclass(frozen=True)
class Size:
    recipients: int
    limit: int  # the account's messages per minute
    deadline: float  # seconds a variant may take to settle


FULL = Size(recipients=100_000, limit=25_000, deadline=1800.0)
QUICK = Size(recipients=1_260, limit=1_200, deadline=300.0)


@dataclass
class Outcome:
    name: str
    size: Size
    started: float = 0.0  # epoch seconds when the command started
    seconds: float = 0.0  # from the command's start until every row was final
    command_kib: int = 0
    workers_kib: list[int] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    accepted: list[float] = field(default_factory=list)  # epoch seconds, sorted
    sends: Counter[str] = field(default_factory=Counter)  # per number
    statuses: Counter[str] = field(default_factory=Counter)  # of the log rows

    def read_sandbox(self, sandbox: SandboxProcess) -> None:
        """What the provider saw: every request, refusal and accepted message."""
        self.stats = sandbox.stats()
        messages = sandbox.control("GET", "/_sandbox/messages")
        self.sends = Counter(message["number"] for message in messages)
        self.accepted = sorted(
            datetime.fromisoformat(message["created"]).timestamp()
            for message in messages
        )

    @property
    def sent(self) -> int:
        return len(self.sends)

    @property
    def twice(self) -> int:
        return sum(1 for count in self.sends.values() if count > 1)

    @property
    def lost(self) -> int:
        return self.size.recipients - self.sent

    @property
    def requests(self) -> int:
        return sum(self.stats["requests_by_number"].values())

    @property
    def refusals(self) -> list[float]:
        refusals: list[float] = self.stats["rate_limited_at"]
        return refusals

    @property
    def late_refusals(self) -> int:
        return sum(1 for moment in self.refusals if moment > self.started + 60)

    @property
    def per_minute(self) -> float:
        """Messages the provider accepted a minute, from the first one to the last
        request of the campaign (an accepted message or a refusal)."""
        if len(self.accepted) < 2:
            return 0.0
        end = max([self.accepted[-1], *self.refusals])
        return (len(self.accepted) - 1) / (end - self.accepted[0]) * 60

    @property
    def share(self) -> float:
        return self.per_minute / self.size.limit

    def minutes(self) -> list[int]:
        """Messages accepted in each minute of the campaign."""
        counts = Counter(int((moment - self.started) // 60) for moment in self.accepted)
        return [counts[minute] for minute in range(max(counts, default=-1) + 1)]


# -- set-up ------------------------------------------------------------------------


def write_csv(directory: Path, count: int) -> Path:
    path = directory / "campaign.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("phone\n")
        out.writelines(f"+90532{n:07d}\n" for n in range(count))
    return path


def fresh_account(sandbox: SandboxProcess, name: str, limit: int) -> str:
    """Forget every message and counter; a new account limited to ``limit``/min."""
    sandbox.control("POST", "/_sandbox/reset")
    api_key = f"campaign-{name}"
    sandbox.control(
        "POST",
        "/_sandbox/accounts",
        {"api_key": api_key, "rate_limit_per_minute": limit, "local_balance": 10**9},
    )
    return api_key


def configure(sandbox: SandboxProcess, api_key: str, rate: str | None) -> None:
    """The TURKEYSMS of this process, the command and the workers."""
    options = {
        "api_key": api_key,
        "sender": sandbox.sender,
        "base_url": sandbox.base_url,
        **({"rate": rate} if rate else {}),
    }
    config = {
        "BACKENDS": {"default": {"BACKEND": PROVIDER, "OPTIONS": options}},
        "ASYNC": True,
        "TASK_BACKEND": "rq",
        "TASK_BATCH_SIZE": 100,
    }
    settings.TURKEYSMS = config
    os.environ["TURKEYSMS_TEST_CONFIG"] = json.dumps(config)


def clean() -> None:
    """An empty send log, queue and pacing schedule."""
    with connection.cursor() as cursor:
        # CASCADE: one-time codes point at their log rows (none in this database).
        cursor.execute(f"TRUNCATE {SmsLog._meta.db_table} CASCADE")
    django_rq.get_connection("default").flushdb()
    caches["default"].clear()


# -- processes ---------------------------------------------------------------------


def peak_kib(pid: int) -> int:
    """A running process's peak resident memory (VmHWM), in KiB."""
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


@contextmanager
def rq_workers(count: int, peaks: list[int]) -> Iterator[None]:
    """``count`` RQ workers (jobs in the worker process); their peaks on the way out."""
    command = [sys.executable, "-m", "django", "rqworker", "default"]
    command += ["--job-class", "django_tasks_rq.Job", "--with-scheduler"]
    command += ["--worker-class", "rq.worker.SimpleWorker"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    time.sleep(3)  # let them start and connect
    try:
        yield
    finally:
        peaks.extend(peak_kib(process.pid) for process in processes)
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


def run_command(csv_path: Path) -> int:
    """``turkeysms_send --csv``; its peak resident memory in KiB."""
    command = [sys.executable, "-m", "django", "turkeysms_send", "--csv", str(csv_path)]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [*command, "--text", TEXT, "--verbosity", "0"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 3, 4, 5):  # 3–5: not every message sent yet
        raise RuntimeError(f"turkeysms_send exited {process.returncode}")
    return usage.ru_maxrss  # KiB on Linux


def settle(outcome: Outcome, started: float) -> None:
    """Wait until every row is final (or the size's deadline)."""
    final = SmsLog.objects.filter(status__in=FINAL)
    while final.count() < outcome.size.recipients:
        if time.monotonic() - started > outcome.size.deadline:
            print(f"  {outcome.name}: rows still not final at the deadline")
            break
        time.sleep(0.5)
    outcome.seconds = time.monotonic() - started


def measure(
    sandbox: SandboxProcess, csv_path: Path, size: Size, *, paced: bool
) -> Outcome:
    name = "paced" if paced else "unpaced"
    rate = f"{round(size.limit * PACE)}/m" if paced else None
    configure(sandbox, fresh_account(sandbox, name, size.limit), rate)
    clean()
    outcome = Outcome(f"{name} (rate {rate})" if rate else name, size)
    with rq_workers(WORKERS, outcome.workers_kib):
        outcome.started, started = time.time(), time.monotonic()
        outcome.command_kib = run_command(csv_path)
        settle(outcome, started)
    outcome.read_sandbox(sandbox)
    outcome.statuses = Counter(SmsLog.objects.values_list("status", flat=True))
    return outcome


# -- report ------------------------------------------------------------------------


def describe(outcome: Outcome) -> None:
    recipients = outcome.size.recipients
    print(
        f"  {outcome.name:<22} sent {outcome.sent:,} of {recipients:,} in "
        f"{outcome.seconds:.0f} s, "
        f"{outcome.per_minute:,.0f}/min = {outcome.share:.1%} of the limit; TS-1060 "
        f"{len(outcome.refusals):,} ({outcome.late_refusals:,} after the first "
        f"minute); lost {outcome.lost:,} (log: {dict(outcome.statuses)}); sent twice "
        f"{outcome.twice:,}; provider "
        f"requests {outcome.requests:,} ({outcome.requests / recipients:.2f} a message)"
    )
    workers = ", ".join(f"{kib / 1024:.0f}" for kib in outcome.workers_kib)
    print(
        f"  {'':<22} peak memory: command {outcome.command_kib / 1024:.0f} MiB, "
        f"workers {workers} MiB; sent per minute {outcome.minutes()}"
    )


def targets(paced: Outcome, unpaced: Outcome) -> None:
    share = paced.share
    print(
        f"  target paced throughput ≥ 95 % of the limit: {share:.1%} "
        f"({'met' if share >= 0.95 else 'MISSED'})"
    )
    late = paced.late_refusals
    print(
        f"  target paced TS-1060 after the first minute = 0: {late} "
        f"({'met' if late == 0 else 'MISSED'})"
    )
    clean_run = paced.lost == 0 and paced.twice == 0
    print(
        f"  target paced lost = 0 and sent twice = 0: {paced.lost}, {paced.twice} "
        f"({'met' if clean_run else 'MISSED'})"
    )
    ratio_line("paced / unpaced messages sent", paced.sent / max(unpaced.sent, 1))
    ratio_line(
        "unpaced / paced provider requests per message",
        unpaced.requests / max(paced.requests, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--recipients", type=int, help="override the size's count")
    parser.add_argument("--limit", type=int, help="override the account's limit/min")
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    size = Size(
        args.recipients or size.recipients, args.limit or size.limit, size.deadline
    )
    with tempfile.TemporaryDirectory() as directory, sandbox_process() as sandbox:
        csv_path = write_csv(Path(directory), size.recipients)
        paced = measure(sandbox, csv_path, size, paced=True)
        unpaced = measure(sandbox, csv_path, size, paced=False)
        clean()
    print(
        f"## B9 campaign: {size.recipients:,} recipients through turkeysms_send "
        f"--csv, {WORKERS} RQ workers, account limit {size.limit:,}/min"
    )
    describe(paced)
    describe(unpaced)
    targets(paced, unpaced)


if __name__ == "__main__":
    main()
