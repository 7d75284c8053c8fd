"""How many requests per second the in-process sandbox answers on loopback.

Run: ``python bench/sandbox_capacity.py [--quick]``. Two variants, each measured
for a fixed duration, median of three runs:

* raw-socket loop: one keep-alive socket, one send request at a time (write it,
  read the whole answer, repeat) - the ceiling for a single synchronous client;
* sandbox capacity: several client processes, each on its own keep-alive socket,
  pipelining batches of requests - what the server itself sustains.

The client processes are separate so that they do not share the server's GIL.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import socket
import statistics
import time
from collections.abc import Callable
from multiprocessing.queues import Queue

from django_turkeysms.sandbox import Sandbox

PATH = "/api/v3/gonder/add-content"
CLIENTS = 3
BATCH = 32
RUNS = 3


def send_request(host: str) -> bytes:
    body = json.dumps(
        {
            "api_key": "sandbox-demo-key",
            "title": "SANDBOX",
            "text": "Your order has shipped.",
            "sentto": "905321234567",
            "sms_lang": 0,
            "report": 1,
            "response_type": "json",
        }
    ).encode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class ResponseReader:
    """Counts complete responses on a keep-alive socket (Content-Length framing)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def read(self, count: int) -> None:
        for _ in range(count):
            self._read_one()

    def _read_one(self) -> None:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._receive()
        head = self.buffer[:end].lower()
        assert head.startswith(b"http/1.1 200 "), head[:40]
        start = head.index(b"content-length:") + len(b"content-length:")
        length = int(head[start:].split(b"\r\n", 1)[0])
        while len(self.buffer) < end + 4 + length:
            self._receive()
        assert b'"TS-1024"' in self.buffer[end + 4 : end + 4 + length]
        self.buffer = self.buffer[end + 4 + length :]

    def _receive(self) -> None:
        data = self.sock.recv(262144)
        if not data:
            raise ConnectionError("the sandbox closed the connection")
        self.buffer += data


def measure(address: tuple[str, int], duration: float, batch: int) -> float:
    """Requests per second answered on one socket, ``batch`` in flight at a time."""
    payload = send_request(f"{address[0]}:{address[1]}") * batch
    with socket.create_connection(address) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = ResponseReader(sock)
        done, started = 0, time.perf_counter()
        deadline = started + duration
        while time.perf_counter() < deadline:
            sock.sendall(payload)
            reader.read(batch)
            done += batch
        return done / (time.perf_counter() - started)


def _client(address: tuple[str, int], duration: float, results: Queue[float]) -> None:
    results.put(measure(address, duration, BATCH))


def capacity(address: tuple[str, int], duration: float) -> float:
    """Requests per second summed over ``CLIENTS`` pipelining client processes."""
    context = multiprocessing.get_context("spawn")
    results: Queue[float] = context.Queue()
    workers = [
        context.Process(target=_client, args=(address, duration, results))
        for _ in range(CLIENTS)
    ]
    for worker in workers:
        worker.start()
    total = sum(float(results.get(timeout=duration + 30)) for _ in workers)
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    return total


def median_of_runs(
    sandbox: Sandbox, variant: Callable[[float], float], duration: float
) -> float:
    rates: list[float] = []
    for _ in range(RUNS):
        sandbox.reset()
        rates.append(variant(duration))
    return statistics.median(rates)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="0.5 s per run")
    duration = 0.5 if parser.parse_args().quick else 3.0
    with Sandbox(port=0) as sandbox:
        host, port = sandbox.base_url.removeprefix("http://").rsplit(":", 1)
        address = (host, int(port))
        loop = median_of_runs(sandbox, lambda d: measure(address, d, 1), duration)
        print(f"raw-socket loop (1 socket, 1 request at a time): {loop:,.0f} req/s")
        total = median_of_runs(sandbox, lambda d: capacity(address, d), duration)
        print(
            f"sandbox capacity ({CLIENTS} client processes, "
            f"{BATCH} pipelined per batch): {total:,.0f} req/s"
        )
    print(
        f"sandbox capacity: {total:,.0f} req/s · raw-socket loop: {loop:,.0f} req/s"
        f" · ratio {total / loop:.1f}×"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
