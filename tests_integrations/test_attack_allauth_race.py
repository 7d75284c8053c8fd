"""Attack: parallel guesses of one allauth login code, past the tries counted for it.

allauth checks its login codes itself, with the code and ``failed_attempts`` kept
in the session; the adapter counts ``ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS`` (3)
wrong codes in advance towards the phone's lock (``send_code(tries=3)``) and the
docs promise "at most 100 wrong codes per phone a day". But allauth reads the
session at the start of a request and writes it at the end: N requests sent at
once with the same session cookie each see ``failed_attempts == 0``, so N codes
are compared against one code (OWASP ASVS 5 15.4.2, check-and-act not atomic).
The phone's failure count says 3.

The fix: ``ACCOUNT_FORMS`` names our forms, and our challenge judges the code
(checked and counted in one step under its row lock). The barrier makes every
request load the session before any is judged; after it, the requests are judged
one at a time, because the test database (SQLite in memory, one shared cache)
allows one writer at a time. Parallel judging itself is the row lock's job,
tested on PostgreSQL in ``tests_services/test_otp_concurrency.py``.

Run: ``.venv/bin/python -m pytest tests_integrations/test_attack_allauth_race.py
--ds=tests_integrations.settings -q -p no:cacheprovider``
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.account import forms as allauth_forms
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse

from django_turkeysms import otp
from django_turkeysms.conf import conf
from django_turkeysms.integrations.allauth import ConfirmLoginCodeForm
from django_turkeysms.models import OtpChallenge, VerifiedPhone

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
    one_at_a_time = threading.Lock()
    holder = threading.local()
    compared = []
    original_compare = allauth_forms.compare_user_code
    original_clean = ConfirmLoginCodeForm.clean_code

    def compare(*, actual, expected):
        compared.append(actual)  # allauth judging the code itself
        return original_compare(actual=actual, expected=expected)

    def clean_code(form):
        barrier.wait()  # every request has read the session's failed_attempts
        one_at_a_time.acquire()
        holder.locked = True
        return original_clean(form)

    monkeypatch.setattr(allauth_forms, "compare_user_code", compare)
    monkeypatch.setattr(ConfirmLoginCodeForm, "clean_code", clean_code)

    def guess(code):
        holder.locked = False
        try:
            client = Client()
            client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
            return client.post(CONFIRM_CODE, {"code": code}).status_code
        finally:
            # close() keeps an in-memory database's connection open (closing
            # the last one would drop the database); this thread's is not the last.
            BaseDatabaseWrapper.close(connection)
            if holder.locked:
                one_at_a_time.release()

    with ThreadPoolExecutor(PARALLEL) as pool:
        statuses = list(pool.map(guess, [*wrong, right]))

    assert compared == [], "allauth judged the SMS code against its session copy"
    # Every wrong code compared is counted under the challenge's row lock.
    challenge = OtpChallenge.objects.get(phone=PHONE)
    judged_wrong = challenge.attempts
    assert judged_wrong <= conf.OTP_MAX_ATTEMPTS, (
        f"one login code took {judged_wrong} wrong guesses; the right code sent "
        f"with them logged in: {statuses[-1] == 302}"
    )
    # They count towards the lock, until a success starts the count over.
    counted = 0 if challenge.verified_at else judged_wrong
    assert otp.consecutive_failures(PHONE) == counted
