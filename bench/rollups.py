"""B10: the admin at campaign scale — the dashboard on the daily rollups, their
cost on the send path, and the status refresh at a per-minute limit.

    python bench/rollups.py [--quick]

1. **Dashboard.** 100,000 and then 1,000,000 rows over 30 days on PostgreSQL
   (``--quick``: 2,000 and 20,000), the rollups counted by ``rebuild()``. p50 ms
   and queries of the dashboard page and of the send-log changelist, requests
   interleaved, through the test client; and, for scale, the GROUP BY of the
   month the dashboard ran before the rollups.
2. **Send path.** B3's ``send_sms()`` to 10, 100 and 1,000 recipients: the SQL
   statements of one send, and send + log throughput at 1,000 recipients
   (``--quick``: 100), interleaved, with the rollups and with their statements
   switched off (what B3 wrote before).
3. **Status refresh.** N sent messages looked up through the sandbox (in its own
   process, every message pending) by ``maintenance.refresh_due()`` at
   ``STATUS_LOOKUP_RATE`` a minute (``--quick``: 1,200/min and 300 lookups;
   otherwise 600/min and 1,000): the steady lookups per minute as a share of the
   limit, the most lookups in any 60 s, and the same lookups unpaced (what the
   sandbox could answer). The sandbox counts its per-minute limit on messages
   sent, not on lookups, so the limit measured here is ours.

Targets: dashboard p50 ≤ 2× the changelist's at the larger size and within 1.2×
between the sizes; statements per send constant in N; refresh ≥ 95 % of the
limit and never more than the limit in any 60 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench._common import (  # noqa: E402
    SandboxProcess,
    database,
    interleaved,
    ratio_line,
    report,
)

database()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.functions import TruncDate  # noqa: E402
from django.test import Client  # noqa: E402

from bench import send_log  # noqa: E402
from bench.admin import fill, measure  # noqa: E402
from django_turkeysms import maintenance, rollups, send_sms  # noqa: E402
from django_turkeysms.models import DailyRollup, SmsLog  # noqa: E402

DASHBOARD = "/admin/django_turkeysms/smslog/dashboard/"
CHANGELIST = "/admin/django_turkeysms/smslog/"
#: Row ``i`` lands anywhere in the last 30 days, at every size (104,729 is prime).
A_MONTH = "now() - ((i::bigint * 104729) %% 2592000) * interval '1 second'"
OURS, OFF = "send_sms() with the rollups", "before: no rollups, no transactions"


# -- 1. the dashboard ---------------------------------------------------------------


def pages(client: Client, runs: int) -> dict[str, tuple[float, int]]:
    """p50 ms and queries of the dashboard and the changelist, interleaved."""
    times: dict[str, list[float]] = {DASHBOARD: [], CHANGELIST: []}
    queries: dict[str, int] = {}
    for url in times:  # warm: templates, the balance and the drift test cached
        client.get(url)
    for _ in range(runs):
        for url, found in times.items():
            median, queries[url] = measure(client, url, {}, 1)
            found.append(median)
    return {
        url: (statistics.median(found), queries[url]) for url, found in times.items()
    }


def month_grouped() -> float:
    """Milliseconds of the dashboard's query before the rollups."""
    started = time.perf_counter()
    since = rollups.start_of(rollups.today() - timedelta(days=29))
    list(
        SmsLog.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return (time.perf_counter() - started) * 1000


def at_size(client: Client, start: int, stop: int, runs: int) -> dict[str, float]:
    fill(start, stop, created=A_MONTH)
    started = time.perf_counter()
    rows = rollups.rebuild()
    rebuild = time.perf_counter() - started
    found = pages(client, runs)
    (dashboard, dashboard_q), (changelist, changelist_q) = found.values()
    grouped = statistics.median(month_grouped() for _ in range(3))
    print(
        f"## {stop - 1:,} rows over 30 days ({rows} rollup rows, rebuilt in {rebuild:.2f} s)"
    )
    print(f"  dashboard   {dashboard:8.1f} ms p50, {dashboard_q} queries")
    print(f"  changelist  {changelist:8.1f} ms p50, {changelist_q} queries")
    print(
        f"  the month's GROUP BY (the dashboard before the rollups) {grouped:8.1f} ms"
    )
    return {"dashboard": dashboard, "changelist": changelist}


def dashboard_part(quick: bool) -> None:
    small, large, runs = (2_000, 20_000, 5) if quick else (100_000, 1_000_000, 9)
    send_log.truncate()
    User = get_user_model()
    user = User.objects.filter(username="bench-admin").first()
    user = user or User.objects.create_superuser("bench-admin", "", "x")
    client = Client()
    client.force_login(user)
    first = at_size(client, 1, small + 1, runs)
    second = at_size(client, small + 1, large + 1, runs)
    ratio_line(
        f"dashboard / changelist at {large:,} rows",
        second["dashboard"] / second["changelist"],
        2,
        at_most=True,
    )
    ratio_line(
        f"dashboard at {large:,} / {small:,} rows",
        second["dashboard"] / first["dashboard"],
        1.2,
        at_most=True,
    )
    send_log.truncate()


# -- 2. the send path ----------------------------------------------------------------


@contextlib.contextmanager
def rollups_off() -> Iterator[None]:
    """B3 as it was before the rollups: their statements skipped, and the
    transactions that hold them together with the log's (every statement in
    autocommit again)."""
    with (
        mock.patch.object(rollups, "apply"),
        mock.patch.object(rollups, "lock", return_value={}),
        mock.patch.object(
            transaction, "atomic", lambda *args, **kwargs: contextlib.nullcontext()
        ),
    ):
        yield


def is_transaction(sql: str) -> bool:
    return sql.split(" ", 1)[0].upper() in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}


def send_rate(count: int, off: bool) -> float:
    if off:
        with rollups_off():
            return send_log.ours(count)
    return send_log.ours(count)


def statements(count: int, off: bool) -> list[str]:
    if off:
        with rollups_off():
            return send_log.statements(count)
    return send_log.statements(count)


def send_part(quick: bool) -> None:
    send_log.configure()
    count = 100 if quick else 1_000
    send_rate(10, off=False), send_rate(10, off=True)  # warm
    results = interleaved(
        {
            OFF: lambda: send_rate(count, off=True),
            OURS: lambda: send_rate(count, off=False),
        }
    )
    report(f"send + log {count:,} messages, PostgreSQL, locmem backend", results)
    for off, label in ((True, "before (no rollups)"), (False, "with the rollups")):
        counts = {size: statements(size, off=off) for size in (10, 100, 1_000)}
        constant = len({len(sqls) for sqls in counts.values()}) == 1
        print(
            f"  statements per send, {label}: "
            + ", ".join(
                f"{size:,} → {sum(not is_transaction(q) for q in sqls)}"
                f" + {sum(q.upper() == 'BEGIN' for q in sqls)} transactions"
                for size, sqls in counts.items()
            )
            + f" (target constant in N: {'met' if constant else 'MISSED'})"
        )
    send_log.truncate()
    ratio_line(
        "send throughput with / without the rollups", results[OURS] / results[OFF]
    )


# -- 3. the status refresh -------------------------------------------------------------


def lookups_at(rate: int, seen: deque[float]) -> float:
    """Run the refresh over every sent row at ``rate``; seconds taken."""
    SmsLog.objects.update(status_checked_at=None)
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_LOOKUP_RATE": rate}
    seen.clear()
    started = time.perf_counter()
    maintenance.refresh_totals(maintenance.refresh_due())
    return time.perf_counter() - started


def busiest_minute(moments: deque[float]) -> int:
    """The most lookups in any 60 seconds."""
    window: deque[float] = deque()
    most = 0
    for moment in moments:
        window.append(moment)
        while window[0] <= moment - 60:
            window.popleft()
        most = max(most, len(window))
    return most


def counting(seen: deque[float]) -> Callable[..., None]:
    count = maintenance.count_lookup

    def count_and_note(now: float | None = None) -> None:
        seen.append(time.monotonic())
        count(now)

    return count_and_note


def refresh_part(quick: bool) -> None:
    rate, count = (1_200, 300) if quick else (600, 1_000)
    send_log.truncate()
    with SandboxProcess(delivery_delay=86_400) as sandbox:
        settings.TURKEYSMS = {
            "BACKENDS": {
                "default": {
                    "BACKEND": "django_turkeysms.backends.turkeysms.SmsBackend",
                    "OPTIONS": {
                        "api_key": sandbox.api_key,
                        "sender": sandbox.sender,
                        "base_url": sandbox.base_url,
                    },
                }
            },
            "STATUS_BATCH_SIZE": 100,
        }
        numbers = [f"+90532{n:07d}" for n in range(count)]
        for start in range(0, count, 500):
            send_sms("Siparişiniz yola çıktı.", numbers[start : start + 500])
        seen: deque[float] = deque()
        with mock.patch.object(maintenance, "count_lookup", counting(seen)):
            unpaced = count / lookups_at(10**9, seen) * 60
            lookups_at(rate, seen)
    steady = (len(seen) - 1) / (seen[-1] - seen[0]) * 60  # evenly spaced, no burst
    most = busiest_minute(seen)
    report(
        f"status refresh, {count:,} lookups through the sandbox",
        {
            f"paced at STATUS_LOOKUP_RATE {rate:,}/min (steady)": steady,
            "unpaced": unpaced,
        },
        "lookups/min",
    )
    print(
        f"  most lookups in any 60 s: {most:,} (target ≤ {rate:,}: {'met' if most <= rate else 'MISSED'})"
    )
    ratio_line("refresh / STATUS_LOOKUP_RATE", steady / rate, 0.95)
    send_log.truncate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    quick = parser.parse_args().quick
    dashboard_part(quick)
    send_part(quick)
    refresh_part(quick)
    DailyRollup.objects.all().delete()


if __name__ == "__main__":
    main()
