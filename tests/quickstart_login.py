"""Run inside the quick start's project (``tests/test_docs.py`` starts it there):
log in by phone through Django's test client with the code read from the
sandbox, then open the admin pages as that user. Prints a JSON report.

Usage: ``python quickstart_login.py SANDBOX_URL PHONE NUMBER`` (``PHONE`` as a user
types it, ``NUMBER`` as the sandbox records it), with the project's directory on
``PYTHONPATH`` and its settings in ``DJANGO_SETTINGS_MODULE``.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.request
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse

CODE = re.compile(r"\b(\d{4,10}) is your verification code")
ADMIN_PAGES = {
    "send log": "admin:django_turkeysms_smslog_changelist",
    "compose": "admin:django_turkeysms_smslog_send",
    "dashboard": "admin:django_turkeysms_smslog_dashboard",
    "verified phones": "admin:django_turkeysms_verifiedphone_changelist",
}


def code_from_sandbox(sandbox_url: str, number: str, *, wait: float = 15.0) -> str:
    """The newest code the sandbox received for ``number`` (E.164 without +)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{sandbox_url}/_sandbox/messages") as reply:  # noqa: S310 - a loopback URL from the test
            messages = json.load(reply)
        for message in messages:  # newest first
            found = CODE.search(message["text"])
            if message["number"] == number and found:
                return found.group(1)
        time.sleep(0.05)
    raise SystemExit(f"no code reached the sandbox for {number} in {wait:.0f} s")


def log_in(client: Client, sandbox_url: str, phone: str, number: str) -> dict[str, Any]:
    asked = client.post(reverse("turkeysms:login"), {"phone": phone})
    code = code_from_sandbox(sandbox_url, number)
    confirmed = client.post(reverse("turkeysms:login-confirm"), {"code": code})
    landing = client.get(confirmed["Location"])
    return {
        "ask_status": asked.status_code,
        "ask_location": asked.get("Location"),
        "confirm_status": confirmed.status_code,
        "landing": confirmed.get("Location"),
        "expected_landing": resolve_url(settings.LOGIN_REDIRECT_URL),
        "landing_status": landing.status_code,
        "user": str(landing.wsgi_request.user),
    }


def admin_pages(client: Client) -> dict[str, int]:
    statuses = {
        name: client.get(reverse(url)).status_code for name, url in ADMIN_PAGES.items()
    }
    newest = (
        apps.get_model("django_turkeysms", "SmsLog").objects.order_by("-id").first()
    )
    if newest is not None:
        detail = reverse("admin:django_turkeysms_smslog_change", args=[newest.pk])
        statuses["send log detail"] = client.get(detail).status_code
    return statuses


def main() -> None:
    sandbox_url, phone, number = sys.argv[1:4]
    django.setup()
    setup_test_environment()  # lets the test client in (ALLOWED_HOSTS)
    client = Client()
    report = log_in(client, sandbox_url, phone, number)
    report["admin"] = admin_pages(client)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
