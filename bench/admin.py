"""The send-log changelist at 100,000 and 1,000,000 rows on PostgreSQL.

    python bench/admin.py [--quick]

For four pages — unfiltered, a status filter, a phone search and a deep page —
prints p50 milliseconds and the number of SQL queries of our ``SmsLogAdmin`` and
of a stock ``ModelAdmin`` (``date_hierarchy``, field filters, ``icontains``
search) on the same table, in the same run. Targets: unfiltered ≤ 80 ms p50 and
≤ 5 queries; ≥ 6× faster than stock; 1 M rows within 1.5× of 100 k rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench._common import database  # noqa: E402

database()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from django_turkeysms.models import SmsLog  # noqa: E402

PAGES = {
    "unfiltered": {},
    "status filter": {"status__exact": "undelivered"},
    "phone search": {"q": "0532 000 12 34"},
    "deep page": {"p": "DEEP"},
}

#: When row ``i`` was created: one every 31 seconds back from the newest, so a
#: million rows span a year.
A_YEAR = "now() - (%(stop)s - i) * interval '31 seconds'"

# Rows with realistic mixes of status, category and operator; CREATED is replaced
# by an expression of ``i`` (A_YEAR by default).
FILL = """
INSERT INTO django_turkeysms_smslog (
    recipient, sender, body, language, segments, credits, category, content_type,
    backend, provider_id, status, result_code, result_message, attempts, country,
    operator, created_at, sent_at, tag, metadata, provider_response,
    idempotency_key, fingerprint
)
SELECT
    '+90532' || lpad((i %% 10000000)::text, 7, '0'),
    'SANDBOX', 'Siparişiniz yola çıktı.', 1, 1, 1,
    (ARRAY['transactional','transactional','otp','commercial'])[1 + i %% 4],
    0, 'default', (1000000000 + i)::text,
    (ARRAY['delivered','delivered','delivered','delivered','delivered','delivered',
           'delivered','sent','undelivered','failed','unknown','delivered'])[1 + i %% 12],
    'TS-1024', '', 1, 'TR',
    (ARRAY['Turkcell','Vodafone','Türk Telekom'])[1 + i %% 3],
    CREATED, CREATED,
    '', '{}', '{}', '', ''
FROM generate_series(%(start)s, %(last)s) AS i
"""


def fill(start: int, stop: int, created: str = A_YEAR) -> None:
    """Rows ``start`` to ``stop - 1``, created at ``created`` (SQL of ``i``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            FILL.replace("CREATED", created),
            {"start": start, "last": stop - 1, "stop": stop},
        )
        cursor.execute("VACUUM ANALYZE django_turkeysms_smslog")


def measure(
    client: Client, url: str, params: dict[str, str], runs: int
) -> tuple[float, int]:
    """p50 milliseconds and queries of one page."""
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
        queries = len(captured.captured_queries)
    return statistics.median(times), queries


def run_pages(
    client: Client, rows: int, runs: int
) -> dict[str, dict[str, tuple[float, int]]]:
    deep = str(max(rows // 100, 2))  # half-way down at 50 per page
    results: dict[str, dict[str, tuple[float, int]]] = {}
    for name, params in PAGES.items():
        query = {
            key: (deep if value == "DEEP" else value) for key, value in params.items()
        }
        results[name] = {
            "ours": measure(client, "/admin/django_turkeysms/smslog/", query, runs),
            "stock": measure(client, "/stock/django_turkeysms/smslog/", query, runs),
        }
    return results


def report(rows: int, results: dict[str, dict[str, tuple[float, int]]]) -> None:
    print(f"## {rows:,} rows")
    print(
        f"  {'page':<16} {'ours ms':>9} {'queries':>8} {'stock ms':>10} {'queries':>8} {'stock/ours':>11}"
    )
    for name, pair in results.items():
        (ours, ours_q), (stock, stock_q) = pair["ours"], pair["stock"]
        print(
            f"  {name:<16} {ours:>9.1f} {ours_q:>8} {stock:>10.1f} {stock_q:>8} {stock / ours:>10.1f}×"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    small, large, runs = (2_000, 20_000, 3) if args.quick else (100_000, 1_000_000, 9)
    SmsLog.objects.all().delete()
    user = get_user_model().objects.filter(username="bench-admin").first()
    user = user or get_user_model().objects.create_superuser("bench-admin", "", "x")
    client = Client()
    client.force_login(user)
    fill(1, small)
    at_small = run_pages(client, small, runs)
    report(small, at_small)
    fill(small + 1, large)
    at_large = run_pages(client, large, runs)
    report(large, at_large)
    unfiltered, queries = at_large["unfiltered"]["ours"]
    print(
        f"  ours unfiltered at {large:,}: {unfiltered:.1f} ms p50, {queries} queries (targets ≤ 80 ms, ≤ 5)"
    )
    for name in PAGES:
        speedup = at_large[name]["stock"][0] / at_large[name]["ours"][0]
        growth = at_large[name]["ours"][0] / at_small[name]["ours"][0]
        print(
            f"  ratio {name}: stock/ours {speedup:.1f}× (target ≥ 6×) · {large:,}/{small:,} rows {growth:.2f}× (target ≤ 1.5×)"
        )
    SmsLog.objects.all().delete()


if __name__ == "__main__":
    main()
