"""``SandboxProcess`` under its first path; it lives in
:mod:`django_turkeysms.testing.sandbox.process`."""

from __future__ import annotations

from django_turkeysms.testing.sandbox.process import SandboxProcess

__all__ = ["SandboxProcess"]
