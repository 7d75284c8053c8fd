"""Many users logging in at once on SQLite, as a threaded server would serve them.

    TURKEYSMS_SQLITE_FILE=/tmp/db.sqlite3 python -m tests.reliability.sqlite_load USERS

Each user asks for a code and types it as soon as the SMS arrives, all at once;
then ten tabs of one session send the same code together. Prints a JSON object
with the status codes seen; the caller asserts on it. Run in its own process
because the default test database lives in memory.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from collections import Counter

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.reliability.sqlite_settings"

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.http import HttpResponseBase  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

import django_turkeysms  # noqa: E402
from django_turkeysms.models import VerifiedPhone  # noqa: E402

LOGIN = reverse("turkeysms:login")
CONFIRM = reverse("turkeysms:login-confirm")
CODE = re.compile(r"\b(\d{6})\b")


def code_for(phone: str, *, after: int = 0, timeout: float = 30) -> str:
    """The newest code sent to ``phone`` by the background delivery."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = [m for m in list(django_turkeysms.outbox) if m.to == phone]
        if len(sent) > after:
            match = CODE.search(sent[-1].text)
            assert match is not None
            return match.group(1)
        time.sleep(0.005)
    raise TimeoutError(f"no code reached {phone}")


def answer(response: HttpResponseBase) -> str:
    """A status, and where a redirect leads: logged in, or back to the start (a tab
    whose session the winning tab's login replaced)."""
    if response.status_code != 302:
        return str(response.status_code)
    return "302 logged in" if response["Location"] == "/" else "302 start over"


def log_in(phone: str, statuses: Counter[str], start: threading.Barrier) -> None:
    client = Client(raise_request_exception=False)
    start.wait()
    try:
        asked = client.post(LOGIN, {"phone": phone})
        statuses[f"ask {asked.status_code}"] += 1
        checked = client.post(CONFIRM, {"code": code_for(phone)})
        statuses[f"check {answer(checked)}"] += 1
    finally:
        connections.close_all()


def same_code_in_tabs(phone: str, tabs: int, statuses: Counter[str]) -> None:
    first = Client(raise_request_exception=False)
    first.post(LOGIN, {"phone": phone})
    code = code_for(phone)
    start = threading.Barrier(tabs)

    def tab() -> None:
        client = Client(raise_request_exception=False)
        client.cookies = first.cookies
        start.wait()
        try:
            statuses[f"tab {answer(client.post(CONFIRM, {'code': code}))}"] += 1
        finally:
            connections.close_all()

    run_all([threading.Thread(target=tab) for _ in range(tabs)])


def run_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main(users: int) -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    phones = [f"+90532{n:07d}" for n in range(users + 1)]
    for n, phone in enumerate(phones):
        account = get_user_model().objects.create_user(f"user{n}")
        VerifiedPhone.objects.create(user=account, phone=phone)
    statuses: Counter[str] = Counter()
    start = threading.Barrier(users)
    run_all(
        [
            threading.Thread(target=log_in, args=(phone, statuses, start))
            for phone in phones[:users]
        ]
    )
    same_code_in_tabs(phones[users], 10, statuses)
    print(json.dumps(dict(statuses)))


if __name__ == "__main__":
    main(int(sys.argv[1]))
