"""The integrations are optional: with django-allauth, django-two-factor-auth,
django-otp and DRF impossible to import, the package, its pages, the JSON API and
the checks work; naming the django-otp device app without django-otp stops
start-up with the extra to install."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

BLOCK = """
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"allauth", "two_factor", "django_otp", "rest_framework"}:
            raise ImportError(f"{name} is not installed")

sys.meta_path.insert(0, Block())
"""

WITHOUT_INTEGRATIONS = (
    BLOCK
    + """
import django
django.setup()
import django_turkeysms, django_turkeysms.api.urls, django_turkeysms.urls
from django.core.management import call_command
call_command("check", "--fail-level", "ERROR")
print("ok")
"""
)

DEVICE_APP_WITHOUT_DJANGO_OTP = (
    BLOCK
    + """
import django
from django.conf import settings
from tests import settings as base
settings.configure(
    **{name: getattr(base, name) for name in dir(base) if name.isupper()},
)
settings.INSTALLED_APPS = [*base.INSTALLED_APPS, "django_turkeysms.integrations.django_otp"]
django.setup()
"""
)


def run(code: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_package_needs_none_of_the_integrations():
    done = run(WITHOUT_INTEGRATIONS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


def test_the_device_app_names_the_extra_to_install():
    done = run(DEVICE_APP_WITHOUT_DJANGO_OTP)
    assert done.returncode == 1
    assert 'pip install "django-turkeysms[otp]"' in done.stderr
