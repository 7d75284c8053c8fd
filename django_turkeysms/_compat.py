"""Version shims: Django's Tasks framework lives in ``django.tasks`` from 6.0 on
and in the ``django-tasks`` backport before."""

from __future__ import annotations

from typing import TYPE_CHECKING

import django

if TYPE_CHECKING or django.VERSION >= (6, 0):
    from django.tasks import task, task_backends
else:  # pragma: no cover - exercised by the Django 5.2 tox environments
    from django_tasks import task, task_backends

__all__ = ["task", "task_backends"]
