from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from django_turkeysms.apps import require

# Not translated: Django cannot translate before the app registry is ready.
MISSING_DJANGO_OTP = (
    "django_turkeysms.integrations.django_otp needs django-otp, which cannot be "
    'imported ({error}). Install it with: pip install "django-turkeysms[otp]".'
)


def require_django_otp() -> None:
    """Stop start-up with the fix, before the models fail to import."""
    require("django_otp", MISSING_DJANGO_OTP)


require_django_otp()


class TurkeySmsOtpConfig(AppConfig):
    name = "django_turkeysms.integrations.django_otp"
    label = "turkeysms_otp"
    verbose_name = _("TurkeySMS devices")
    # Pinned: Django 5.2 defaults to AutoField, 6.x to BigAutoField.
    default_auto_field = "django.db.models.BigAutoField"
