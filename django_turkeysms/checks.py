"""System checks, ids ``django_turkeysms.E0xx`` (errors) and ``W0xx`` (warnings).

| Id   | Condition |
|------|-----------|
| E001 | ``TURKEYSMS`` is not a dict, or has unknown keys |
| E002 | ``BACKENDS`` is not a dict or has no ``"default"`` alias |
| E003 | a backend cannot be imported or built (missing ``api_key``/``sender`` …) |
| E004 | no ``phonenumbers`` module is importable |
| E005 | ``ASYNC`` is on but ``TASK_BACKEND`` is not a configured task backend |
| E006 | a setting has the wrong type or an impossible value |
| E007 | the provider backend's ``method`` is not ``"POST"`` or ``"GET"`` |
| W001 | ``ASYNC`` with a task backend that never runs tasks (dummy) |
| W002 | ``PHONENUMBER_DEFAULT_REGION`` is unset |
| W004 | a provider backend uses a plain ``http://`` base URL outside DEBUG |
| W005 | the task backend cannot defer, so scheduled sends (``send_at``) fail |
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from django_turkeysms.conf import DEFAULTS, conf
from django_turkeysms.handler import sms_backends

_POSITIVE_INTS = (
    "TASK_BATCH_SIZE",
    "MAX_SEGMENTS",
    "MAX_RECIPIENTS",
    "MAX_WORKERS",
    "MAX_ATTEMPTS",
    "STATUS_BATCH_SIZE",
)
_POSITIVE_NUMBERS = (
    "RETRY_BASE_DELAY",
    "RETRY_MAX_DELAY",
    "SENDING_TIMEOUT",
    "QUEUED_TIMEOUT",
)


@register(Tags.compatibility)
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The shape of ``TURKEYSMS`` and the values of its keys."""
    user = conf.user_settings
    if not isinstance(user, dict):
        return [Error("TURKEYSMS must be a dict.", id="django_turkeysms.E001")]
    errors: list[CheckMessage] = []
    unknown = sorted(set(user) - set(DEFAULTS))
    if unknown:
        errors.append(
            Error(
                f"TURKEYSMS has unknown key(s): {', '.join(map(str, unknown))}.",
                hint=f"Known keys: {', '.join(DEFAULTS)}.",
                id="django_turkeysms.E001",
            )
        )
    errors.extend(_check_numbers(user))
    if "ALLOWED_COUNTRIES" in user and not _is_country_list(user["ALLOWED_COUNTRIES"]):
        errors.append(
            Error(
                "TURKEYSMS['ALLOWED_COUNTRIES'] must be None or a list of ISO country codes such as ['TR'].",
                id="django_turkeysms.E006",
            )
        )
    return errors


def _check_numbers(user: dict[str, Any]) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for key in (*_POSITIVE_INTS, *_POSITIVE_NUMBERS):
        if key not in user:
            continue
        value = user[key]
        kinds = (int,) if key in _POSITIVE_INTS else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
            errors.append(
                Error(
                    f"TURKEYSMS[{key!r}] must be a positive {'integer' if kinds == (int,) else 'number'}, not {value!r}.",
                    id="django_turkeysms.E006",
                )
            )
    return errors


def _is_country_list(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, (list, tuple, set)) and all(
        isinstance(code, str) and (code == "*" or (len(code) == 2 and code.isalpha()))
        for code in value
    )


@register(Tags.compatibility)
def check_backends(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Every configured backend imports, builds and passes its own ``check()``."""
    backends = conf.BACKENDS
    if not isinstance(backends, dict) or "default" not in backends:
        return [
            Error(
                "TURKEYSMS['BACKENDS'] must be a dict with a 'default' alias.",
                hint='For example {"default": {"BACKEND": "django_turkeysms.backends.turkeysms.SmsBackend", "OPTIONS": {...}}}.',
                id="django_turkeysms.E002",
            )
        ]
    messages: list[CheckMessage] = []
    for alias in backends:
        try:
            backend = sms_backends[alias]
        except ImproperlyConfigured as exc:
            messages.append(Error(str(exc), id="django_turkeysms.E003"))
            continue
        messages.extend(backend.check())
    return messages


@register(Tags.compatibility)
def check_phonenumbers(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """phonenumbers is installed, and a default region is set for national numbers."""
    messages: list[CheckMessage] = []
    if (
        importlib.util.find_spec("phonenumbers") is None
    ):  # pragma: no cover - always installed in tests
        messages.append(
            Error(
                "The phonenumbers library is not installed.",
                hint='Install "django-turkeysms[phonenumberslite]" or "django-turkeysms[phonenumbers]".',
                id="django_turkeysms.E004",
            )
        )
    if not getattr(settings, "PHONENUMBER_DEFAULT_REGION", None):
        messages.append(
            Warning(
                "PHONENUMBER_DEFAULT_REGION is not set, so national numbers such as 0532 123 45 67 are read as Turkish.",
                hint='Set PHONENUMBER_DEFAULT_REGION = "TR".',
                id="django_turkeysms.W002",
            )
        )
    return messages


@register(Tags.compatibility)
def check_tasks(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """With ``ASYNC`` on, the task backend exists, runs tasks and can defer."""
    if not conf.ASYNC:
        return []
    from django_turkeysms._compat import task_backends

    alias = conf.TASK_BACKEND
    try:
        backend = task_backends[alias]
    except ImproperlyConfigured as exc:  # InvalidTaskBackend(Error) on 6.x / 5.2
        return [
            Error(
                f"TURKEYSMS['ASYNC'] is on but the task backend {alias!r} is not usable: {exc}",
                hint="Configure it in TASKS, or set TURKEYSMS['TASK_BACKEND'] to a configured alias.",
                id="django_turkeysms.E005",
            )
        ]
    return _task_backend_warnings(alias, backend)


def _task_backend_warnings(alias: str, backend: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if type(backend).__name__ == "DummyBackend":
        messages.append(
            Warning(
                f"TURKEYSMS['ASYNC'] is on with the dummy task backend {alias!r}: no SMS will ever be sent.",
                id="django_turkeysms.W001",
            )
        )
    if not getattr(backend, "supports_defer", False):
        messages.append(
            Warning(
                f"The task backend {alias!r} cannot defer tasks: scheduled sends (send_at) will be refused, "
                "and retries wait for the sweeper.",
                hint="Use a backend with supports_defer, such as django-tasks-db or django-tasks-rq.",
                id="django_turkeysms.W005",
            )
        )
    return messages
