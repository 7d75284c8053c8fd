"""How many send requests per second the sandbox answers on loopback (B8).

    python bench/sandbox_capacity.py [--quick]

The sandbox runs in its own process, as in ``bench/send.py``. Variants, interleaved,
median of 5 rounds:

* the single synchronous clients of B1, one message at a time: the raw-socket
  loop (one keep-alive socket, no HTTP library — the fastest), a bare
  ``requests.Session`` loop and our provider backend;
* sandbox capacity: several client processes, each on its own keep-alive socket,
  pipelining batches of requests for a fixed time, started together — what the
  server itself sustains. The processes are separate so that they share no GIL.

Target: capacity ≥ 5× the raw-socket loop, so that the sandbox is never what
limits a client benchmark.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder would come first on sys.path and its queue.py would
# shadow the standard library's ``queue`` (multiprocessing imports it); the root
# replaces it. Spawned client processes inherit this sys.path.
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

from bench._common import (  # noqa: E402
    SandboxProcess,
    interleaved,
    ratio_line,
    report,
    sandbox_process,
)
from bench._rawhttp import measure  # noqa: E402

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Barrier

CLIENTS = 3
BATCH = 32
RAW = "raw-socket loop (one keep-alive socket)"
SESSION = "bare requests.Session loop"
OURS = "ours: provider backend, sequential"
CAPACITY = f"sandbox capacity ({CLIENTS} processes × {BATCH} pipelined)"


def _client(
    base_url: str,
    payload: Mapping[str, object],
    duration: float,
    start: Barrier,
    results: Queue[float],
) -> None:
    start.wait(timeout=60)  # all clients run over the same window
    results.put(measure(base_url, payload, duration, BATCH))


def capacity(sandbox: SandboxProcess, duration: float) -> float:
    """Requests per second summed over ``CLIENTS`` pipelining client processes."""
    from bench.send import payload

    sandbox.control("POST", "/_sandbox/reset")  # it keeps every message it accepts
    context = multiprocessing.get_context("spawn")
    results: Queue[float] = context.Queue()
    start = context.Barrier(CLIENTS)
    request = payload(sandbox, "905321234567")
    workers = [
        context.Process(
            target=_client,
            args=(sandbox.base_url, request, duration, start, results),
        )
        for _ in range(CLIENTS)
    ]
    for worker in workers:
        worker.start()
    total = sum(float(results.get(timeout=duration + 60)) for _ in workers)
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0, worker.exitcode
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    count, duration = (200, 0.5) if args.quick else (1000, 3.0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    # The B1 clients themselves (importing bench.send sets Django up).
    from bench.send import with_backend, with_raw_socket, with_session

    with sandbox_process() as sandbox:
        sandbox.set_latency(0)
        results = interleaved(
            {
                RAW: lambda: with_raw_socket(sandbox, count),
                SESSION: lambda: with_session(sandbox, count),
                OURS: lambda: with_backend(sandbox, count, 1),
                CAPACITY: lambda: capacity(sandbox, duration),
            }
        )
    report("0 ms sandbox latency, requests answered", results, "req/s")
    total = results[CAPACITY]
    ratio_line("sandbox capacity / raw-socket loop", total / results[RAW], 5)
    best = max((SESSION, OURS), key=results.__getitem__)
    ratio_line(
        "sandbox capacity / best requests-based client"
        f" ({'ours' if best == OURS else 'bare Session'})",
        total / results[best],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
