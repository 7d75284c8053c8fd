"""Settings: one ``TURKEYSMS`` dict, described once and read live on every access.

:class:`Settings` declares every key as a :class:`Setting` — its default, how a
value is read, and what a valid value is. ``conf.OTP_LENGTH`` reads
``settings.TURKEYSMS`` each time (nothing is cached, so ``override_settings``
and pytest-django's ``settings`` fixture just work); :mod:`django_turkeysms.checks`
iterates the same description to validate, so there is no second list to keep
in step.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from django.conf import settings

T = TypeVar("T")

DEFAULT_BACKEND = "django_turkeysms.backends.console.SmsBackend"


@dataclass(frozen=True)
class Rule:
    """What a valid value of a key is: a test, its wording, and the check id."""

    test: Callable[[object], bool]
    wording: str
    check_id: str = "django_turkeysms.E006"


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One key of ``TURKEYSMS``: a descriptor on :class:`Settings`."""

    default: T
    read: Callable[[Any], T]
    rule: Rule | None = None
    name: str = field(default="", init=False)

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)

    @overload
    def __get__(self, instance: None, owner: type) -> Setting[T]: ...

    @overload
    def __get__(self, instance: Settings, owner: type) -> T: ...

    def __get__(self, instance: Settings | None, owner: type) -> Setting[T] | T:
        if instance is None:
            return self
        user = getattr(settings, "TURKEYSMS", {})
        if isinstance(user, dict) and self.name in user:
            return self.read(user[self.name])
        return self.read(self.default)


# -- readers and rules ---------------------------------------------------------------------


def _as_is(value: Any) -> Any:
    return value


def _optional(read: Callable[[Any], T]) -> Callable[[Any], T | None]:
    return lambda value: None if value is None else read(value)


def _text_or_none(value: object) -> str | None:
    return str(value) if value else None


def _countries(value: Any) -> list[str] | None:
    return None if value is None else [str(code).upper() for code in value]


def _strings(value: Any) -> list[str]:
    return [str(item) for item in value]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _between(low: float, high: float) -> Callable[[object], bool]:
    return lambda value: _is_number(value) and low <= value <= high  # type: ignore[operator]


def _is_country_list(value: object) -> bool:
    if value is None:
        return True
    return isinstance(value, (list, tuple, set)) and all(
        isinstance(code, str) and (code == "*" or (len(code) == 2 and code.isalpha()))
        for code in value
    )


def _is_network_list(value: object) -> bool:
    if not isinstance(value, (list, tuple)):
        return False
    try:
        for network in value:
            ipaddress.ip_network(str(network), strict=False)
    except ValueError:
        return False
    return True


POSITIVE_INTEGER = Rule(
    lambda value: isinstance(value, int) and not isinstance(value, bool) and value > 0,
    "a positive whole number",
)
POSITIVE_NUMBER = Rule(
    lambda value: _is_number(value) and value > 0,  # type: ignore[operator]
    "a positive number",
)
NOT_NEGATIVE = Rule(
    lambda value: _is_number(value) and value >= 0,  # type: ignore[operator]
    "a number of 0 or more",
)
FRACTION = Rule(_between(0, 1), "a number from 0 to 1")
FLAG = Rule(lambda value: isinstance(value, bool), "True or False")
NAME = Rule(lambda value: isinstance(value, str) and bool(value), "a non-empty string")
COUNTRIES = Rule(_is_country_list, "None or a list of ISO country codes such as ['TR']")
NETWORKS = Rule(_is_network_list, "a list of networks such as ['10.0.0.0/8']")


def _otp(test: Callable[[object], bool], wording: str) -> Rule:
    """A rule of the OTP security bounds (check ``E008``)."""
    return Rule(test, wording, "django_turkeysms.E008")


def _one_of(*choices: str) -> Rule:
    return _otp(lambda value: value in choices, " or ".join(repr(c) for c in choices))


# -- the keys --------------------------------------------------------------------------------


class Settings:
    """Typed, live access to ``settings.TURKEYSMS`` with defaults."""

    # Sending
    # Checked by check_backends (E002, E003): any value is read as it is.
    BACKENDS = Setting[dict[str, dict[str, Any]]](
        {"default": {"BACKEND": DEFAULT_BACKEND, "OPTIONS": {}}}, _as_is
    )
    ASYNC = Setting(default=False, read=bool, rule=FLAG)
    TASK_BACKEND = Setting("default", str, NAME)
    TASK_BATCH_SIZE = Setting(100, int, POSITIVE_INTEGER)
    ALLOWED_COUNTRIES = Setting[list[str] | None](["TR"], _countries, COUNTRIES)
    LOG_MESSAGE_BODY = Setting(default=True, read=bool, rule=FLAG)
    MAX_SEGMENTS = Setting(10, int, POSITIVE_INTEGER)
    MAX_RECIPIENTS = Setting(10_000, int, POSITIVE_INTEGER)
    MAX_WORKERS = Setting(4, int, POSITIVE_INTEGER)
    MAX_ATTEMPTS = Setting(5, int, POSITIVE_INTEGER)
    RETRY_BASE_DELAY = Setting(5.0, float, POSITIVE_NUMBER)
    RETRY_MAX_DELAY = Setting(300.0, float, POSITIVE_NUMBER)
    SENDING_TIMEOUT = Setting(600.0, float, POSITIVE_NUMBER)
    QUEUED_TIMEOUT = Setting(600.0, float, POSITIVE_NUMBER)
    STATUS_BATCH_SIZE = Setting(100, int, POSITIVE_INTEGER)
    STATUS_MAX_AGE = Setting[float](259_200, float, POSITIVE_NUMBER)
    STATUS_RECHECK_INTERVAL = Setting[float](600, float, POSITIVE_NUMBER)
    STATUS_LOOKUP_RATE = Setting(600, int, POSITIVE_INTEGER)
    # Pacing (a backend's "rate" option)
    PACING_CACHE = Setting("default", str, NAME)
    PACING_MAX_WAIT = Setting(10.0, float, NOT_NEGATIVE)
    PACING_PAUSE = Setting(1.0, float, POSITIVE_NUMBER)
    # One-time codes
    OTP_MODE = Setting("local", str, _one_of("local", "provider"))
    OTP_LENGTH = Setting(6, int, _otp(_between(4, 10), "between 4 and 10 digits"))
    OTP_TTL = Setting[float](
        300,
        float,
        _otp(
            lambda value: _is_number(value) and 0 < value <= 600,  # type: ignore[operator]
            "more than 0 and at most 600 seconds (NIST SP 800-63B: 10 minutes)",
        ),
    )
    OTP_MAX_ATTEMPTS = Setting(5, int, POSITIVE_INTEGER)
    OTP_MAX_FAILURES = Setting(20, int, POSITIVE_INTEGER)
    OTP_LOCK_TIME = Setting[float](3600, float, _otp(POSITIVE_NUMBER.test, "positive"))
    OTP_LOCK_MAX_TIME = Setting[float](
        86_400, float, _otp(POSITIVE_NUMBER.test, "positive")
    )
    OTP_RESEND_COOLDOWN = Setting[float](60, float, NOT_NEGATIVE)
    OTP_MAX_SENDS = Setting(5, int, POSITIVE_INTEGER)
    OTP_SEND_WINDOW = Setting[float](600, float, POSITIVE_NUMBER)
    OTP_IP_MAX_SENDS = Setting(20, int, POSITIVE_INTEGER)
    OTP_IP_MAX_VERIFIES = Setting(60, int, POSITIVE_INTEGER)
    OTP_IP_WINDOW = Setting[float](600, float, POSITIVE_NUMBER)
    OTP_USER_MAX_SENDS = Setting(10, int, POSITIVE_INTEGER)
    OTP_USER_IP_MAX_SENDS = Setting(15, int, POSITIVE_INTEGER)
    OTP_USER_WINDOW = Setting[float](86_400, float, POSITIVE_NUMBER)
    OTP_DAILY_BUDGET = Setting[int | None](
        10_000,
        _optional(int),
        Rule(
            lambda value: value is None or POSITIVE_INTEGER.test(value),
            "None or a positive whole number",
        ),
    )
    OTP_ALLOWED_COUNTRIES = Setting[list[str] | None](["TR"], _countries, COUNTRIES)
    OTP_PREFIX_DIGITS = Setting(8, int, POSITIVE_INTEGER)
    OTP_PREFIX_MIN_SENDS = Setting(20, int, POSITIVE_INTEGER)
    OTP_PREFIX_MIN_VERIFY_RATE = Setting(0.2, float, FRACTION)
    OTP_PREFIX_WINDOW = Setting[float](3600, float, POSITIVE_NUMBER)
    OTP_PREFIX_BLOCK = Setting[float](43_200, float, POSITIVE_NUMBER)
    OTP_TRUSTED_PROXIES = Setting[list[str]]([], _strings, NETWORKS)
    OTP_PROXY_HEADER = Setting("HTTP_X_FORWARDED_FOR", str, NAME)
    OTP_BACKEND = Setting("default", str, NAME)
    OTP_SENDER = Setting[str | None](None, _optional(str))
    OTP_CACHE = Setting("default", str, NAME)
    OTP_DELIVERY = Setting("background", str, _one_of("inline", "background"))
    OTP_MESSAGE_TEMPLATE = Setting("django_turkeysms/otp_message.txt", str, NAME)
    OTP_WEBOTP_DOMAIN = Setting[str | None](None, _text_or_none)
    OTP_BASE_TEMPLATE = Setting("django_turkeysms/base.html", str, NAME)
    OTP_SUCCESS_URL = Setting[str | None](None, _text_or_none)
    OTP_REAUTH_WINDOW = Setting[float](300, float, POSITIVE_NUMBER)
    # The JSON API: dotted path of ``hook(*, request, user) -> dict``, merged into
    # the answer to a successful login (a DRF token, a JWT).
    API_TOKEN_HOOK = Setting[str | None](None, _text_or_none)

    @property
    def user_settings(self) -> object:
        """The raw ``TURKEYSMS`` setting (for checks)."""
        return getattr(settings, "TURKEYSMS", {})

    @property
    def DEFAULT_REGION(self) -> str:
        """Where national numbers are read: django-phonenumber-field's
        ``PHONENUMBER_DEFAULT_REGION``, else Turkey."""
        return getattr(settings, "PHONENUMBER_DEFAULT_REGION", None) or "TR"


def described() -> Iterator[Setting[Any]]:
    """Every key of ``TURKEYSMS``, in the order it is declared."""
    for value in vars(Settings).values():
        if isinstance(value, Setting):
            yield value


#: Every key and its default.
DEFAULTS: dict[str, Any] = {setting.name: setting.default for setting in described()}

conf = Settings()
