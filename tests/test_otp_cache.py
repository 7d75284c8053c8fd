"""The cache behind the OTP limits: a system check error when it cannot work, and
the cause in the log when a request is refused because of it (issue 15, item 1)."""

from __future__ import annotations

import logging
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from django_turkeysms import checks

LOCMEM_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
# Nothing listens on port 1; the password must never be shown.
CLOSED_REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://:cache-password-123@127.0.0.1:1/4",
}
UNIMPORTABLE = {"BACKEND": "no_such_package.cache.CacheBackend"}
DUMMY = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}


@pytest.fixture
def otp_cache(settings):
    """Point the OTP limits at the cache ``limits``; returns a setter for it."""

    def use(limits_cache):
        settings.CACHES = {"default": LOCMEM_CACHE, "limits": limits_cache}
        settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_CACHE": "limits"}

    return use


def test_a_working_cache_passes(otp_cache):
    otp_cache(LOCMEM_CACHE)
    assert checks.check_otp_cache() == []


@pytest.mark.parametrize(
    ("cache", "cause"),
    [
        (CLOSED_REDIS, "ConnectionError: Error 111 connecting to 127.0.0.1:1"),
        (UNIMPORTABLE, "InvalidCacheBackendError: Could not find backend"),
        (DUMMY, "a value stored in it was not kept"),
    ],
    ids=["server-down", "backend-unimportable", "keeps-nothing"],
)
def test_a_cache_that_cannot_work_is_an_error_naming_the_cause(otp_cache, cache, cause):
    otp_cache(cache)
    [error] = checks.check_otp_cache()
    assert error.id == "django_turkeysms.E009"
    assert error.is_serious()
    assert "'limits'" in error.msg
    assert cause in error.msg
    assert "pip install redis" in error.hint
    assert "TURKEYSMS['OTP_CACHE']" in error.hint
    assert "cache-password-123" not in f"{error.msg} {error.hint}"


def test_the_redis_library_missing_is_an_error(otp_cache, monkeypatch):
    """The case a new user hit: the README's Redis cache without ``redis`` installed."""
    monkeypatch.setitem(sys.modules, "redis", None)
    otp_cache({**CLOSED_REDIS, "LOCATION": "redis://127.0.0.1:6379/4"})
    [error] = checks.check_otp_cache()
    assert error.id == "django_turkeysms.E009"
    assert "ModuleNotFoundError" in error.msg or "ImportError" in error.msg
    assert "redis" in error.msg


def test_an_alias_missing_from_caches_is_an_error(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_CACHE": "nowhere"}
    [error] = checks.check_otp_cache()
    assert error.id == "django_turkeysms.E009"
    assert "'nowhere'" in error.msg


@pytest.mark.django_db
def test_manage_py_check_fails_on_it(otp_cache):
    otp_cache(CLOSED_REDIS)
    with pytest.raises(SystemCheckError, match=r"django_turkeysms\.E009"):
        call_command("check", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_a_refused_login_logs_the_cause(client, otp_cache, caplog):
    otp_cache(CLOSED_REDIS)
    caplog.set_level(logging.DEBUG)
    response = client.post(reverse("turkeysms:login"), {"phone": "0532 123 45 67"})
    assert response.status_code == 429
    [cause] = [
        record.getMessage()
        for record in caplog.records
        if record.name == "django_turkeysms.limits"
    ]
    assert "'limits'" in cause
    assert "ConnectionError: Error 111 connecting to 127.0.0.1:1" in cause
    assert "django_turkeysms.E009" in cause
    assert all(
        "cache-password-123" not in record.getMessage() for record in caplog.records
    )
