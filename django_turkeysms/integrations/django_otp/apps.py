from __future__ import annotations

import importlib

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Not translated: Django cannot translate before the app registry is ready.
MISSING_DJANGO_OTP = (
    "django_turkeysms.integrations.django_otp needs django-otp, which cannot be "
    'imported ({error}). Install it with: pip install "django-turkeysms[otp]".'
)


def require_django_otp() -> None:
    """Stop start-up with the fix, before the models fail to import."""
    try:
        importlib.import_module("django_otp")
    except ImportError as exc:
        raise ImproperlyConfigured(MISSING_DJANGO_OTP.format(error=exc)) from None


require_django_otp()


class TurkeySmsOtpConfig(AppConfig):
    name = "django_turkeysms.integrations.django_otp"
    label = "turkeysms_otp"
    verbose_name = _("TurkeySMS devices")
    # Pinned: Django 5.2 defaults to AutoField, 6.x to BigAutoField.
    default_auto_field = "django.db.models.BigAutoField"
