"""A task backend that is down for its first ``FlakyBackend.failures`` enqueues."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django

if TYPE_CHECKING or django.VERSION >= (6, 0):
    from django.tasks.backends.immediate import ImmediateBackend
else:  # pragma: no cover - the Django 5.2 tox environments
    from django_tasks.backends.immediate import ImmediateBackend


class FlakyBackend(ImmediateBackend):
    failures = 0

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise ConnectionError("task broker unreachable")
        return super().enqueue(task, args, kwargs)
