"""The example project's settings, for browser tests against a live server."""

from __future__ import annotations

from example_project import settings as example
from example_project.settings import *  # noqa: F403

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
