"""Settings for the service-backed suite: PostgreSQL, task workers, Redis.

Worker processes started by the tests load this module too; the test process
passes them the sandbox URL and any TURKEYSMS overrides through the environment
(``TURKEYSMS_TEST_CONFIG``, a JSON object), so both sides see one configuration.
"""

from __future__ import annotations

import json
import os
from typing import Any

import django

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, TASKS_MODULE


def postgres_database(name: str, **extra: Any) -> dict[str, Any]:
    """The machine's PostgreSQL (PGHOST, PGPORT, PGUSER override the defaults)."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": os.environ.get("PGUSER", "postgres"),
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
        **extra,
    }


DATABASE_NAME = os.environ.get("TURKEYSMS_SERVICES_DB", "turkeysms_services")
# Workers connect to the test database by its real name.
DATABASES = {"default": postgres_database(DATABASE_NAME, TEST={"NAME": DATABASE_NAME})}

REDIS_URL = os.environ.get("TURKEYSMS_REDIS_URL", "redis://127.0.0.1:6379/7")

INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db", "django_rq"]
if django.VERSION < (6, 0):
    INSTALLED_APPS.append("django_tasks")

TASKS = {
    "default": {"BACKEND": f"{TASKS_MODULE}.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
}
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}

TURKEYSMS = json.loads(
    os.environ.get("TURKEYSMS_TEST_CONFIG")
    or '{"BACKENDS": {"default": {"BACKEND": "django_turkeysms.backends.locmem.SmsBackend"}}}'
)
SILENCED_SYSTEM_CHECKS = ["django_turkeysms.W004"]  # the sandbox speaks plain http
# OTP limits need a cache every process shares.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get(
            "TURKEYSMS_REDIS_CACHE_URL", "redis://127.0.0.1:6379/8"
        ),
    }
}
