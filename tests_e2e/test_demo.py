"""``make demo`` (example_project/run_demo.py): the same ports after a restart, a
quiet Ctrl-C, and sample data that says what it is."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import run_demo

from django_turkeysms import rollups
from django_turkeysms.admin.dashboard import daily_stats
from django_turkeysms.models import SmsLog
from example_project.sample_data import (
    SAMPLE_SENDER,
    SAMPLE_TAG,
    SAMPLE_TEXT,
    remove_sample_data,
    replace_sample_data,
)
from tests.factories import SmsLogFactory

DEMO = Path(run_demo.__file__)


def port_in_time_wait() -> int:
    """A port whose server side closed a connection first: it lingers in
    TIME_WAIT, as after a demo stopped with a browser still connected."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = int(listener.getsockname()[1])
        client = socket.create_connection(("127.0.0.1", port))
        server_side, _ = listener.accept()
        server_side.close()  # the server closes first ...
        client.recv(1)  # ... the client sees the end ...
        client.close()  # ... and closes too: the server's end waits
    return port


def test_a_restarted_demo_keeps_its_port():
    port = port_in_time_wait()
    with socket.socket() as naive, pytest.raises(OSError):
        naive.bind(("127.0.0.1", port))  # the probe before the fix failed here
    assert run_demo.free_port(port) == port


def test_a_busy_port_is_left_alone():
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        busy = listener.getsockname()[1]
        other = run_demo.free_port(busy)
    assert other != busy and other > 0


def start_demo(tmp_path: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "EXAMPLE_SQLITE": str(tmp_path / "demo.sqlite3"),
        "PYTHONPATH": str(DEMO.parent),
    }
    return subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(DEMO), "--port", "0", "--sandbox-port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a process group of its own, like a terminal's
    )


def read_until(demo: subprocess.Popen[str], marker: str, timeout: float = 60) -> str:
    seen = []
    deadline = time.monotonic() + timeout
    assert demo.stdout is not None
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        seen.append(line)
        if marker in line or not line:
            break
    return "".join(seen)


def test_ctrl_c_stops_the_demo_without_a_traceback(tmp_path):
    demo = start_demo(tmp_path)
    try:
        started = read_until(demo, "Press Ctrl-C to stop.")
        assert "Press Ctrl-C to stop." in started, started
        os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        rest, _ = demo.communicate(timeout=30)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
    assert demo.returncode == 0, started + rest
    assert "Traceback" not in started + rest
    assert "KeyboardInterrupt" not in started + rest
    assert rest.strip().endswith("Demo stopped.")


@pytest.mark.django_db
def test_sample_data_is_marked_and_fills_thirty_days():
    real = SmsLogFactory(tag="")
    count = replace_sample_data()
    samples = SmsLog.objects.filter(tag=SAMPLE_TAG)
    assert samples.count() == count > 30 * 20
    assert set(samples.values_list("sender", "body").distinct()) == {
        (SAMPLE_SENDER, SAMPLE_TEXT)
    }
    assert all(day.total for day in daily_stats())
    assert replace_sample_data() == count  # replaced, not added
    assert SmsLog.objects.filter(tag=SAMPLE_TAG).count() == count
    assert rollups.differences() == []  # counted as the app counts its rows
    remove_sample_data()
    assert list(SmsLog.objects.all()) == [real]
    assert rollups.differences() == []
