"""Pacing: at most a backend's ``rate`` of provider requests, across every process.

A backend with ``"rate": "600/m"`` in its ``OPTIONS`` shares one schedule with
every worker on every machine, kept in the cache named by ``PACING_CACHE``
(Redis in production). The schedule is GCRA, the generic cell rate algorithm:
one number per backend, the *theoretical arrival time* (TAT) of its next free
slot. Taking a slot reserves ``max(TAT, now)`` and moves the TAT one interval
(``period / count``) further; the caller sleeps until its slot, so the fleet's
requests leave evenly spaced and nobody is refused — unless the slot is more
than ``PACING_MAX_WAIT`` away, when nothing is reserved and the caller is told
how long to wait (:class:`SlotTooFar`): the delivery path puts the row back in
the queue for that time instead of holding a worker for minutes.

When the provider still answers "rate limit" (TS-1060, HTTP 429),
:func:`slow_down` moves the TAT past a pause (the provider's ``Retry-After``,
else ``PACING_PAUSE``): the whole fleet waits, not only the worker that was told.

Why no library: the kept ones on PyPI do not run on Django's cache. ``limits``
and ``throttled-py`` open their own Redis connections from a URL (a second place
to configure the store) and, like ``pyrate-limiter`` (which also wants its own
Redis client or database), refuse a request and let the caller poll instead of
reserving a slot; ``aiolimiter`` is asyncio-only and in-process;
``django-ratelimit`` counts fixed windows, which let twice the rate through at a
window's edge. GCRA is a few lines, so it is written here: on Django's
``RedisCache`` as one server-side script (atomic, and on Redis's clock, so
machines whose clocks differ still share one schedule); on any other cache
under a short lock taken with ``cache.add`` (atomic on Memcached, Redis and the
database cache), on this machine's clock.

Status lookups take slots too (:func:`wait_for_lookup`): of the same schedule
when the backend has a ``rate`` (the provider counts an API key's requests,
sends and lookups alike), else of their own at ``STATUS_LOOKUP_RATE`` a minute.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache

from django_turkeysms.conf import conf
from django_turkeysms.exceptions import InvalidRate, PacingUnavailable, SlotTooFar

if TYPE_CHECKING:
    from django_turkeysms.backends.base import BaseSmsBackend

logger = logging.getLogger(__name__)
T = TypeVar("T")

PREFIX = "turkeysms:pacing"
#: The longest a status lookup waits for its slot (:func:`wait_for_lookup`).
LOOKUP_MAX_WAIT = 300.0

_RATE = re.compile(r"^\s*(\d+)\s*/\s*([smh])\s*$")
_PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class Rate:
    """``count`` provider requests per ``period`` seconds, evenly spaced."""

    count: int
    period: float

    @property
    def interval(self) -> float:
        """Seconds between two slots."""
        return self.period / self.count

    def __str__(self) -> str:
        unit = {period: unit for unit, period in _PERIODS.items()}[self.period]
        return f"{self.count}/{unit}"


def parse_rate(value: object, *, alias: str) -> Rate | None:
    """``"600/m"`` → ``Rate(600, 60.0)``; ``None`` → no pacing.

    Raises :class:`InvalidRate` (naming the backend and the fix) for anything else.
    """
    if value is None:
        return None
    match = _RATE.match(value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) == 0:
        raise InvalidRate(
            f"rate {value!r} is not a rate: write a positive whole number of "
            'requests, a slash and s, m or h, such as "600/m" (600 per minute).',
            alias=alias,
        )
    return Rate(int(match.group(1)), _PERIODS[match.group(2)])


# -- the schedule ------------------------------------------------------------------


def reserve(
    tat: float | None, now: float, interval: float, max_wait: float
) -> tuple[float, float | None]:
    """One GCRA step: the wait for the next slot, and the new TAT.

    The new TAT is None when the slot is more than ``max_wait`` away: nothing is
    reserved. (The Redis script below is the same step.)
    """
    start = max(tat or now, now)
    wait = start - now
    if wait > max_wait:
        return wait, None
    return wait, start + interval


def paused(tat: float | None, now: float, pause: float) -> float:
    """The TAT after a pause of ``pause`` seconds from ``now``."""
    return max(tat or now, now + pause)


class Bucket(Protocol):
    """Where a schedule is kept; both operations are atomic."""

    def take(self, key: str, interval: float, max_wait: float) -> tuple[float, bool]:
        """The wait for the next slot, and whether it was reserved."""

    def pause(self, key: str, seconds: float) -> float:
        """Move the next slot ``seconds`` from now (or leave it later); its wait."""


def _expiry(tat: float, now: float) -> int:
    """Whole seconds a TAT must be kept: past it, an empty schedule is the same."""
    return math.ceil(tat - now) + 1


class CacheBucket:
    """GCRA over any Django cache, under a lock taken with ``cache.add``.

    The times are this machine's clock (``clock``), so every machine of the fleet
    needs a synchronised clock (NTP). The lock lives ``LOCK_TIMEOUT`` seconds, so a
    process that dies holding it blocks the others for that long at most.
    """

    LOCK_TIMEOUT = 2
    LOCK_WAIT = 1.0  # seconds to try for the lock before failing closed

    def __init__(
        self,
        cache: BaseCache,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cache, self.clock, self.sleep = cache, clock, sleep

    def take(self, key: str, interval: float, max_wait: float) -> tuple[float, bool]:
        with self._locked(key):
            now = self.clock()
            wait, tat = reserve(self.cache.get(key), now, interval, max_wait)
            if tat is not None:
                self.cache.set(key, tat, timeout=_expiry(tat, now))
        return wait, tat is not None

    def pause(self, key: str, seconds: float) -> float:
        with self._locked(key):
            now = self.clock()
            tat = paused(self.cache.get(key), now, seconds)
            self.cache.set(key, tat, timeout=_expiry(tat, now))
        return tat - now

    @contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        """Hold ``key``'s lock; PacingUnavailable if it stays taken."""
        name, started = f"{key}:lock", time.monotonic()
        while not self.cache.add(name, 1, timeout=self.LOCK_TIMEOUT):
            if time.monotonic() - started > self.LOCK_WAIT:
                raise PacingUnavailable(
                    "The pacing lock stayed taken; is the cache shared and working?",
                    retry_after=conf.RETRY_BASE_DELAY,
                )
            self.sleep(0.001)
        try:
            yield
        finally:
            self.cache.delete(name)


# KEYS[1] holds the TAT (seconds on Redis's clock, as text). The first line makes
# Redis < 5 replicate the writes rather than the script, which reads the clock.
_PREAMBLE = """
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local function keep(value)
  redis.call('SET', KEYS[1], string.format('%.6f', value),
             'PX', math.ceil((value - now) * 1000) + 1000)
end
"""
# ARGV: the interval, the longest wait. Returns {reserved (1/0), wait}.
TAKE_SCRIPT = (
    _PREAMBLE
    + """
local start = math.max(tat, now)
local wait = start - now
if wait > tonumber(ARGV[2]) then return {0, string.format('%.6f', wait)} end
keep(start + tonumber(ARGV[1]))
return {1, string.format('%.6f', wait)}
"""
)
# ARGV: the pause. Returns the wait until the next slot.
PAUSE_SCRIPT = (
    _PREAMBLE
    + """
local paused = math.max(tat, now + tonumber(ARGV[1]))
keep(paused)
return string.format('%.6f', paused - now)
"""
)


class RedisBucket:
    """GCRA in one server-side script on Django's ``RedisCache``: atomic without a
    lock, on the Redis server's clock."""

    def __init__(self, cache: RedisCache) -> None:
        self.cache = cache

    def take(self, key: str, interval: float, max_wait: float) -> tuple[float, bool]:
        reserved, wait = self._run(TAKE_SCRIPT, key, interval, max_wait)
        return float(wait), bool(int(reserved))

    def pause(self, key: str, seconds: float) -> float:
        return float(self._run(PAUSE_SCRIPT, key, seconds))

    def _run(self, script: str, key: str, *args: float) -> Any:
        key = self.cache.make_and_validate_key(key)  # the cache's prefix and version
        # Django's RedisCache has no public way to its client; ``_cache`` is its
        # RedisCacheClient (Django 4.0 to 6.1), whose ``get_client`` is what the
        # cache's own operations use.
        client = self.cache._cache.get_client(key, write=True)
        return client.register_script(script)(keys=[key], args=list(args))


def schedule(backend: BaseSmsBackend) -> tuple[Bucket, str]:
    """Where the schedule of ``backend`` is kept: the bucket over ``PACING_CACHE``
    and the backend's key in it (one schedule per alias)."""
    return _schedule(backend.alias)


def lookup_schedule(backend: BaseSmsBackend) -> tuple[Rate, str]:
    """The rate status lookups through ``backend`` keep, and the name of their
    schedule.

    The provider limits the requests of an API key, sends and lookups alike, so a
    backend with a ``rate`` gives its lookups slots of the schedule its sends
    use. Without one, lookups keep ``STATUS_LOOKUP_RATE`` a minute across the
    fleet on a schedule of their own."""
    if backend.rate is not None:
        return backend.rate, backend.alias
    return Rate(conf.STATUS_LOOKUP_RATE, 60.0), f"{backend.alias}:lookups"


def _schedule(name: str) -> tuple[Bucket, str]:
    cache, key = caches[conf.PACING_CACHE], f"{PREFIX}:{name}"
    if isinstance(cache, RedisCache):
        return RedisBucket(cache), key
    return CacheBucket(cache), key


# -- the public functions ----------------------------------------------------------


def wait_for_slot(
    backend: BaseSmsBackend,
    *,
    max_wait: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Wait until ``backend`` may make its next provider request; the seconds waited.

    Returns 0 at once for a backend without a ``rate``. Raises :class:`SlotTooFar`
    (nothing reserved; its ``retry_after`` is the wait) when the next slot is more
    than ``max_wait`` (default ``PACING_MAX_WAIT``) away, and
    :class:`PacingUnavailable` when the cache fails: without the shared schedule
    nothing is sent (fail closed).
    """
    if backend.rate is None:
        return 0.0
    limit = conf.PACING_MAX_WAIT if max_wait is None else max_wait
    return _wait(backend.alias, backend.rate, limit, sleep)


def wait_for_lookup(
    backend: BaseSmsBackend, *, max_wait: float = LOOKUP_MAX_WAIT
) -> float:
    """Wait until a status lookup through ``backend`` may go; the seconds waited.

    The slot comes from :func:`lookup_schedule`. A lookup runs in a periodic job,
    so it may wait up to ``max_wait`` (``LOOKUP_MAX_WAIT``); senders reserve at
    most ``PACING_MAX_WAIT`` ahead, so a shared schedule is rarely further away.
    Raises :class:`SlotTooFar` past that and :class:`PacingUnavailable` when the
    cache fails.
    """
    rate, name = lookup_schedule(backend)
    return _wait(name, rate, max_wait, time.sleep)


def _wait(
    name: str, rate: Rate, max_wait: float, sleep: Callable[[float], None]
) -> float:
    wait, reserved = _guarded(lambda: _take(name, rate.interval, max_wait))
    if not reserved:
        raise SlotTooFar(
            f"The next slot under the rate {rate} of {name!r} is further away than "
            "the wait allowed; the message waits in the queue.",
            retry_after=wait,
        )
    if wait > 0:
        sleep(wait)
    return wait


def slow_down(
    backend: BaseSmsBackend,
    retry_after: float | None = None,
    *,
    lookups: bool = False,
) -> float:
    """Pause every request of ``backend`` after a rate-limit answer; the pause.

    ``retry_after`` (the provider's, capped at ``RETRY_MAX_DELAY``) or
    ``PACING_PAUSE`` seconds; requests already waiting for an earlier slot still go.
    A backend without a ``rate`` has no schedule of sends to pause: 0 — unless
    the answer came to a status lookup (``lookups``): the lookups' own schedule
    pauses then.
    """
    if backend.rate is None and not lookups:
        return 0.0
    rate, name = lookup_schedule(backend) if lookups else (backend.rate, backend.alias)
    seconds = min(retry_after or conf.PACING_PAUSE, conf.RETRY_MAX_DELAY)
    wait = _guarded(lambda: _pause(name, seconds))
    logger.warning(
        "The provider refused a request of backend %r for its rate limit; every "
        "worker pauses %.1f s. If this repeats, lower the rate %s (the backend's "
        "rate option, or STATUS_LOOKUP_RATE for the lookups of a backend without).",
        backend.alias,
        wait,
        rate,
    )
    return wait


def _take(name: str, interval: float, limit: float) -> tuple[float, bool]:
    bucket, key = _schedule(name)
    return bucket.take(key, interval, limit)


def _pause(name: str, seconds: float) -> float:
    bucket, key = _schedule(name)
    return bucket.pause(key, seconds)


def _guarded(operation: Callable[[], T]) -> T:
    """Run a cache operation; any failure of the cache becomes PacingUnavailable."""
    try:
        return operation()
    except PacingUnavailable:
        raise
    except Exception as exc:  # whatever the cache raises: fail closed
        logger.error(
            "The pacing cache %r failed (%s: %s); nothing is sent through paced "
            "backends until it works (manage.py check: django_turkeysms.E013)",
            conf.PACING_CACHE,
            type(exc).__name__,
            exc,
        )
        raise PacingUnavailable(
            f"The pacing cache failed ({type(exc).__name__}); the message waits.",
            retry_after=conf.RETRY_BASE_DELAY,
        ) from exc
