"""The example project's settings, for browser tests against a live server, with
every integration switched on (django-allauth, django-two-factor-auth, the
django-otp device) as ``EXAMPLE_*=1`` does in the demo."""

from __future__ import annotations

import os

for _name in ("EXAMPLE_ALLAUTH", "EXAMPLE_TWO_FACTOR", "EXAMPLE_DJANGO_OTP"):
    os.environ.setdefault(_name, "1")

from example_project import settings as example  # noqa: E402 - after the switches
from example_project.settings import *  # noqa: E402, F403

DEBUG = False
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The tests point the backend at their own sandbox; codes go out inline so the
# test reads them right after submitting the form.
TURKEYSMS = {**example.TURKEYSMS, "OTP_DELIVERY": "inline"}
SILENCED_SYSTEM_CHECKS = [
    "django_turkeysms.W004",
    "django_turkeysms.W006",
    "django_turkeysms.W007",
]
