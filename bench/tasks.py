"""A task that does nothing: the queue's own cost, for bench/queue.py."""

from __future__ import annotations

from django_turkeysms._compat import task


@task
def noop(ids: list[int]) -> None:
    """Accept the same arguments as deliver_sms and do nothing."""
