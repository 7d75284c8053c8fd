"""Fixtures for the service-backed suite: configuration shared with worker
processes, worker process control, polling."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
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
    """Task worker processes running this project's settings.

    Each worker runs in a process group of its own, so that a kill takes its
    children too (Celery's pool process), as when a machine or container dies.
    RQ's work horse escapes it: it starts a session of its own.
    """

    COMMANDS = {
        "db": [
            "django",
            "db_worker",
            "--backend",
            "db",
            "--interval",
            "0.05",
            "--no-startup-delay",
            "--no-reload",
        ],
        "rq": [
            "django",
            "rqworker",
            "default",
            "--job-class",
            "django_tasks_rq.Job",
            "--with-scheduler",
        ],
        # The README's Celery recipe; one pool process, like the other workers.
        # Mingle and gossip only talk to other workers: off, for a fast start.
        "celery": [
            "celery",
            "--app",
            "django_tasks_fennel.app",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "1",
            "--without-mingle",
            "--without-gossip",
        ],
    }
    # Celery workers register only the tasks declared on django-tasks-fennel's
    # backend: there it is TASKS["default"], as the recipe says (see settings).
    ENVIRONMENTS = {"celery": {"TURKEYSMS_TASKS_DEFAULT": "celery"}}

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, kind: str, count: int = 1) -> list[subprocess.Popen[bytes]]:
        started = [self._spawn(kind) for _ in range(count)]
        self.processes.extend(started)
        return started

    def _spawn(self, kind: str) -> subprocess.Popen[bytes]:
        name = f"worker-{kind}-{len(self.processes)}-{time.monotonic_ns()}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests_services.settings",
            "PYTHONPATH": str(ROOT),
            "CELERY_WORKER_HOSTNAME": f"{name}@%h",  # Celery nodes need their own
            **self.ENVIRONMENTS.get(kind, {}),
        }
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("wb") as log:  # the child keeps its own descriptor
            return subprocess.Popen(
                [sys.executable, "-m", *self.COMMANDS[kind]],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_site(self) -> str:
        """This project's pages served by ``runserver`` in a process of its own
        (threaded, as Django serves them); its base URL once it answers."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.COMMANDS["site"] = [
            "django",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--skip-checks",
        ]
        self.start("site")
        wait_for(
            lambda: _accepts(port), timeout=30, message=f"runserver on port {port}"
        )
        return f"http://127.0.0.1:{port}"

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and its children."""
        self._kill_group(process)
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
            self._kill_group(process)  # children that outlived their worker

    @staticmethod
    def _kill_group(process: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

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


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


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
