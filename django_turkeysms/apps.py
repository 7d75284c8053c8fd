from __future__ import annotations

import importlib

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Not translated: Django cannot translate before the app registry is ready.
MISSING_PHONENUMBERS = (
    "django-turkeysms needs the phonenumbers library, which cannot be imported "
    "({error}). Install it: pip install phonenumberslite (or phonenumbers, "
    "the full library, if your project uses it), or install django-turkeysms "
    'with its "phonenumberslite" extra.'
)


def require(module: str, message: str) -> None:
    """Stop Django's start-up with ``message`` (the fix) when ``module`` is missing.

    The models import such libraries while Django loads them, long before any
    system check could run; the app's config module is imported first, so the
    error names what to install instead of ending a 40-line traceback.
    """
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise ImproperlyConfigured(message.format(error=exc)) from None


def require_phonenumbers() -> None:
    """Stop Django's start-up with the fix when ``phonenumbers`` is missing
    (django-phonenumber-field imports it in the models)."""
    require("phonenumbers", MISSING_PHONENUMBERS)


require_phonenumbers()


class TurkeySmsConfig(AppConfig):
    name = "django_turkeysms"
    verbose_name = _("TurkeySMS")
    # Pinned: Django 5.2 defaults to AutoField, 6.x to BigAutoField.
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished, request_started

        from django_turkeysms import (
            background,
            checks,  # noqa: F401 - registers the checks
        )
        from django_turkeysms.receivers import record_login_time

        user_logged_in.connect(record_login_time, dispatch_uid="turkeysms_login_time")
        # Background jobs (OTP messages) start once the response is finished.
        request_started.connect(
            background.request_started, dispatch_uid="turkeysms_request_started"
        )
        request_finished.connect(
            background.request_finished, dispatch_uid="turkeysms_request_finished"
        )
