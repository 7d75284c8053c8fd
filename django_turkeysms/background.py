"""An in-process thread pool for work that must leave the request path.

Jobs start once the transaction commits and, inside a request, once the response
is finished: a request that queues a job takes no longer than one that does not.
Used for OTP messages (``OTP_DELIVERY = "background"``), whose text exists only
in memory and so cannot wait for a task worker.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from django.db import connections, transaction

logger = logging.getLogger(__name__)

#: Threads of the pool; each holds its own database connection while it works.
WORKERS = 4

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()
_requests = threading.local()
#: Jobs queued behind a request on any thread and not yet in the pool.
_waiting = 0
_waiting_changed = threading.Condition()


def after_response(job: Callable[[], object]) -> None:
    """Run ``job`` in the pool after the transaction commits and the response ends."""
    transaction.on_commit(partial(_after_commit, job))


def request_started(**kwargs: Any) -> None:
    """A request begins on this thread: jobs wait for its end (``request_started``)."""
    _flush()  # a request that ended without request_finished
    _requests.depth = getattr(_requests, "depth", 0) + 1


def request_finished(**kwargs: Any) -> None:
    """The response is finished: start the jobs this thread's requests queued."""
    _requests.depth = max(getattr(_requests, "depth", 0) - 1, 0)
    _flush()


def wait(timeout: float = 30.0) -> None:
    """Block until every queued job has finished (tests, demos, shutdown): jobs
    other threads' requests have queued too, once their responses end."""
    global _executor
    _flush()
    with _waiting_changed:
        _waiting_changed.wait_for(lambda: _waiting == 0, timeout=timeout)
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=True)


def _after_commit(job: Callable[[], object]) -> None:
    if getattr(_requests, "depth", 0):
        _pending().append(job)
        _count_waiting(+1)
    else:
        _submit(job)


def _count_waiting(change: int) -> None:
    global _waiting
    with _waiting_changed:
        _waiting += change
        _waiting_changed.notify_all()


def _pending() -> list[Callable[[], object]]:
    pending: list[Callable[[], object]] | None = getattr(_requests, "pending", None)
    if pending is None:
        pending = _requests.pending = []
    return pending


def _flush() -> None:
    jobs = _pending()
    while jobs:
        _submit(jobs.pop(0))
        _count_waiting(-1)


def _submit(job: Callable[[], object]) -> None:
    _pool().submit(_closing_connections, job)


def _closing_connections(job: Callable[[], object]) -> None:
    try:
        job()
    except Exception:  # the pool would keep it in a Future nobody reads
        logger.exception("A background job failed (%s)", _name(job))
    finally:
        connections.close_all()


def _name(job: Callable[[], object]) -> str:
    function = job.func if isinstance(job, partial) else job
    return getattr(function, "__qualname__", type(function).__name__)


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=WORKERS, thread_name_prefix="turkeysms-background"
            )
            atexit.register(_executor.shutdown, wait=True)
        return _executor
