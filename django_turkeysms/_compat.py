"""Version shims: Django's Tasks framework lives in ``django.tasks`` from 6.0 on
and in the ``django-tasks`` backport before; the admin's breadcrumbs changed
markup in 6.0."""

from __future__ import annotations

from typing import TYPE_CHECKING

import django

if TYPE_CHECKING or django.VERSION >= (6, 0):
    from django.tasks import task, task_backends
else:  # pragma: no cover - exercised by the Django 5.2 tox environments
    from django_tasks import task, task_backends

#: Django 6.0's admin styles ``<ol class="breadcrumbs">`` with one ``<li>`` per
#: step; 5.2 styles ``<div class="breadcrumbs">`` with ``&rsaquo;`` between links.
ADMIN_BREADCRUMBS_LIST = django.VERSION >= (6, 0)

__all__ = ["ADMIN_BREADCRUMBS_LIST", "task", "task_backends"]
