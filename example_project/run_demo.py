"""``make demo``: migrate, create demo users, start the sandbox and the site.

Prints the URLs and the demo credentials; Ctrl-C stops both servers. Running it
again reuses the database and the users, and the same ports. With sample data (the
default), the dashboard shows 30 days of made-up messages tagged ``sample``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO_PHONE = "+905321112233"
ADMIN = ("admin", "admin")


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def free_port(preferred: int) -> int:
    """``preferred`` if nothing listens there, else any free port.

    The probe binds as the servers do, with ``SO_REUSEADDR``: a port whose last
    connections linger in TIME_WAIT (a demo stopped a moment ago) is free for
    them, and only a listening socket makes it busy.
    """
    for port in (preferred, 0):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError("no free port")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="the site (8000)")
    parser.add_argument(
        "--sandbox-port", type=int, default=8765, help="the sandbox (8765)"
    )
    parser.add_argument(
        "--sample-data",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fill the dashboard with 30 days of messages tagged 'sample'",
    )
    return parser.parse_args(argv)


def prepare_database(*, sample_data: bool) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from django_turkeysms.models import VerifiedPhone
    from example_project.sample_data import remove_sample_data, replace_sample_data

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    admin = users.filter(username=ADMIN[0]).first() or users.create_superuser(
        ADMIN[0], "", ADMIN[1]
    )
    demo = users.filter(username="ayse").first() or users.create_user("ayse")
    VerifiedPhone.objects.get_or_create(phone=DEMO_PHONE, defaults={"user": demo})
    del admin
    if sample_data:
        replace_sample_data()
    else:
        remove_sample_data()


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    # A session of its own: Ctrl-C reaches only this script, which then stops
    # each server once (a second SIGINT during its shutdown made the sandbox
    # print a KeyboardInterrupt traceback).
    return subprocess.Popen(  # noqa: S603 - our own programs
        command, cwd=HERE, env=env, start_new_session=True
    )


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    for number in STOP_SIGNALS:  # stop both servers on kill or hang-up, too
        signal.signal(number, _interrupt)
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
    sandbox_port = free_port(options.sandbox_port)
    site_port = free_port(options.port)
    env = {
        **os.environ,
        "TURKEYSMS_BASE_URL": f"http://127.0.0.1:{sandbox_port}",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        prepare_database(sample_data=options.sample_data)
        servers += start_servers(env, site_port, sandbox_port)
        print_banner(site_port, sandbox_port)
        while all(server.poll() is None for server in servers):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(*servers)
        print("Demo stopped.", flush=True)


def start_servers(
    env: dict[str, str], site_port: int, sandbox_port: int
) -> list[subprocess.Popen[bytes]]:
    """The sandbox and the site, once both answer."""
    python = sys.executable
    sandbox = start(
        [
            python,
            "-m",
            "django_turkeysms.sandbox",
            "--port",
            str(sandbox_port),
            "--delivery-delay",
            "5",
        ],
        env,
    )
    site = start(
        [python, "manage.py", "runserver", f"127.0.0.1:{site_port}", "--noreload"], env
    )
    try:
        wait_for(sandbox_port)
        wait_for(site_port)
    except BaseException:
        stop(sandbox, site)
        raise
    return [sandbox, site]


def print_banner(site_port: int, sandbox_port: int) -> None:
    site = f"http://127.0.0.1:{site_port}"
    print(
        "\n"
        "django-turkeysms demo is running\n"
        f"  Site:           {site}/  (log in with your phone at {site}/accounts/login/)\n"
        f"  Admin:          {site}/admin/  (user {ADMIN[0]}, password {ADMIN[1]})\n"
        f"  Sandbox inbox:  http://127.0.0.1:{sandbox_port}/inbox  (the codes arrive here)\n"
        f"  Demo phone:     0532 111 22 33 (user ayse)\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    main()
