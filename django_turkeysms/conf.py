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
    # OTP
    "OTP_MODE": "local",
    "OTP_LENGTH": 6,
    "OTP_TTL": 300,
    "OTP_MAX_ATTEMPTS": 5,
    "OTP_MAX_FAILURES": 20,
    "OTP_LOCK_TIME": 3600,
    "OTP_LOCK_MAX_TIME": 86_400,
    "OTP_RESEND_COOLDOWN": 60,
    "OTP_MAX_SENDS": 5,
    "OTP_SEND_WINDOW": 600,
    "OTP_IP_MAX_SENDS": 20,
    "OTP_IP_MAX_VERIFIES": 60,
    "OTP_IP_WINDOW": 600,
    "OTP_USER_MAX_SENDS": 10,
    "OTP_USER_IP_MAX_SENDS": 15,
    "OTP_USER_WINDOW": 86_400,
    "OTP_DAILY_BUDGET": 10_000,
    "OTP_ALLOWED_COUNTRIES": ["TR"],
    "OTP_PREFIX_DIGITS": 8,
    "OTP_PREFIX_MIN_SENDS": 20,
    "OTP_PREFIX_MIN_VERIFY_RATE": 0.2,
    "OTP_PREFIX_WINDOW": 3600,
    "OTP_PREFIX_BLOCK": 43_200,
    "OTP_TRUSTED_PROXIES": [],
    "OTP_PROXY_HEADER": "HTTP_X_FORWARDED_FOR",
    "OTP_BACKEND": "default",
    "OTP_SENDER": None,
    "OTP_CACHE": "default",
    "OTP_DELIVERY": "background",
    "OTP_MESSAGE_TEMPLATE": "django_turkeysms/otp_message.txt",
    "OTP_WEBOTP_DOMAIN": None,
    "OTP_BASE_TEMPLATE": "django_turkeysms/base.html",
    "OTP_SUCCESS_URL": None,
    "OTP_REAUTH_WINDOW": 300,
    "API_TOKEN_HOOK": None,
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
    def DEFAULT_REGION(self) -> str:
        """Where national numbers are read: django-phonenumber-field's
        ``PHONENUMBER_DEFAULT_REGION``, else Turkey."""
        return getattr(settings, "PHONENUMBER_DEFAULT_REGION", None) or "TR"

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

    # -- OTP -----------------------------------------------------------------------

    @property
    def OTP_MODE(self) -> str:
        return str(self._get("OTP_MODE"))

    @property
    def OTP_LENGTH(self) -> int:
        return int(self._get("OTP_LENGTH"))

    @property
    def OTP_TTL(self) -> float:
        return float(self._get("OTP_TTL"))

    @property
    def OTP_MAX_ATTEMPTS(self) -> int:
        return int(self._get("OTP_MAX_ATTEMPTS"))

    @property
    def OTP_MAX_FAILURES(self) -> int:
        return int(self._get("OTP_MAX_FAILURES"))

    @property
    def OTP_LOCK_TIME(self) -> float:
        return float(self._get("OTP_LOCK_TIME"))

    @property
    def OTP_LOCK_MAX_TIME(self) -> float:
        return float(self._get("OTP_LOCK_MAX_TIME"))

    @property
    def OTP_RESEND_COOLDOWN(self) -> float:
        return float(self._get("OTP_RESEND_COOLDOWN"))

    @property
    def OTP_MAX_SENDS(self) -> int:
        return int(self._get("OTP_MAX_SENDS"))

    @property
    def OTP_SEND_WINDOW(self) -> float:
        return float(self._get("OTP_SEND_WINDOW"))

    @property
    def OTP_IP_MAX_SENDS(self) -> int:
        return int(self._get("OTP_IP_MAX_SENDS"))

    @property
    def OTP_IP_MAX_VERIFIES(self) -> int:
        return int(self._get("OTP_IP_MAX_VERIFIES"))

    @property
    def OTP_IP_WINDOW(self) -> float:
        return float(self._get("OTP_IP_WINDOW"))

    @property
    def OTP_USER_MAX_SENDS(self) -> int:
        return int(self._get("OTP_USER_MAX_SENDS"))

    @property
    def OTP_USER_IP_MAX_SENDS(self) -> int:
        return int(self._get("OTP_USER_IP_MAX_SENDS"))

    @property
    def OTP_USER_WINDOW(self) -> float:
        return float(self._get("OTP_USER_WINDOW"))

    @property
    def OTP_DAILY_BUDGET(self) -> int | None:
        budget = self._get("OTP_DAILY_BUDGET")
        return None if budget is None else int(budget)

    @property
    def OTP_ALLOWED_COUNTRIES(self) -> list[str] | None:
        allowed = self._get("OTP_ALLOWED_COUNTRIES")
        return None if allowed is None else [str(code).upper() for code in allowed]

    @property
    def OTP_PREFIX_DIGITS(self) -> int:
        return int(self._get("OTP_PREFIX_DIGITS"))

    @property
    def OTP_PREFIX_MIN_SENDS(self) -> int:
        return int(self._get("OTP_PREFIX_MIN_SENDS"))

    @property
    def OTP_PREFIX_MIN_VERIFY_RATE(self) -> float:
        return float(self._get("OTP_PREFIX_MIN_VERIFY_RATE"))

    @property
    def OTP_PREFIX_WINDOW(self) -> float:
        return float(self._get("OTP_PREFIX_WINDOW"))

    @property
    def OTP_PREFIX_BLOCK(self) -> float:
        return float(self._get("OTP_PREFIX_BLOCK"))

    @property
    def OTP_TRUSTED_PROXIES(self) -> list[str]:
        return [str(network) for network in self._get("OTP_TRUSTED_PROXIES")]

    @property
    def OTP_PROXY_HEADER(self) -> str:
        return str(self._get("OTP_PROXY_HEADER"))

    @property
    def OTP_BACKEND(self) -> str:
        return str(self._get("OTP_BACKEND"))

    @property
    def OTP_SENDER(self) -> str | None:
        sender = self._get("OTP_SENDER")
        return None if sender is None else str(sender)

    @property
    def OTP_CACHE(self) -> str:
        return str(self._get("OTP_CACHE"))

    @property
    def OTP_DELIVERY(self) -> str:
        return str(self._get("OTP_DELIVERY"))

    @property
    def OTP_MESSAGE_TEMPLATE(self) -> str:
        return str(self._get("OTP_MESSAGE_TEMPLATE"))

    @property
    def OTP_WEBOTP_DOMAIN(self) -> str | None:
        domain = self._get("OTP_WEBOTP_DOMAIN")
        return str(domain) if domain else None

    @property
    def OTP_BASE_TEMPLATE(self) -> str:
        return str(self._get("OTP_BASE_TEMPLATE"))

    @property
    def OTP_SUCCESS_URL(self) -> str | None:
        url = self._get("OTP_SUCCESS_URL")
        return str(url) if url else None

    @property
    def OTP_REAUTH_WINDOW(self) -> float:
        return float(self._get("OTP_REAUTH_WINDOW"))

    @property
    def API_TOKEN_HOOK(self) -> str | None:
        """Dotted path of ``hook(*, request, user) -> dict``, merged into the JSON
        API's answer to a successful login (a DRF token, a JWT)."""
        hook = self._get("API_TOKEN_HOOK")
        return str(hook) if hook else None


conf = Settings()
