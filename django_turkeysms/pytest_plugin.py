"""The pytest plugin under its first path, for ``pytest_plugins`` lists; it lives in
:mod:`django_turkeysms.testing.pytest_plugin` (registered by the ``pytest11``
entry point, so installing the package is enough)."""

from __future__ import annotations

from django_turkeysms.testing.pytest_plugin import (
    sms_outbox,
    turkeysms_sandbox,
    turkeysms_sandbox_server,
)

__all__ = ["sms_outbox", "turkeysms_sandbox", "turkeysms_sandbox_server"]
