"""Secrets stay secret: OTP codes and API keys in neither the database, the admin,
command output nor log records (security-and-reliability §3.4, "Secrets").

One scenario walks every path that handles a secret — sends over POST and GET
(whose URL carries the key), provider failures, OTP login in local and provider
mode with wrong and right codes, the admin pages, the commands — then dumps every
table of the database and scans it. The session-wide check of every log record
is ``tests/secrets_capture.py``; its detector is tested here too.
"""

from __future__ import annotations

import json
import logging
import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from django_turkeysms import send_sms
from django_turkeysms.models import OtpChallenge, SmsLog, VerifiedPhone
from django_turkeysms.testing.sandbox import Sandbox
from tests import figures
from tests.conftest import provider_settings
from tests.secrets_capture import RecordText, Secrets

PHONES = ["+905321234561", "+905321234562"]
LOGIN = reverse("turkeysms:login")
LOGIN_CONFIRM = reverse("turkeysms:login-confirm")


def database_dump() -> str:
    """Every value of every table, as text."""
    lines: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            lines.extend(" | ".join(map(str, row)) for row in cursor.fetchall())
    return "\n".join(lines)


def codes_sent(sandbox: Sandbox) -> set[str]:
    return {
        match
        for message in sandbox.messages
        for match in re.findall(r"(?<!\d)\d{4,8}(?!\d)", message.text)
    }


def log_in(sandbox: Sandbox, phone: str) -> None:
    """Two wrong codes, then the right one."""
    client = Client()
    client.post(LOGIN, {"phone": phone})
    [code] = codes_sent(sandbox)
    for typed in ("000000", "111111", code):
        client.post(LOGIN_CONFIRM, {"code": typed})


def walk_every_secret_path(
    client: Client, settings: Any, sandbox: Sandbox, mode: str
) -> list[str]:
    """Do everything that touches a code or the key; return the pages rendered."""
    settings.TURKEYSMS = {
        **provider_settings(sandbox),
        "OTP_DELIVERY": "inline",
        "OTP_MODE": mode,
        "OTP_WEBOTP_DOMAIN": "shop.example.com.tr",
    }
    for method in ("POST", "GET"):
        options = settings.TURKEYSMS["BACKENDS"]["default"]["OPTIONS"]
        options["method"] = method
        send_sms("Kargonuz yolda.", PHONES)
        sandbox.inject("http_500", times=1)
        send_sms("Kargonuz yolda.", PHONES[:1])
    user = get_user_model().objects.create_user("ayse", password="unused")
    VerifiedPhone.objects.create(user=user, phone=PHONES[0])
    log_in(sandbox, PHONES[0])
    return [page.content.decode() for page in admin_pages(client)]


def admin_pages(client: Client) -> list[Any]:
    admin = get_user_model().objects.create_superuser("root", password="unused")
    client.force_login(admin)
    urls = [
        reverse("admin:django_turkeysms_smslog_changelist"),
        reverse("admin:django_turkeysms_otpchallenge_changelist"),
        *(
            reverse("admin:django_turkeysms_smslog_change", args=[pk])
            for pk in SmsLog.objects.values_list("pk", flat=True)
        ),
        *(
            reverse("admin:django_turkeysms_otpchallenge_change", args=[pk])
            for pk in OtpChallenge.objects.values_list("pk", flat=True)
        ),
    ]
    pages = [client.get(url) for url in urls]
    assert {page.status_code for page in pages} == {200}
    return pages


def command_output() -> str:
    out = StringIO()
    for command in ("turkeysms_balance", "turkeysms_check"):
        call_command(command, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["local", "provider"])
def test_no_code_or_key_in_the_database_admin_or_commands(
    client: Client, settings: Any, turkeysms_sandbox: Sandbox, mode: str
) -> None:
    pages = walk_every_secret_path(client, settings, turkeysms_sandbox, mode)
    codes = codes_sent(turkeysms_sandbox)
    assert codes and OtpChallenge.objects.filter(verified_at__isnull=False)
    key = turkeysms_sandbox.api_key
    places = {
        "database": database_dump(),
        "admin": "\n".join(pages),
        "commands": command_output(),
    }
    secrets = Secrets()
    secrets.codes, secrets.api_keys = codes, {key}
    for place, text in places.items():
        with_codes, with_keys = secrets.found_in(text.splitlines())
        assert with_codes == [], f"OTP code in the {place}: {with_codes[:3]}"
        assert with_keys == [], f"API key in the {place}: {with_keys[:3]}"
        figures.add(f"secrets: OTP codes or API keys in the {place}", 0)
    figures.add("secrets: database rows dumped", places["database"].count("\n") + 1)


def test_the_detector_finds_a_leaked_code_and_key() -> None:
    handler = RecordText()
    logger = logging.getLogger("tests.leak")
    logger.addHandler(handler)
    try:
        logger.warning("sent %s", "code 482913 to +905321234561")
        logger.error("request failed", exc_info=ValueError("api_key=live-key-1234"))
        logger.warning("nothing here: 4829130, +905324829131")
    finally:
        logger.removeHandler(handler)
    secrets = Secrets()
    secrets.codes, secrets.api_keys = {"482913"}, {"live-key-1234"}
    with_codes, with_keys = secrets.found_in(handler.texts)
    assert with_codes == ["sent code 482913 to +905321234561"]
    assert len(with_keys) == 1 and "ValueError: api_key=live-key-1234" in with_keys[0]


@pytest.mark.django_db
def test_echoed_secrets_never_reach_the_stored_answer(settings, canned):
    """A provider answer echoing the key and a code, nested and by value: the
    send log's ``provider_response`` keeps neither (the admin shows it)."""
    key, code = "sk-live-7f3a9c0e5d1b", "482913"
    canned.reply(
        json.dumps(
            {
                "result": "true",
                "result_code": "TS-1024",
                "sms_id": 1000007721,
                "echo": {"params": [{"api_key": key, "otp_code": code}]},
                "note": f"sent with {key}; code {code}",
            }
        )
    )
    settings.TURKEYSMS = {
        "BACKENDS": {
            "default": {
                "BACKEND": "django_turkeysms.backends.turkeysms.SmsBackend",
                "OPTIONS": {
                    "api_key": key,
                    "sender": "SANDBOX",
                    "base_url": canned.base_url,
                },
            }
        }
    }
    [row] = send_sms("Kargonuz yolda.", PHONES[0])
    row.refresh_from_db()
    assert (row.status, row.provider_id) == ("sent", "1000007721")
    stored = json.dumps(row.provider_response)
    assert key not in stored and code not in stored, stored
    assert row.provider_response["echo"]["params"] == [
        {"api_key": "***", "otp_code": "***"}
    ]
