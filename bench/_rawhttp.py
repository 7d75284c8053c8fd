"""A minimal HTTP/1.1 keep-alive client on a raw socket, for the benchmarks.

The ceiling for a synchronous client: no HTTP library, one socket, a request
written and its whole answer read (Content-Length framing) before the next.
``bench/send.py`` (B1) sends one message at a time with it; ``bench/
sandbox_capacity.py`` (B8) also pipelines batches of requests from several
processes to find what the sandbox itself sustains.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from urllib.parse import urlsplit

PATH = "/api/v3/gonder/add-content"


def address_of(base_url: str) -> tuple[str, int]:
    """``("127.0.0.1", 8765)`` for ``"http://127.0.0.1:8765"``."""
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None, base_url
    return parts.hostname, parts.port


def post_request(host: str, payload: Mapping[str, object], path: str = PATH) -> bytes:
    """The bytes of one ``POST path`` with ``payload`` as its JSON body."""
    body = json.dumps(payload).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class ResponseReader:
    """Reads complete responses on a keep-alive socket (Content-Length framing).

    Every response must be a 200 whose body holds ``"TS-1024"`` (message accepted).
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def read(self, count: int) -> None:
        for _ in range(count):
            self.read_one()

    def read_one(self) -> bytes:
        """The body of the next response."""
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._receive()
        head = self.buffer[:end].lower()
        assert head.startswith(b"http/1.1 200 "), head[:40]
        start = head.index(b"content-length:") + len(b"content-length:")
        length = int(head[start:].split(b"\r\n", 1)[0])
        while len(self.buffer) < end + 4 + length:
            self._receive()
        body = self.buffer[end + 4 : end + 4 + length]
        assert b'"TS-1024"' in body, body[:200]
        self.buffer = self.buffer[end + 4 + length :]
        return body

    def _receive(self) -> None:
        data = self.sock.recv(262144)
        if not data:
            raise ConnectionError("the sandbox closed the connection")
        self.buffer += data


class RawClient:
    """One keep-alive socket; :meth:`post` sends a request and reads its answer."""

    def __init__(self, base_url: str) -> None:
        self.address = address_of(base_url)
        self.host = f"{self.address[0]}:{self.address[1]}"
        self.sock = socket.create_connection(self.address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = ResponseReader(self.sock)

    def post(self, payload: Mapping[str, object], path: str = PATH) -> bytes:
        self.sock.sendall(post_request(self.host, payload, path))
        return self.reader.read_one()

    def post_all(self, payloads: Iterable[Mapping[str, object]]) -> int:
        """Send each payload in turn, one request in flight; how many were sent."""
        sent = 0
        for payload in payloads:
            self.post(payload)
            sent += 1
        return sent

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def measure(
    base_url: str, payload: Mapping[str, object], duration: float, batch: int
) -> float:
    """Requests per second answered on one socket, ``batch`` in flight at a time.

    The same request is repeated (pipelined when ``batch`` > 1) for ``duration``.
    """
    with RawClient(base_url) as client:
        burst = post_request(client.host, payload) * batch
        done, started = 0, time.perf_counter()
        deadline = started + duration
        while time.perf_counter() < deadline:
            client.sock.sendall(burst)
            client.reader.read(batch)
            done += batch
        return done / (time.perf_counter() - started)
