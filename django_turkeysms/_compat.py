"""Version shims: Django's Tasks framework lives in ``django.tasks`` from 6.0 on
and in the ``django-tasks`` backport before; the admin's breadcrumbs changed
markup in 6.1.

The backport is the ``tasks`` extra, not a dependency: Django 6 does not need it,
and no environment marker can say "Django < 6". On Django 5.2 without it,
synchronous sending works and asynchronous sending says what to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

import django
from django.core.exceptions import ImproperlyConfigured

BACKPORT_MISSING = (
    "Asynchronous sending on Django 5.2 needs the django-tasks backport: "
    'pip install "django-turkeysms[tasks]".'
)


class MissingBackport:
    """Stands in for ``task`` and ``task_backends`` when the backport is missing:
    importing works (``@task`` decorates at import), using them raises
    :class:`ImproperlyConfigured` with the fix."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return MissingTask(args[0])  # @task
        if not args:
            return MissingTask  # @task(...)
        raise ImproperlyConfigured(BACKPORT_MISSING)

    def __getitem__(self, alias: str) -> NoReturn:
        raise ImproperlyConfigured(BACKPORT_MISSING)


class MissingTask:
    """A function decorated with ``@task`` without the backport: ``call()`` runs
    it here and now (nothing is queued); enqueueing raises with the fix."""

    def __init__(self, function: Any) -> None:
        self.func = function

    def call(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def __getattr__(self, name: str) -> NoReturn:
        raise ImproperlyConfigured(BACKPORT_MISSING)


if TYPE_CHECKING or django.VERSION >= (6, 0):
    from django.tasks import task, task_backends
else:  # pragma: no cover - exercised by the Django 5.2 tox environments
    try:
        from django_tasks import task, task_backends
    except ImportError:
        task = task_backends = MissingBackport()

#: Django 6.1's admin styles ``<ol class="breadcrumbs">`` with one ``<li>`` per
#: step; 5.2 and 6.0 style ``<div class="breadcrumbs">`` with ``&rsaquo;``
#: between links.
ADMIN_BREADCRUMBS_LIST = django.VERSION >= (6, 1)

__all__ = [
    "ADMIN_BREADCRUMBS_LIST",
    "BACKPORT_MISSING",
    "MissingBackport",
    "MissingTask",
    "task",
    "task_backends",
]
