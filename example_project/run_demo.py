"""``make demo``: migrate, create demo users, start the sandbox and the site.

Prints the URLs and the demo credentials; Ctrl-C stops both servers. Running it
again reuses the database and the users.
"""

from __future__ import annotations

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


def free_port(preferred: int) -> int:
    """``preferred`` if nothing listens there, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError("no free port")


def prepare_database() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from django_turkeysms.models import VerifiedPhone

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    admin = users.filter(username=ADMIN[0]).first() or users.create_superuser(
        ADMIN[0], "", ADMIN[1]
    )
    demo = users.filter(username="ayse").first() or users.create_user("ayse")
    VerifiedPhone.objects.get_or_create(phone=DEMO_PHONE, defaults={"user": demo})
    del admin


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=HERE, env=env)  # noqa: S603 - our own programs


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


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupt)  # stop both servers on kill, too
    sys.path.insert(0, str(HERE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
    sandbox_port, site_port = free_port(8765), free_port(8000)
    env = {
        **os.environ,
        "TURKEYSMS_BASE_URL": f"http://127.0.0.1:{sandbox_port}",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    prepare_database()
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
        print_banner(site_port, sandbox_port)
        while sandbox.poll() is None and site.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop(sandbox, site)


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
