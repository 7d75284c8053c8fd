"""System checks, ids ``django_turkeysms.E0xx`` (errors) and ``W0xx`` (warnings).

Every id is listed, with its fix, in ``docs/checks.md``; a test keeps the two in
step.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.cache import caches
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, router
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_turkeysms import limits, otp, rollups
from django_turkeysms._compat import task_backends
from django_turkeysms.conf import DEFAULTS, conf, described
from django_turkeysms.exceptions import InvalidRate
from django_turkeysms.handler import sms_backends
from django_turkeysms.models import DailyRollup

#: NIST SP 800-63B-4 §3.2.2 allows 100 consecutive failures; we bound the total:
#: at most 0.1 % success against a 6-digit code in 30 days.
MAX_GUESSES_PER_30_DAYS = 1000
#: NIST SP 800-63B-4 §3.1.3.2: an out-of-band code is valid at most 10 minutes.
MAX_CODE_LIFETIME = 600
SIGNED_COOKIES = "django.contrib.sessions.backends.signed_cookies"
ALLAUTH_MIXIN = "django_turkeysms.integrations.allauth.PhoneAdapterMixin"
ALLAUTH_UNJUDGED_FORMS = "django_turkeysms.integrations.allauth.unjudged_forms"
ALLAUTH_HEADLESS = "allauth.headless"
#: allauth's resend switches: its resend skips the SMS hooks for numbers without
#: an account, so the adapter cannot make their decoys (check E016).
ALLAUTH_RESEND_SETTINGS = (
    "ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND",
    "ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND",
)
TWO_FACTOR_GATEWAY = "django_turkeysms.integrations.two_factor.Gateway"
OTP_DEVICE_APP = "django_turkeysms.integrations.django_otp"
REQUEST_MIDDLEWARE = "django_turkeysms.integrations.middleware.RequestMiddleware"
TWO_FACTOR_URLS = "django_turkeysms.integrations.two_factor_urls"
#: two-factor's URL names whose views check SMS tokens, and the views that have
#: the OTP core judge them.
TWO_FACTOR_VIEWS = {
    "two_factor:login": "django_turkeysms.integrations.two_factor_views.LoginView",
    "two_factor:setup": "django_turkeysms.integrations.two_factor_views.SetupView",
    "two_factor:phone_create": (
        "django_turkeysms.integrations.two_factor_views.PhoneSetupView"
    ),
}
#: allauth's code lifetimes and their defaults (django-allauth 65).
ALLAUTH_CODE_LIFETIMES = {
    "ACCOUNT_PHONE_VERIFICATION_TIMEOUT": 900,
    "ACCOUNT_LOGIN_BY_CODE_TIMEOUT": 180,
}


@register(Tags.compatibility)
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The shape of ``TURKEYSMS`` and the values of its keys."""
    user = conf.user_settings
    if not isinstance(user, dict):
        return [Error(_("TURKEYSMS must be a dict."), id="django_turkeysms.E001")]
    errors: list[CheckMessage] = []
    unknown = sorted(set(user) - set(DEFAULTS))
    if unknown:
        errors.append(
            Error(
                ngettext(
                    "TURKEYSMS has an unknown key: %(keys)s.",
                    "TURKEYSMS has unknown keys: %(keys)s.",
                    len(unknown),
                )
                % {"keys": ", ".join(map(str, unknown))},
                hint=_("Known keys: %(keys)s.") % {"keys": ", ".join(DEFAULTS)},
                id="django_turkeysms.E001",
            )
        )
    errors.extend(_broken_rules(user, "django_turkeysms.E006"))
    return errors


def _broken_rules(user: dict[str, Any], check_id: str) -> list[CheckMessage]:
    """An error for every key in ``user`` whose value breaks its rule (``conf``)."""
    return [
        Error(
            _("TURKEYSMS[%(key)r] must be %(rule)s, not %(value)r.")
            % {"key": setting.name, "rule": setting.rule.wording, "value": value},
            id=check_id,
        )
        for setting in described()
        if setting.rule is not None
        and setting.rule.check_id == check_id
        and setting.name in user
        and not setting.rule.test(value := user[setting.name])
    ]


@register(Tags.compatibility)
def check_backends(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Every configured backend imports, builds and passes its own ``check()``."""
    backends = conf.BACKENDS
    if not isinstance(backends, dict) or "default" not in backends:
        return [
            Error(
                _("TURKEYSMS['BACKENDS'] must be a dict with a 'default' alias."),
                hint='For example {"default": {"BACKEND": "django_turkeysms.backends.turkeysms.SmsBackend", "OPTIONS": {...}}}.',
                id="django_turkeysms.E002",
            )
        ]
    messages: list[CheckMessage] = []
    for alias in backends:
        try:
            backend = sms_backends[alias]
        except InvalidRate as exc:
            messages.append(Error(str(exc), id="django_turkeysms.E012"))
            continue
        except ImproperlyConfigured as exc:
            messages.append(Error(str(exc), id="django_turkeysms.E003"))
            continue
        messages.extend(backend.check())
    return messages


def _paced_aliases() -> list[str]:
    """The aliases of the backends that build and have a ``rate``."""
    paced = []
    for alias in conf.BACKENDS if isinstance(conf.BACKENDS, dict) else ():
        try:
            if sms_backends[alias].rate is not None:
                paced.append(alias)
        except ImproperlyConfigured:  # E003 / E012 report it
            continue
    return paced


@register(Tags.caches)
def check_pacing_cache(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """With a paced backend, the cache of the schedule works and is shared.

    Pacing fails closed: with a cache that does not work, nothing is sent
    through a paced backend; with a cache each process keeps for itself, the
    fleet sends its rate once per process.
    """
    paced = _paced_aliases()
    if not paced:
        return []
    alias, names = conf.PACING_CACHE, ", ".join(map(repr, paced))
    cause = _cache_fault(alias)
    if cause is not None:
        return [
            Error(
                ngettext(
                    "The cache %(alias)r that paces backend %(backends)s does not "
                    "work (%(cause)s), so nothing would be sent through it.",
                    "The cache %(alias)r that paces backends %(backends)s does not "
                    "work (%(cause)s), so nothing would be sent through them.",
                    len(paced),
                )
                % {"alias": alias, "backends": names, "cause": cause},
                hint=_(
                    "Install the cache's client library (pip install redis for "
                    "Django's RedisCache), start the cache server, or point "
                    "TURKEYSMS['PACING_CACHE'] at a cache in CACHES that works."
                ),
                id="django_turkeysms.E013",
            )
        ]
    if _is_local_memory(alias) and not settings.DEBUG:
        return [
            Warning(
                ngettext(
                    "Backend %(backends)s is paced in a local-memory cache, which "
                    "every process keeps for itself: the rate applies per process.",
                    "Backends %(backends)s are paced in a local-memory cache, which "
                    "every process keeps for itself: the rate applies per process.",
                    len(paced),
                )
                % {"backends": names},
                hint=_(
                    "Point TURKEYSMS['PACING_CACHE'] at a cache every worker shares, "
                    "such as Redis."
                ),
                id="django_turkeysms.W012",
            )
        ]
    return []


def _is_local_memory(alias: str) -> bool:
    backend: str = settings.CACHES.get(alias, {}).get("BACKEND", "")
    return backend.endswith("LocMemCache")


@register(Tags.compatibility)
def check_phonenumbers(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """A default region is set for national numbers.

    A missing ``phonenumbers`` library stops Django before any check runs
    (:func:`django_turkeysms.apps.require_phonenumbers`).
    """
    if getattr(settings, "PHONENUMBER_DEFAULT_REGION", None):
        return []
    return [
        Warning(
            _(
                "PHONENUMBER_DEFAULT_REGION is not set, so national numbers such as 0532 123 45 67 are read as Turkish."
            ),
            hint=_('Set PHONENUMBER_DEFAULT_REGION = "TR".'),
            id="django_turkeysms.W002",
        )
    ]


@register(Tags.compatibility)
def check_tasks(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """With ``ASYNC`` on, the task backend exists, runs tasks and can defer."""
    if not conf.ASYNC:
        return []
    alias = conf.TASK_BACKEND
    try:
        backend = task_backends[alias]
    except ImproperlyConfigured as exc:  # InvalidTaskBackend(Error) on 6.x / 5.2
        return [
            Error(
                _(
                    "TURKEYSMS['ASYNC'] is on but the task backend %(alias)r is not usable: %(error)s"
                )
                % {"alias": alias, "error": exc},
                hint=_(
                    "Configure it in TASKS, or set TURKEYSMS['TASK_BACKEND'] to a configured alias."
                ),
                id="django_turkeysms.E005",
            )
        ]
    return _task_backend_warnings(alias, backend)


def _task_backend_warnings(alias: str, backend: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if type(backend).__name__ == "DummyBackend":
        messages.append(
            Warning(
                _(
                    "TURKEYSMS['ASYNC'] is on with the dummy task backend %(alias)r: no SMS will ever be sent."
                )
                % {"alias": alias},
                id="django_turkeysms.W001",
            )
        )
    if not getattr(backend, "supports_defer", False):
        messages.append(
            Warning(
                _(
                    "The task backend %(alias)r cannot defer tasks: scheduled sends (send_at) "
                    "will be refused, and retries wait for the sweeper."
                )
                % {"alias": alias},
                hint=_(
                    "Use a backend with supports_defer, such as django-tasks-db or django-tasks-rq."
                ),
                id="django_turkeysms.W005",
            )
        )
    return messages


@register(Tags.security)
def check_otp(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """OTP settings: hard limits are errors, weak but legal choices are warnings."""
    messages = _otp_errors()
    if not messages:
        messages.extend(_otp_warnings())
    return messages


def _otp_errors() -> list[CheckMessage]:
    user = conf.user_settings
    broken = (
        _broken_rules(user, "django_turkeysms.E008") if isinstance(user, dict) else []
    )
    if broken:  # the keys below are read only when each is valid
        return broken
    problems = []
    if not conf.OTP_LOCK_TIME <= conf.OTP_LOCK_MAX_TIME:
        problems.append(
            _("TURKEYSMS['OTP_LOCK_TIME'] must be at most OTP_LOCK_MAX_TIME.")
        )
    if conf.OTP_MODE == "provider":
        problems.extend(_provider_otp_problems())
    return [Error(str(problem), id="django_turkeysms.E008") for problem in problems]


def _provider_otp_problems() -> list[str]:
    problems = []
    if conf.OTP_LENGTH not in (4, 5, 6):
        problems.append(_("With OTP_MODE 'provider', OTP_LENGTH must be 4, 5 or 6."))
    try:
        backend = sms_backends.get(conf.OTP_BACKEND)
    except ImproperlyConfigured:  # a backend that cannot be built is E003's
        backend = None
    if backend is not None and not backend.supports_provider_otp:
        problems.append(
            _(
                "OTP_MODE 'provider' needs a backend that generates codes; %(alias)r cannot."
            )
            % {"alias": conf.OTP_BACKEND}
        )
    return problems


def _otp_warnings() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    weak = (
        conf.OTP_LENGTH < 6 or conf.OTP_MAX_ATTEMPTS > 10 or conf.OTP_MAX_FAILURES > 100
    )
    if weak:
        messages.append(
            Warning(
                _("OTP settings are weaker than recommended."),
                hint=_(
                    "Use OTP_LENGTH ≥ 6, OTP_MAX_ATTEMPTS ≤ 10 and OTP_MAX_FAILURES ≤ 100."
                ),
                id="django_turkeysms.W003",
            )
        )
    return [*messages, *_abuse_warnings(), *_deployment_warnings()]


def _abuse_warnings() -> list[CheckMessage]:
    """Limits that let one attacker guess too often or block a prefix alone."""
    messages: list[CheckMessage] = []
    guesses = otp.guess_bound(30)
    if guesses > MAX_GUESSES_PER_30_DAYS:
        messages.append(
            Warning(
                _(
                    "The OTP lock settings allow %(guesses)d wrong codes per phone in 30 days."
                )
                % {"guesses": guesses},
                hint=_(
                    "Keep it at most %(limit)d: lower OTP_MAX_FAILURES, or raise "
                    "OTP_LOCK_TIME or OTP_LOCK_MAX_TIME."
                )
                % {"limit": MAX_GUESSES_PER_30_DAYS},
                id="django_turkeysms.W008",
            )
        )
    threshold = conf.OTP_PREFIX_MIN_SENDS
    if max(conf.OTP_USER_MAX_SENDS, conf.OTP_USER_IP_MAX_SENDS) >= threshold:
        messages.append(
            Warning(
                _(
                    "One account or one IP may ask as many codes as it takes to block a "
                    "number prefix (OTP_PREFIX_MIN_SENDS)."
                ),
                hint=_(
                    "Keep OTP_USER_MAX_SENDS and OTP_USER_IP_MAX_SENDS below "
                    "OTP_PREFIX_MIN_SENDS."
                ),
                id="django_turkeysms.W009",
            )
        )
    return messages


def _deployment_warnings() -> list[CheckMessage]:
    """Choices that are fine in development and leak or break in production."""
    messages: list[CheckMessage] = []
    if conf.OTP_DELIVERY == "inline" and not settings.DEBUG:
        messages.append(
            Warning(
                _(
                    "OTP_DELIVERY 'inline' sends the SMS inside the login request, only "
                    "for registered numbers: response times tell which numbers are registered."
                ),
                hint=_("Use OTP_DELIVERY 'background' (the default) in production."),
                id="django_turkeysms.W007",
            )
        )
    if _is_local_memory(conf.OTP_CACHE) and not settings.DEBUG:
        messages.append(
            Warning(
                _(
                    "OTP limits use a local-memory cache, which every process keeps for itself."
                ),
                hint=_(
                    "Point TURKEYSMS['OTP_CACHE'] at a shared cache such as Redis or Memcached."
                ),
                id="django_turkeysms.W006",
            )
        )
    return messages


@register(Tags.caches)
def check_otp_cache(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The cache behind the OTP limits can be built and keeps a value.

    The limits fail closed, so a cache that does not work refuses every code
    request: a missing client library or a server that is down is an error
    here rather than a surprise at the first login.
    """
    alias = conf.OTP_CACHE
    cause = _cache_fault(alias)
    return [] if cause is None else [_otp_cache_error(alias, cause)]


def _cache_fault(alias: str) -> str | None:
    """Why the cache ``alias`` does not work (it cannot be built, or does not keep
    a value), or None when it does."""
    key = f"{limits.PREFIX}:check:{uuid.uuid4().hex}"
    try:
        cache = caches[alias]
        cache.set(key, key, timeout=10)
        kept = cache.get(key) == key
        cache.delete(key)
    except Exception as exc:  # whatever the backend raises is the cause to show
        return f"{type(exc).__name__}: {exc}"
    return None if kept else str(_("a value stored in it was not kept"))


def _otp_cache_error(alias: str, cause: str) -> Error:
    return Error(
        _(
            "The cache %(alias)r behind the OTP limits does not work (%(cause)s), "
            "so every request for a code would be refused."
        )
        % {"alias": alias, "cause": cause},
        hint=_(
            "Install the cache's client library (pip install redis for Django's "
            "RedisCache), start the cache server, or point TURKEYSMS['OTP_CACHE'] "
            "at a cache in CACHES that works."
        ),
        id="django_turkeysms.E009",
    )


@register(Tags.security)
def check_integrations(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The JSON API's token hook, and what the allauth, two-factor and django-otp
    integrations need to keep the OTP guarantees."""
    return [
        *_token_hook_errors(),
        *_allauth_messages(),
        *_request_warnings(),
        *_two_factor_view_warnings(),
    ]


def _token_hook_errors() -> list[CheckMessage]:
    path = conf.API_TOKEN_HOOK
    if not path:
        return []
    try:
        hook = import_string(path)
    except ImportError as exc:
        problem = str(exc)
    else:
        if callable(hook):
            return []
        problem = _("it is not callable")
    return [
        Error(
            _("TURKEYSMS['API_TOKEN_HOOK'] %(path)r cannot be used: %(problem)s.")
            % {"path": path, "problem": problem},
            hint=_(
                "Give the dotted path of a function hook(*, request, user) that "
                "returns a dict, or None."
            ),
            id="django_turkeysms.E010",
        )
    ]


def _our_allauth_adapter() -> bool:
    """Whether ``ACCOUNT_ADAPTER`` is built on our mixin (imports allauth only
    when it is installed)."""
    if not apps.is_installed("allauth.account"):
        return False
    try:
        adapter = import_string(getattr(settings, "ACCOUNT_ADAPTER", ""))
    except ImportError:  # allauth reports its own setting
        return False
    return isinstance(adapter, type) and issubclass(
        adapter, import_string(ALLAUTH_MIXIN)
    )


def _allauth_messages() -> list[CheckMessage]:
    if not _our_allauth_adapter():
        return []
    messages: list[CheckMessage] = []
    if settings.SESSION_ENGINE == SIGNED_COOKIES:
        messages.append(
            Error(
                _(
                    "django-allauth keeps the code it sent in the session, and a "
                    "signed-cookie session is readable by the browser: the code "
                    "would arrive without the SMS."
                ),
                hint=_("Use a server-side SESSION_ENGINE (database, cache)."),
                id="django_turkeysms.E011",
            )
        )
    for name, default in ALLAUTH_CODE_LIFETIMES.items():
        seconds = getattr(settings, name, default)
        if seconds > MAX_CODE_LIFETIME:
            messages.append(
                Warning(
                    _(
                        "%(name)s is %(seconds)s s: allauth accepts its SMS codes for "
                        "longer than the 10 minutes NIST SP 800-63B allows."
                    )
                    % {"name": name, "seconds": seconds},
                    hint=_("Set %(name)s = 300.") % {"name": name},
                    id="django_turkeysms.W010",
                )
            )
    return [
        *messages,
        *_allauth_form_errors(),
        *_allauth_resend_errors(),
        *_allauth_headless_warnings(),
    ]


def _allauth_form_errors() -> list[CheckMessage]:
    """E015 without our code forms; W015 without allauth's re-authentication."""
    messages: list[CheckMessage] = []
    unjudged: list[str] = import_string(ALLAUTH_UNJUDGED_FORMS)()
    if unjudged:
        messages.append(
            Error(
                _(
                    "ACCOUNT_FORMS does not name django-turkeysms's forms for %(keys)s: "
                    "allauth then checks those SMS codes against its session copy, "
                    "and parallel requests with one session cookie get more guesses "
                    "than the limit on wrong codes per phone allows."
                )
                % {"keys": ", ".join(unjudged)},
                hint=_(
                    "Set ACCOUNT_FORMS as docs/allauth.md shows "
                    "(django_turkeysms.integrations.allauth.ConfirmLoginCodeForm "
                    "and VerifyPhoneForm, or subclasses of them)."
                ),
                id="django_turkeysms.E015",
            )
        )
    if not getattr(settings, "ACCOUNT_REAUTHENTICATION_REQUIRED", False):
        messages.append(
            Warning(
                _(
                    "ACCOUNT_REAUTHENTICATION_REQUIRED is off: a stolen session can "
                    "change the account's e-mail address or password through "
                    "allauth without proving who it is, and take the account with "
                    "its phone number."
                ),
                hint=_("Set ACCOUNT_REAUTHENTICATION_REQUIRED = True."),
                id="django_turkeysms.W015",
            )
        )
    return messages


def _allauth_resend_errors() -> list[CheckMessage]:
    return [
        Error(
            _(
                "%(name)s is on: allauth's resend skips the SMS hooks for numbers "
                "without an account, so the adapter cannot answer them as it "
                "answers registered numbers, and a resend tells which numbers "
                "have an account."
            )
            % {"name": name},
            hint=_(
                "Remove %(name)s (a user asks for a new code from the first page "
                "again, after OTP_RESEND_COOLDOWN)."
            )
            % {"name": name},
            id="django_turkeysms.E016",
        )
        for name in ALLAUTH_RESEND_SETTINGS
        if getattr(settings, name, False)
    ]


def _allauth_headless_warnings() -> list[CheckMessage]:
    """W016: allauth's headless API judges its SMS codes itself."""
    if not apps.is_installed(ALLAUTH_HEADLESS):
        return []
    return [
        Warning(
            _(
                "allauth's headless API checks its SMS codes itself (ACCOUNT_FORMS "
                "does not reach it) and counts wrong tries in the session: "
                "parallel requests with one session can try a code more often "
                "than the limit on wrong codes per phone allows."
            ),
            hint=_(
                "For apps, use django-turkeysms's JSON API (django_turkeysms.api), "
                "whose codes are judged in the database; or silence this check if "
                "your headless clients do not log in or verify phones by code."
            ),
            id="django_turkeysms.W016",
        )
    ]


def _request_warnings() -> list[CheckMessage]:
    uses = getattr(settings, "TWO_FACTOR_SMS_GATEWAY", None) == TWO_FACTOR_GATEWAY
    uses = uses or apps.is_installed(OTP_DEVICE_APP)
    if not uses or REQUEST_MIDDLEWARE in settings.MIDDLEWARE:
        return []
    return [
        Warning(
            _(
                "two-factor's gateway and django-otp's devices are called without the "
                "request, so the per-IP OTP limits cannot apply to their codes."
            ),
            hint=_("Add %(middleware)r to MIDDLEWARE.")
            % {"middleware": REQUEST_MIDDLEWARE},
            id="django_turkeysms.W011",
        )
    ]


def _two_factor_view_warnings() -> list[CheckMessage]:
    if getattr(settings, "TWO_FACTOR_SMS_GATEWAY", None) != TWO_FACTOR_GATEWAY:
        return []
    stock = [name for name, ours in TWO_FACTOR_VIEWS.items() if _stock(name, ours)]
    if not stock:
        return []
    return [
        Warning(
            _(
                "two-factor's own views check SMS tokens without the OTP limits, so "
                "wrong tokens never lock the phone: %(names)s."
            )
            % {"names": ", ".join(stock)},
            hint=_(
                "Include %(urls)r in place of two_factor.urls, or build your views "
                "on django_turkeysms.integrations.two_factor_views."
            )
            % {"urls": TWO_FACTOR_URLS},
            id="django_turkeysms.W014",
        )
    ]


def _stock(name: str, ours: str) -> bool:
    """Whether the URL ``name`` is served by a view not built on ``ours`` (a
    name the URLconf does not have is not served at all)."""
    try:
        view = resolve(reverse(name)).func
    except NoReverseMatch:
        return False
    view_class = getattr(view, "view_class", None)
    return not (
        isinstance(view_class, type) and issubclass(view_class, import_string(ours))
    )


@register(Tags.database)
def check_rollups(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """The daily rollups agree with the log on a sample day (:func:`rollups.drift`).

    A database check: Django runs it in ``migrate`` and in ``check --database``.
    """
    if not databases or router.db_for_read(DailyRollup) not in databases:
        return []
    try:
        difference = rollups.drift()
    except DatabaseError:  # not migrated yet: migrate runs the checks first
        return []
    if difference is None:
        return []
    return [
        Warning(
            _(
                "The daily rollups of %(day)s differ from the send log (%(statuses)s), "
                "so the dashboard's figures are off."
            )
            % {
                "day": difference.day.isoformat(),
                "statuses": ", ".join(difference.statuses),
            },
            hint=_(
                "Run manage.py turkeysms_rollups --rebuild: it counts them again "
                "from the log."
            ),
            id="django_turkeysms.W013",
        )
    ]
