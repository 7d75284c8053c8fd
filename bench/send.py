"""Send path throughput against the sandbox (run in its own process), no database.

    python bench/send.py [--quick]

Variants, interleaved, median of 5 rounds:

* at 0 ms sandbox latency: ``requests.post`` per message (what the provider's own
  examples do), a bare ``requests.Session`` loop, a raw-socket HTTP/1.1 loop on one
  keep-alive socket (no HTTP library: the ceiling for a synchronous client), and
  our provider backend sending sequentially;
* at 20 ms sandbox latency: our backend sequentially and through its bounded
  thread pool (``backends.base.send_all``), with the TCP connections the pool opened.

Targets (B1) ours ≥ 0.9× the bare Session loop and ≥ 1.3× ``requests.post``,
ours as a % of the raw-socket loop reported; (B2) pooled ≥ 15× sequential at
20 ms, connections opened ≤ pool size.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder would come first on sys.path and its queue.py would
# shadow the standard library's ``queue`` (urllib3 imports it); the root replaces it.
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402
import requests  # noqa: E402

django.setup()

from bench._common import (  # noqa: E402
    SandboxProcess,
    interleaved,
    rate,
    ratio_line,
    report,
    sandbox_process,
)
from bench._rawhttp import PATH, RawClient  # noqa: E402
from django_turkeysms.backends.base import send_all  # noqa: E402
from django_turkeysms.backends.turkeysms import SmsBackend  # noqa: E402
from django_turkeysms.encoding import SmsLang  # noqa: E402
from django_turkeysms.message import PreparedSms  # noqa: E402

TEXT = "Siparişiniz yola çıktı."
POOL = 32
RAW = "raw-socket loop (one keep-alive socket)"


def payload(sandbox: SandboxProcess, number: str) -> dict[str, object]:
    return {
        "api_key": sandbox.api_key,
        "title": sandbox.sender,
        "text": TEXT,
        "sentto": number,
        "sms_lang": 1,
        "report": 1,
        "response_type": "json",
    }


def numbers(count: int) -> list[str]:
    return [f"90532{n:07d}" for n in range(count)]


def with_requests_post(sandbox: SandboxProcess, count: int) -> float:
    def work() -> None:
        for number in numbers(count):
            requests.post(
                sandbox.base_url + PATH, json=payload(sandbox, number), timeout=10
            ).json()

    return rate(count, work)


def with_session(sandbox: SandboxProcess, count: int) -> float:
    with requests.Session() as session:
        session.post(
            sandbox.base_url + PATH, json=payload(sandbox, "905320000000"), timeout=10
        )

        def work() -> None:
            for number in numbers(count):
                session.post(
                    sandbox.base_url + PATH, json=payload(sandbox, number), timeout=10
                ).json()

        return rate(count, work)


def with_raw_socket(sandbox: SandboxProcess, count: int) -> float:
    """The same payloads on one keep-alive socket, one request at a time."""
    with RawClient(sandbox.base_url) as client:
        client.post(payload(sandbox, "905320000000"))  # warm: the socket is open

        def work() -> None:
            for number in numbers(count):
                client.post(payload(sandbox, number))

        return rate(count, work)


def backend_for(sandbox: SandboxProcess) -> SmsBackend:
    return SmsBackend(
        api_key=sandbox.api_key, sender=sandbox.sender, base_url=sandbox.base_url
    )


def messages(count: int) -> list[PreparedSms]:
    return [
        PreparedSms(
            to=f"+{number}",
            text=TEXT,
            sender="SANDBOX",
            lang=SmsLang.TURKISH,
            segments=1,
        )
        for number in numbers(count)
    ]


def with_backend(sandbox: SandboxProcess, count: int, workers: int) -> float:
    backend, batch = backend_for(sandbox), messages(count)
    send_all(backend, batch[:1], max_workers=1)  # warm: one open connection
    return rate(count, lambda: send_all(backend, batch, max_workers=workers))


def connections_for_pool(sandbox: SandboxProcess, count: int) -> int:
    before = int(sandbox.stats()["connections"])
    send_all(backend_for(sandbox), messages(count), max_workers=POOL)
    # Minus one: the second stats request's own connection.
    return int(sandbox.stats()["connections"]) - before - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    fast, slow_seq, slow_pool = (30, 10, 100) if args.quick else (500, 100, 1000)
    with sandbox_process() as sandbox:
        sandbox.set_latency(0)
        local = interleaved(
            {
                "requests.post per message": lambda: with_requests_post(sandbox, fast),
                "bare requests.Session loop": lambda: with_session(sandbox, fast),
                RAW: lambda: with_raw_socket(sandbox, fast),
                "ours: provider backend, sequential": lambda: with_backend(
                    sandbox, fast, 1
                ),
            }
        )
        report("0 ms sandbox latency", local)
        sandbox.set_latency(0.02)
        remote = interleaved(
            {
                "ours: sequential": lambda: with_backend(sandbox, slow_seq, 1),
                f"ours: pooled ({POOL} workers)": lambda: with_backend(
                    sandbox, slow_pool, POOL
                ),
            }
        )
        report("20 ms sandbox latency", remote)
        opened = connections_for_pool(sandbox, slow_pool)
    ours = local["ours: provider backend, sequential"]
    ratio_line("ours / bare Session", ours / local["bare requests.Session loop"], 0.9)
    ratio_line("ours / requests.post", ours / local["requests.post per message"], 1.3)
    print(
        f"  ratio ours / raw-socket loop: {ours / local[RAW]:.2f}× — ours runs at"
        f" {100 * ours / local[RAW]:.0f} % of the raw-socket loop (reported, no target)"
    )
    ratio_line(
        "pooled / sequential at 20 ms",
        remote[f"ours: pooled ({POOL} workers)"] / remote["ours: sequential"],
        15,
    )
    print(
        f"  connections opened by a {POOL}-worker pool for {slow_pool} messages:"
        f" {opened} (target ≤ {POOL}: {'met' if opened <= POOL else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
