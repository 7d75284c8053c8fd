"""Settings: one ``TURKEYSMS`` dict, read live on every access.

Nothing is cached, so ``override_settings`` and pytest-django's ``settings``
fixture just work. This module only reads; :mod:`django_turkeysms.checks`
validates.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULT_BACKEND = "django_turkeysms.backends.console.SmsBackend"

DEFAULTS: dict[str, Any] = {
    "BACKENDS": {"default": {"BACKEND": DEFAULT_BACKEND, "OPTIONS": {}}},
    "ASYNC": False,
    "TASK_BACKEND": "default",
    "TASK_BATCH_SIZE": 100,
    "ALLOWED_COUNTRIES": ["TR"],
    "LOG_MESSAGE_BODY": True,
    "MAX_SEGMENTS": 10,
    "MAX_RECIPIENTS": 10_000,
    "MAX_WORKERS": 4,
    "MAX_ATTEMPTS": 5,
    "RETRY_BASE_DELAY": 5.0,
    "RETRY_MAX_DELAY": 300.0,
    "SENDING_TIMEOUT": 600.0,
    "QUEUED_TIMEOUT": 600.0,
    "STATUS_BATCH_SIZE": 100,
}


class Settings:
    """Typed, live access to ``settings.TURKEYSMS`` with defaults."""

    def _get(self, key: str) -> Any:
        user = getattr(settings, "TURKEYSMS", {})
        if isinstance(user, dict) and key in user:
            return user[key]
        return DEFAULTS[key]

    @property
    def user_settings(self) -> object:
        """The raw ``TURKEYSMS`` setting (for checks)."""
        return getattr(settings, "TURKEYSMS", {})

    @property
    def BACKENDS(self) -> dict[str, dict[str, Any]]:
        backends: dict[str, dict[str, Any]] = self._get("BACKENDS")
        return backends

    @property
    def ASYNC(self) -> bool:
        return bool(self._get("ASYNC"))

    @property
    def TASK_BACKEND(self) -> str:
        return str(self._get("TASK_BACKEND"))

    @property
    def TASK_BATCH_SIZE(self) -> int:
        return int(self._get("TASK_BATCH_SIZE"))

    @property
    def ALLOWED_COUNTRIES(self) -> list[str] | None:
        allowed = self._get("ALLOWED_COUNTRIES")
        return None if allowed is None else [str(code).upper() for code in allowed]

    @property
    def LOG_MESSAGE_BODY(self) -> bool:
        return bool(self._get("LOG_MESSAGE_BODY"))

    @property
    def MAX_SEGMENTS(self) -> int:
        return int(self._get("MAX_SEGMENTS"))

    @property
    def MAX_RECIPIENTS(self) -> int:
        return int(self._get("MAX_RECIPIENTS"))

    @property
    def MAX_WORKERS(self) -> int:
        return int(self._get("MAX_WORKERS"))

    @property
    def MAX_ATTEMPTS(self) -> int:
        return int(self._get("MAX_ATTEMPTS"))

    @property
    def RETRY_BASE_DELAY(self) -> float:
        return float(self._get("RETRY_BASE_DELAY"))

    @property
    def RETRY_MAX_DELAY(self) -> float:
        return float(self._get("RETRY_MAX_DELAY"))

    @property
    def SENDING_TIMEOUT(self) -> float:
        return float(self._get("SENDING_TIMEOUT"))

    @property
    def QUEUED_TIMEOUT(self) -> float:
        return float(self._get("QUEUED_TIMEOUT"))

    @property
    def STATUS_BATCH_SIZE(self) -> int:
        return int(self._get("STATUS_BATCH_SIZE"))


conf = Settings()
