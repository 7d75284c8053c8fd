"""The provider sandbox under its first name; it lives in
:mod:`django_turkeysms.testing.sandbox`. ``python -m django_turkeysms.sandbox``
and ``from django_turkeysms.sandbox import Sandbox`` keep working."""

from __future__ import annotations

from django_turkeysms.testing.sandbox import Account, Sandbox, SentMessage

__all__ = ["Account", "Sandbox", "SentMessage"]
