"""Start-up without optional libraries. Without phonenumbers: one error that names
the extra to install, not a traceback that ends inside django-phonenumber-field
(issue 15, item 6). Without the django-tasks backport on Django 5.2: synchronous
sending works, asynchronous sending names the extra."""

from __future__ import annotations

import os
import subprocess
import sys

import django
import pytest
from django.core.exceptions import ImproperlyConfigured

from django_turkeysms._compat import MissingBackport
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
    # What to install, whichever way the package itself was installed.
    assert "pip install phonenumberslite (or phonenumbers" in last_line
    assert '"phonenumberslite" extra' in last_line
    # One error: no chained traceback, none from inside the models' imports.
    assert "During handling" not in result.stderr
    assert "direct cause" not in result.stderr
    assert "phonenumber_field" not in result.stderr


# On Django 5.2 without the ``tasks`` extra: synchronous sending imports and the
# task check names the extra. On Django 6 the backport is never looked at.
TASK_CHECK = """
import django
from django.test.utils import override_settings
django.setup()
from django_turkeysms import _compat, checks, sending
with override_settings(TURKEYSMS={"ASYNC": True}):
    print(type(_compat.task_backends).__name__)
    for message in checks.check_tasks():
        print(message.id, message.msg)
"""


def test_without_the_tasks_backport(tmp_path):
    stub = tmp_path / "django_tasks"
    stub.mkdir()
    (stub / "__init__.py").write_text(
        "raise ImportError(\"No module named 'django_tasks'\")\n"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, our own arguments
        [sys.executable, "-c", TASK_CHECK],
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "tests.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    handler, *messages = result.stdout.splitlines()
    if django.VERSION >= (6, 0):
        assert handler == "TaskBackendHandler"
        assert [message.split()[0] for message in messages] == [
            "django_turkeysms.W005"  # the immediate backend cannot defer
        ]
    else:  # pragma: no cover - the Django 5.2 tox environments
        assert handler == "MissingBackport"
        [error] = messages
        assert error.startswith("django_turkeysms.E005 ")
        assert 'pip install "django-turkeysms[tasks]"' in error


def test_the_missing_backport_stand_in_names_the_extra():
    """Decorating works (modules with tasks import on Django 5.2 without the
    backport); running a task here works; queueing one names the extra."""
    stand_in = MissingBackport()
    with pytest.raises(ImproperlyConfigured, match=r"django-turkeysms\[tasks\]"):
        stand_in["default"]

    def double(n: int) -> int:
        return 2 * n

    for decorated in (stand_in(double), stand_in(priority=0)(double)):
        assert decorated.call(21) == 42
        with pytest.raises(ImproperlyConfigured, match=r"django-turkeysms\[tasks\]"):
            decorated.enqueue(21)
