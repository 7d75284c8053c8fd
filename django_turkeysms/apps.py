from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TurkeySmsConfig(AppConfig):
    name = "django_turkeysms"
    verbose_name = _("Turkey SMS")
    # Pinned: Django 5.2 defaults to AutoField, 6.x to BigAutoField.
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_turkeysms import checks  # noqa: F401 - registers the checks
