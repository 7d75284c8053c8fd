"""Shared fixtures. ``turkeysms_sandbox`` and ``sms_outbox`` come from the package's
pytest plugin (entry point ``pytest11``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from tests.figures import pytest_terminal_summary  # noqa: F401 (a pytest hook)
from tests.secrets_capture import capture_secrets  # noqa: F401 (a session fixture)

PROVIDER_BACKEND = "django_turkeysms.backends.turkeysms.SmsBackend"
ROOT = Path(__file__).resolve().parent.parent

# Property tests: a few hundred examples in the default run, 10,000 in the long
# reliability run (``make reliability`` sets TURKEYSMS_RELIABILITY_LONG).
hypothesis_settings.register_profile("ci", max_examples=300, deadline=None)
hypothesis_settings.register_profile("long", max_examples=10_000, deadline=None)
hypothesis_settings.load_profile(
    "long" if os.environ.get("TURKEYSMS_RELIABILITY_LONG") else "ci"
)


def provider_settings(sandbox, **options):
    """A TURKEYSMS dict whose default backend talks to ``sandbox``."""
    backend_options = {
        "api_key": sandbox.api_key,
        "sender": sandbox.sender,
        "base_url": sandbox.base_url,
        "timeout": 2.0,
        **options,
    }
    return {
        "BACKENDS": {
            "default": {"BACKEND": PROVIDER_BACKEND, "OPTIONS": backend_options}
        }
    }


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: every test starts without any."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sandbox(settings, turkeysms_sandbox):
    """The sandbox, with the provider backend as the default backend."""
    settings.TURKEYSMS = provider_settings(turkeysms_sandbox)
    return turkeysms_sandbox


class CannedServer:
    """A loopback HTTP server answering every request with one canned reply.

    For provider answers the sandbox cannot produce (fields missing, unknown codes,
    bodies cut short); the client still talks real HTTP to it.
    """

    def __init__(self):
        self.status, self.body, self.headers, self.cut_at = 200, b"{}", {}, None
        self.requests = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def reply(self, body, *, status=200, headers=None, cut_at=None):
        self.body = body.encode() if isinstance(body, str) else body
        self.status, self.headers, self.cut_at = status, headers or {}, cut_at

    def _handler(self):
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                canned.requests.append(
                    (self.command, self.path, self.rfile.read(length))
                )
                self.send_response(canned.status)
                for name, value in canned.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body[: canned.cut_at])
                if canned.cut_at is not None:
                    self.close_connection = True

            do_GET = do_POST = _answer

            def log_message(self, format, *args):
                pass

        return Handler

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def _canned_server():
    server = CannedServer()
    yield server
    server.stop()


@pytest.fixture
def canned(_canned_server):
    _canned_server.reply("{}")
    _canned_server.requests.clear()
    return _canned_server


@contextmanager
def sandbox_cli(
    argv: list[str],
    *,
    stop_signal: int = signal.SIGINT,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Run a sandbox command line (``argv`` after the interpreter) and yield its
    URL once the banner is checked; then stop it and check it exited cleanly."""
    process = subprocess.Popen(  # noqa: S603 - our own entry points
        [sys.executable, *argv],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
        url = lines[0].removeprefix("TurkeySMS sandbox listening on ").strip()
        assert lines[0] == f"TurkeySMS sandbox listening on {url}\n"
        assert url.startswith("http://127.0.0.1:")
        assert not url.endswith(":0")
        assert lines[1:] == [
            "API key: sandbox-demo-key\n",
            "Sender ID: SANDBOX\n",
            f"Inbox: {url}/inbox\n",
        ]
        yield url
    finally:
        process.send_signal(stop_signal)
        _stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert stderr == ""
