"""Django settings for the benchmarks: PostgreSQL, database task workers.

The sandbox URL and TURKEYSMS overrides come from the environment
(``TURKEYSMS_TEST_CONFIG``) so that worker processes share them.
"""

from __future__ import annotations

import os

from tests_services.settings import *  # noqa: F403
from tests_services.settings import postgres_database

DATABASE_NAME = os.environ.get("TURKEYSMS_BENCH_DB", "turkeysms_bench")
# Workers keep their connection (CONN_MAX_AGE None).
DATABASES = {"default": postgres_database(DATABASE_NAME, CONN_MAX_AGE=None)}
DEBUG = False
ROOT_URLCONF = "bench.urls"
