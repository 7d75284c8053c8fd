"""Fixtures for the service-backed suite: configuration shared with worker
processes, worker process control, polling."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import fresh_cache, provider_settings  # noqa: F401 (autouse)
from tests.figures import pytest_terminal_summary  # noqa: F401 (a pytest hook)
from tests.secrets_capture import capture_secrets  # noqa: F401 (a session fixture)

ROOT = Path(__file__).resolve().parent.parent


class Services:
    """Configuration for this test, visible to the test process and its workers."""

    def __init__(self, settings, sandbox, monkeypatch):
        self.settings, self.sandbox, self.monkeypatch = settings, sandbox, monkeypatch

    def configure(self, **overrides):
        config = {**provider_settings(self.sandbox), **overrides}
        self.settings.TURKEYSMS = config
        self.monkeypatch.setenv("TURKEYSMS_TEST_CONFIG", json.dumps(config))
        return config


@pytest.fixture
def services(settings, turkeysms_sandbox, monkeypatch):
    return Services(settings, turkeysms_sandbox, monkeypatch)


class Workers:
    """Task worker processes running this project's settings."""

    COMMANDS = {
        "db": [
            "db_worker",
            "--backend",
            "db",
            "--interval",
            "0.05",
            "--no-startup-delay",
            "--no-reload",
        ],
        "rq": [
            "rqworker",
            "default",
            "--job-class",
            "django_tasks_rq.Job",
            "--with-scheduler",
        ],
    }

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, kind: str, count: int = 1) -> list[subprocess.Popen[bytes]]:
        started = [self._spawn(kind) for _ in range(count)]
        self.processes.extend(started)
        return started

    def _spawn(self, kind: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests_services.settings",
            "PYTHONPATH": str(ROOT),
        }
        log_path = (
            self.log_dir
            / f"worker-{kind}-{len(self.processes)}-{time.monotonic_ns()}.log"
        )
        with log_path.open("wb") as log:  # the child keeps its own descriptor
            return subprocess.Popen(
                [sys.executable, "-m", "django", *self.COMMANDS[kind]],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")[-3000:]
            for path in sorted(self.log_dir.glob("*.log"))
        )


@pytest.fixture
def workers(tmp_path):
    pool = Workers(tmp_path)
    yield pool
    pool.stop()
    print(pool.logs())  # pytest shows it only when the test failed


def wait_for(
    predicate, *, timeout: float, interval: float = 0.1, message: str = "condition"
):
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


@pytest.fixture
def redis_queue():
    """The RQ queue used by the tests, emptied before and after."""
    import django_rq

    connection = django_rq.get_connection("default")
    connection.flushdb()
    yield connection
    connection.flushdb()
