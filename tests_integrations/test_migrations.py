from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_device_app_has_its_migrations():
    call_command("makemigrations", "turkeysms_otp", "--check", "--dry-run")
