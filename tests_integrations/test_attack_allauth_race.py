"""Attack: parallel guesses of one allauth login code, past the tries counted for it.

allauth checks its login codes itself, with the code and ``failed_attempts`` kept
in the session; the adapter counts ``ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS`` (3)
wrong codes in advance towards the phone's lock (``send_code(tries=3)``) and the
docs promise "at most 100 wrong codes per phone a day". But allauth reads the
session at the start of a request and writes it at the end: N requests sent at
once with the same session cookie each see ``failed_attempts == 0``, so N codes
are compared against one code (OWASP ASVS 5 15.4.2, check-and-act not atomic).
The phone's failure count says 3.

The barrier only makes the interleaving of real parallel HTTP requests
deterministic: every request has loaded the session before any has saved it.

Run: ``.venv/bin/python -m pytest tests_integrations/test_attack_allauth_race.py
--ds=tests_integrations.settings -q -p no:cacheprovider``
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account import forms as allauth_forms
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from django_turkeysms.models import VerifiedPhone

PHONE = "+905321234567"
REQUEST_CODE = reverse("account_request_login_code")
CONFIRM_CODE = reverse("account_confirm_login_code")
PARALLEL = 12


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_of_one_login_code_are_bounded(
    settings, sms_outbox, monkeypatch
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    owner = get_user_model().objects.create_user("ayse", password="pw")
    VerifiedPhone.objects.create(user=owner, phone=PHONE)
    attacker = Client()
    response = attacker.post(REQUEST_CODE, {"phone": PHONE})
    assert response.status_code == 302 and response["Location"] == CONFIRM_CODE
    right = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    wrong = [f"{(int(right) + n) % 10**6:06d}" for n in range(1, PARALLEL)]
    cookie = attacker.cookies[django_settings.SESSION_COOKIE_NAME].value

    barrier = threading.Barrier(PARALLEL, timeout=30)
    compared = []
    original = allauth_forms.compare_user_code

    def compare(*, actual, expected):
        barrier.wait()  # every request has read the session's failed_attempts
        compared.append(actual)
        return original(actual=actual, expected=expected)

    monkeypatch.setattr(allauth_forms, "compare_user_code", compare)

    def guess(code):
        try:
            client = Client()
            client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
            return client.post(CONFIRM_CODE, {"code": code}).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = list(pool.map(guess, [*wrong, right]))

    tries = allauth_settings.LOGIN_BY_CODE_MAX_ATTEMPTS
    wrong_compared = len([c for c in compared if c != right])
    assert wrong_compared <= tries, (
        f"one login code took {wrong_compared} wrong guesses (allauth allows "
        f"{tries} and the adapter counted {tries} towards the phone's lock); the "
        f"right code sent with them logged in: {statuses[-1] == 302}"
    )
