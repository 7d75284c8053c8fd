"""The settings each integration page tells a project to paste are the settings
this suite runs with: the docs cannot drift from what is tested."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.test_docs import snippets

#: What ``startproject`` gives, for the snippets that extend it.
STARTPROJECT: dict[str, list[str]] = {
    "INSTALLED_APPS": [],
    "MIDDLEWARE": [],
    "AUTHENTICATION_BACKENDS": [],
}


@pytest.mark.parametrize("page", ["allauth.md", "two-factor.md", "django-otp.md"])
def test_the_pasted_settings_are_the_tested_ones(page):
    [snippet] = [
        s
        for s in snippets(page)
        if s.kind == "paste-append" and s.path == "settings.py"
    ]
    pasted = {name: list(value) for name, value in STARTPROJECT.items()}
    exec(snippet.body, {}, pasted)  # noqa: S102 - our own documentation
    for name, value in pasted.items():
        tested = getattr(settings, name)
        if isinstance(value, list):
            assert set(value) <= set(tested), name
        else:
            assert tested == value, name
