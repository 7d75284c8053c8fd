"""Django's start-up without the phonenumbers library: one error that names the
extra to install, not a traceback that ends inside django-phonenumber-field
(issue 15, item 6)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# Put first on the path, this package stands in for a missing phonenumbers.
STUB = "raise ImportError(\"No module named 'phonenumbers'\")\n"


@pytest.fixture
def without_phonenumbers(tmp_path):
    stub = tmp_path / "phonenumbers"
    stub.mkdir()
    (stub / "__init__.py").write_text(STUB)
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }


@pytest.mark.parametrize("command", ["check", "migrate"])
def test_one_clear_error_names_the_extra(without_phonenumbers, command):
    result = subprocess.run(  # noqa: S603 - this interpreter, our own arguments
        [sys.executable, "-m", "django", command],
        env=without_phonenumbers,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert "No module named 'phonenumbers'" in last_line
    assert 'pip install "django-turkeysms[phonenumberslite]"' in last_line
    assert "django-turkeysms[phonenumbers]" in last_line
    # One error: no chained traceback, none from inside the models' imports.
    assert "During handling" not in result.stderr
    assert "direct cause" not in result.stderr
    assert "phonenumber_field" not in result.stderr

