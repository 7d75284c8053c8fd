"""OTP verification throughput through the view, on PostgreSQL.

    python bench/otp.py [--quick]

* verifications per second through ``turkeysms:login-confirm`` with Django's test
  client (session load, the one-statement code check, login, redirect): a correct code, and a
  wrong one; target ≥ 400/s. Baseline in the same run: the same login step with
  no code to check (Django's ``login()`` and a redirect), so the ratio shows
  what the OTP check adds: target ≥ 0.85×;
* the cost of our code hashing (HMAC-SHA256 keyed from SECRET_KEY) against
  Django's default password hasher for the same 6 digits: target ≥ 10,000×
  cheaper — a password hasher would cap verifications at a few per second.

Interleaved rounds, medians.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench._common import database, interleaved, ratio_line, report  # noqa: E402

database()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from django_turkeysms import otp  # noqa: E402
from django_turkeysms.models import OtpChallenge, VerifiedPhone  # noqa: E402
from django_turkeysms.views import LOGIN_SESSION_KEY  # noqa: E402

CODE = "424242"
CONFIRM = reverse("turkeysms:login-confirm")
WITHOUT_CODE = reverse("login-without-code")
NUMBERS = itertools.count()  # a new number for every login of the run


def prepare(count: int) -> list[tuple[Client, str]]:
    """``count`` logged-out clients, each mid-login with a fresh challenge."""
    user_model = get_user_model()
    clients = []
    now = timezone.now()
    for _ in range(count):
        phone = f"+90532{next(NUMBERS):07d}"
        user = user_model.objects.create(username=uuid.uuid4().hex)
        VerifiedPhone.objects.create(user=user, phone=phone)
        challenge = OtpChallenge(
            phone=phone, purpose="login", expires_at=now + timedelta(minutes=5)
        )
        challenge.set_code(CODE)
        challenge.save()
        client = Client()
        session = client.session
        session[LOGIN_SESSION_KEY] = {
            "phone": phone,
            "challenge": str(challenge.pk),
            "next": "/",
            "sent_at": 0,
        }
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key or ""
        clients.append((client, phone))
    return clients


def verify_rate(count: int, code: str, expected: int, url: str = CONFIRM) -> float:
    clients = prepare(count)
    started = time.perf_counter()
    for client, _phone in clients:
        response = client.post(url, {"code": code})
        assert response.status_code == expected, response.status_code
    return count / (time.perf_counter() - started)


def hmac_rate(count: int) -> float:
    challenge_id = uuid.uuid4()
    started = time.perf_counter()
    for _ in range(count):
        otp.hash_code(challenge_id, CODE)
    return count / (time.perf_counter() - started)


def password_hasher_rate(count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        make_password(CODE)
    return count / (time.perf_counter() - started)


def clean() -> None:
    OtpChallenge.objects.all().delete()
    VerifiedPhone.objects.all().delete()
    get_user_model().objects.all().delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    args = parser.parse_args()
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_IP_MAX_VERIFIES": 10**9}
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    ]  # Django's default
    rounds, count, hashes = (1, 50, 2_000) if args.quick else (5, 400, 100_000)
    clean()
    views = interleaved(
        {
            "correct code: verify + log in": lambda: verify_rate(count, CODE, 302),
            "wrong code: verify + error page": lambda: verify_rate(
                count, "000000", 400
            ),
            "baseline: Django login, no code to check": lambda: verify_rate(
                count, CODE, 302, WITHOUT_CODE
            ),
        },
        rounds,
    )
    clean()
    report("through the view, PostgreSQL (verifications/s)", views, "verifications/s")
    hashing = interleaved(
        {
            "ours: HMAC-SHA256 of the code": lambda: hmac_rate(hashes),
            "Django's default password hasher": lambda: password_hasher_rate(
                1 if args.quick else 3
            ),
        },
        rounds,
    )
    report("hashing one code", hashing, "hashes/s")
    best = views["correct code: verify + log in"]
    print(
        f"  correct-code verifications: {best:,.0f}/s (target ≥ 400: {'met' if best >= 400 else 'MISSED'})"
    )
    ratio_line(
        "verify + log in / Django login alone",
        best / views["baseline: Django login, no code to check"],
        0.85,
    )
    ratio_line(
        "password hasher cost / ours",
        hashing["ours: HMAC-SHA256 of the code"]
        / hashing["Django's default password hasher"],
        10_000,
    )


if __name__ == "__main__":
    main()
