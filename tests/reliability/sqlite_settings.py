"""A project as ``startproject`` makes it: a SQLite file with Django's default
OPTIONS, and the default background OTP delivery (tests/reliability/sqlite_load.py)."""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["TURKEYSMS_SQLITE_FILE"],
    }
}
TURKEYSMS = {
    "BACKENDS": {
        "default": {"BACKEND": "django_turkeysms.backends.locmem.SmsBackend"},
    },
    "OTP_DELIVERY": "background",
    "OTP_IP_MAX_SENDS": 10**6,
    "OTP_IP_MAX_VERIFIES": 10**6,
    "OTP_PREFIX_MIN_SENDS": 10**6,
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
