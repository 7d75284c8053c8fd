"""The threaded HTTP/1.1 server: one daemon thread per keep-alive connection."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import struct
import threading
import time
from typing import cast

from django_turkeysms.testing.sandbox.app import Application
from django_turkeysms.testing.sandbox.httpio import (
    ProtocolError,
    Reply,
    Request,
    RequestReader,
    encode_head,
)

# SO_LINGER on, zero timeout: close() sends RST instead of FIN.
ABORTIVE_LINGER = struct.pack("ii", 1, 0)


class Outbox:
    """Answers waiting to be written; flushed when the reader would block."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._parts: list[bytes] = []

    def add(self, *parts: bytes) -> None:
        self._parts.extend(parts)

    def flush(self) -> None:
        if self._parts:
            data = b"".join(self._parts)
            self._parts.clear()
            self._sock.sendall(data)

    def drip(self, head: bytes, body: bytes, interval: float) -> None:
        self.flush()
        self._sock.sendall(head)
        for index in range(len(body)):
            time.sleep(interval)
            self._sock.sendall(body[index : index + 1])

    def reset(self) -> None:
        """Abort the connection with a TCP RST, without answering."""
        self.flush()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, ABORTIVE_LINGER)
        self._sock.close()


def _protocol_error(status: int) -> bytes:
    reply = Reply(status, f"{status}\n".encode())
    return encode_head(reply, close=True) + reply.body


def _perform(reply: Reply, request: Request, outbox: Outbox) -> bool:
    """Write ``reply``; return whether the connection stays open."""
    if reply.delay:
        outbox.flush()
        time.sleep(reply.delay)
    if reply.action == "reset":
        outbox.reset()
        return False
    close = not request.keep_alive
    head = encode_head(reply, close=close)
    body = b"" if request.method == "HEAD" else reply.body
    if reply.action == "drip":
        outbox.drip(head, body, reply.interval)
    else:
        outbox.add(head, body)
    return not close


def _read(reader: RequestReader, outbox: Outbox) -> Request | None:
    try:
        return reader.read()
    except ProtocolError as error:
        outbox.add(_protocol_error(error.status))
        return None


def serve_connection(sock: socket.socket, app: Application) -> None:
    """Answer requests on ``sock`` in order until either side closes it."""
    outbox = Outbox(sock)
    reader = RequestReader(sock, outbox.flush)
    try:
        while (request := _read(reader, outbox)) is not None:
            if not _perform(app(request), request, outbox):
                break
        outbox.flush()
    except OSError:
        pass  # the client went away, or the sandbox is stopping


class ConnectionHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server = cast("SandboxServer", self.server)
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server.track(sock)
        try:
            serve_connection(sock, server.app)
        finally:
            server.untrack(sock)


class SandboxServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: Application) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, ConnectionHandler)

    def track(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(sock)
        self.app.state.count_connection()

    def untrack(self, sock: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(sock)

    def close_connections(self) -> None:
        """Wake every connection thread so it ends (used when stopping)."""
        with self._connections_lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):  # already closed by its thread
                sock.shutdown(socket.SHUT_RDWR)
