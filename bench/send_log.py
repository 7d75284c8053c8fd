"""Send and log N messages on PostgreSQL (B3), through a backend with no network I/O.

    python bench/send_log.py [--quick]

Both variants send through the locmem backend (messages kept in memory), so what
is measured is the database path:

* ours: ``send_sms(text, [numbers])`` — rows written in one bulk INSERT, claimed
  with one UPDATE, read back with one SELECT, locked and recorded sent with one
  SELECT and one UPDATE; each of these three steps adds to the daily rollups with
  one upsert, in its own transaction (BEGIN and COMMIT, which Django 6 logs too);
* baseline: the loop a project would write — per number ``SmsLog.objects.create()``
  (QUEUED), the same backend's ``send()``, then status, provider id and sent_at
  and ``save()``.

Interleaved, median of 5 rounds, the table truncated between rounds. Also the SQL
statements of one send to 10, 100 and 1,000 recipients.

Targets: ours ≥ 2.5× the create + save loop; statements per send constant in N
and ≤ 14 (8 statements and 3 transactions; 4 and none before the daily rollups:
bench/rollups.py, B10, measures what they cost).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder would come first on sys.path and its queue.py would
# shadow the standard library's ``queue``; the project root replaces it.
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench._common import database, interleaved, rate, ratio_line, report  # noqa: E402

database()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

import django_turkeysms  # noqa: E402
from django_turkeysms import send_sms  # noqa: E402
from django_turkeysms.encoding import SmsLang  # noqa: E402
from django_turkeysms.handler import sms_backends  # noqa: E402
from django_turkeysms.message import PreparedSms  # noqa: E402
from django_turkeysms.models import SmsLog  # noqa: E402

TEXT = "Siparişiniz yola çıktı."
SENDER = "SANDBOX"
OURS = "ours: send_sms(text, numbers)"
NAIVE = "create() + backend.send() + save() per message"
TARGET_STATEMENTS = 14


def configure() -> None:
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "BACKENDS": {
            "default": {"BACKEND": "django_turkeysms.backends.locmem.SmsBackend"}
        },
        "ASYNC": False,
    }


def numbers(count: int) -> list[str]:
    return [f"+90532{n:07d}" for n in range(count)]


def truncate() -> None:
    with connection.cursor() as cursor:
        # CASCADE: OTP challenges may point at log rows.
        cursor.execute(f"TRUNCATE {SmsLog._meta.db_table} RESTART IDENTITY CASCADE")
    django_turkeysms.outbox.clear()


def check_sent(count: int) -> None:
    """Every message was logged and recorded sent, with a provider id."""
    sent = SmsLog.objects.filter(status=SmsLog.Status.SENT).exclude(provider_id="")
    assert sent.count() == count == SmsLog.objects.count(), (
        sent.count(),
        SmsLog.objects.count(),
    )
    assert len(django_turkeysms.outbox) == count, len(django_turkeysms.outbox)


def ours(count: int) -> float:
    truncate()
    batch = numbers(count)
    result = rate(count, lambda: send_sms(TEXT, batch, sender=SENDER))
    check_sent(count)
    return result


def naive(count: int) -> float:
    truncate()
    batch = numbers(count)
    backend = sms_backends["default"]

    def work() -> None:
        with backend:
            for number in batch:
                row = SmsLog.objects.create(
                    recipient=number,
                    sender=SENDER,
                    body=TEXT,
                    language=SmsLang.TURKISH,
                    segments=1,
                    status=SmsLog.Status.QUEUED,
                )
                result = backend.send(
                    PreparedSms(
                        to=number,
                        text=TEXT,
                        sender=SENDER,
                        lang=SmsLang.TURKISH,
                        segments=1,
                        log_id=row.pk,
                    )
                )
                row.status = SmsLog.Status.SENT
                row.provider_id = result.provider_id
                row.credits = result.credits
                row.result_code = result.code
                row.sent_at = timezone.now()
                row.save()

    result = rate(count, work)
    check_sent(count)
    return result


def statements(count: int) -> list[str]:
    """The SQL of one synchronous send to ``count`` recipients."""
    truncate()
    with CaptureQueriesContext(connection) as captured:
        send_sms(TEXT, numbers(count), sender=SENDER)
    check_sent(count)
    return [str(query["sql"]) for query in captured.captured_queries]


def abbreviated(sql: str, head: int = 100, tail: int = 70) -> str:
    """The start and the end of a statement (its columns and its WHERE)."""
    if len(sql) <= head + tail + 3:
        return sql
    return f"{sql[:head]} … {sql[-tail:]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    count = 100 if parser.parse_args().quick else 1_000
    configure()
    ours(10), naive(10)  # warm: connection, query compilation, imports
    results = interleaved({NAIVE: lambda: naive(count), OURS: lambda: ours(count)})
    report(f"send + log {count:,} messages, PostgreSQL, locmem backend", results)
    per_send = {size: statements(size) for size in (10, 100, 1_000)}
    truncate()
    print("## SQL statements of one send_sms() to 10 recipients")
    for sql in per_send[10]:
        print(f"  {abbreviated(sql)}")
    ratio_line("ours / create+save", results[OURS] / results[NAIVE], 2.5)
    counts = {size: len(sqls) for size, sqls in per_send.items()}
    met = len(set(counts.values())) == 1 and max(counts.values()) <= TARGET_STATEMENTS
    print(
        "  statements per send: "
        + ", ".join(f"{size:,} → {n}" for size, n in counts.items())
        + f" (target constant, ≤ {TARGET_STATEMENTS}: {'met' if met else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
