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
from kombu.entity import Exchange, Queue

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

# The live server of the timing tests serves static files under this prefix.
STATIC_URL = "static/"

REDIS_URL = os.environ.get("TURKEYSMS_REDIS_URL", "redis://127.0.0.1:6379/7")

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "django_tasks_db",
    "django_rq",
    "django_tasks_fennel",
]
if django.VERSION < (6, 0):
    INSTALLED_APPS.append("django_tasks")

TASKS = {
    "default": {"BACKEND": f"{TASKS_MODULE}.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
    # No queue list: fennel takes a task's queue name from its routing key,
    # which Celery's native delayed delivery prefixes with the delay's bits.
    "celery": {"BACKEND": "django_tasks_fennel.CeleryBackend", "QUEUES": []},
}
# django-tasks-fennel registers with Celery only the tasks declared on it, and
# django_turkeysms declares its tasks on the default alias: Celery workers start
# with TURKEYSMS_TASKS_DEFAULT=celery, as a project would set TASKS["default"].
TASKS["default"] = TASKS[os.environ.get("TURKEYSMS_TASKS_DEFAULT", "default")]
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}

# The README's Celery recipe, on the machine's RabbitMQ with results in Redis.
CELERY_BROKER_URL = os.environ.get(
    "TURKEYSMS_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"
)
CELERY_RESULT_BACKEND = os.environ.get("TURKEYSMS_CELERY_RESULT_URL", REDIS_URL)
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The Tasks queue "default" is a quorum queue behind a topic exchange: Celery's
# native delayed delivery keeps scheduled tasks in RabbitMQ. Otherwise a worker
# holds them unacknowledged, and RabbitMQ closes its channel after the
# consumer_timeout (30 minutes by default): the worker stops. Names of this
# suite's own; the delay exchanges are Celery's, shared.
CELERY_QUEUE = os.environ.get("TURKEYSMS_CELERY_QUEUE", "turkeysms_services")
CELERY_TASK_QUEUES = [
    Queue(
        CELERY_QUEUE,
        Exchange(CELERY_QUEUE, type="topic"),
        routing_key=CELERY_QUEUE,
        alias="default",
        queue_arguments={"x-queue-type": "quorum"},
    )
]

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
