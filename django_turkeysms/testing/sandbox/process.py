"""``SandboxProcess``: the sandbox in a child process, driven over HTTP.

The in-process :class:`~django_turkeysms.sandbox.Sandbox` shares the caller's
interpreter lock; load tests, timing measurements and benchmarks need a
provider that does not compete with the code under test for the CPU, as the
real one does not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterable
from types import TracebackType
from typing import IO, Any, cast


class SandboxProcess:
    """``with SandboxProcess(latency=0.02) as sandbox: … sandbox.base_url …``"""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        latency: float = 0.0,
        delivery_delay: float = 0.0,
        quirks: Iterable[str] = (),
    ) -> None:
        self.arguments = [
            "--host",
            host,
            "--port",
            "0",
            "--latency",
            str(latency),
            "--delivery-delay",
            str(delivery_delay),
            *(argument for quirk in quirks for argument in ("--quirk", quirk)),
        ]
        self.base_url = self.api_key = self.sender = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> SandboxProcess:
        command = [
            sys.executable,
            "-m",
            "django_turkeysms.testing.sandbox",
            *self.arguments,
        ]
        self._process = subprocess.Popen(  # noqa: S603 - our own module, fixed argv
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        stdout = cast("IO[str]", self._process.stdout)  # a pipe, as asked above
        # The banner: "… listening on URL", "API key: …", "Sender: …", ….
        lines = [stdout.readline().strip() for _ in range(3)]
        if not lines[0]:
            error = self._process.communicate(timeout=10)[1].strip()
            self.__exit__(None, None, None)
            raise RuntimeError(f"the sandbox process did not start: {error}")
        self.base_url = lines[0].rsplit(" ", 1)[-1]
        self.api_key = lines[1].split(": ", 1)[1]
        self.sender = lines[2].split(": ", 1)[1]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            for stream in (self._process.stdout, self._process.stderr):
                if stream is not None:
                    stream.close()
            self._process = None

    def control(self, method: str, path: str, payload: object | None = None) -> Any:
        """Call a ``/_sandbox/…`` control endpoint; its JSON answer."""
        data = None
        if method != "GET":  # changes must be sent as JSON, even empty (access.py)
            data = json.dumps({} if payload is None else payload).encode()
        request = urllib.request.Request(  # noqa: S310 - the sandbox's own http URL
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())

    def set_latency(self, seconds: float) -> None:
        """Answer every API request ``seconds`` late (replaces all faults)."""
        self.control("DELETE", "/_sandbox/faults")
        if seconds:
            fault = {"kind": "latency", "params": {"seconds": seconds}}
            self.control("POST", "/_sandbox/faults", fault)

    def stats(self) -> dict[str, Any]:
        """Requests, connections, and requests and sends per number."""
        stats: dict[str, Any] = self.control("GET", "/_sandbox/stats")
        return stats
