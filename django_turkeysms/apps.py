from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TurkeySmsConfig(AppConfig):
    name = "django_turkeysms"
    verbose_name = _("TurkeySMS")
    # Pinned: Django 5.2 defaults to AutoField, 6.x to BigAutoField.
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from django_turkeysms import checks  # noqa: F401 - registers the checks
        from django_turkeysms.receivers import record_login_time

        user_logged_in.connect(record_login_time, dispatch_uid="turkeysms_login_time")
