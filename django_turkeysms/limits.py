"""Abuse limits kept in Django's cache: per-IP counters, the daily OTP budget and
the SMS-pumping prefix guard; and the client IP behind trusted proxies.

Counters are fixed windows (``cache.add`` then ``cache.incr``, both atomic on
Redis and Memcached). A cache that fails closes the door: :class:`LimitsUnavailable`
is raised and the caller refuses, so an outage never means unlimited SMS.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django.utils import timezone

from django_turkeysms.conf import conf
from django_turkeysms.exceptions import LimitsUnavailable

PREFIX = "turkeysms"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

logger = logging.getLogger(__name__)


def _unavailable(exc: Exception) -> LimitsUnavailable:
    """The error to refuse on, after logging its cause (a missing library or a
    server that is down must be visible in the log, not only as refusals)."""
    cause = f"{type(exc).__name__}: {exc}"
    logger.error(
        "OTP limits cache %r failed (%s); OTP requests are refused until it works "
        "(manage.py check: django_turkeysms.E009)",
        conf.OTP_CACHE,
        cause,
    )
    return LimitsUnavailable(cause)


def _cache() -> BaseCache:
    return caches[conf.OTP_CACHE]


def hit(name: str, key: str, *, limit: int, window: float) -> float | None:
    """Count one event; the seconds to wait if it went over ``limit``, else None."""
    now = time.time()
    bucket = int(now // window)
    cache_key = _counter_key(name, key, bucket)
    try:
        count = _count(_cache(), cache_key, timeout=int(window) + 1)
    except Exception as exc:  # any cache failure: fail closed
        raise _unavailable(exc) from exc
    if count > limit:
        return (bucket + 1) * window - now
    return None


#: Add one to a counter, starting its expiry with its first count: one round trip.
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def _count(cache: BaseCache, key: str, *, timeout: int) -> int:
    """Add one to the counter ``key`` (created for ``timeout`` seconds); its value.

    On Django's Redis cache this is one round trip (a server-side script; a code
    check counts against a limit on every request). Elsewhere ``add`` then
    ``incr``, both atomic on Memcached and Redis.
    """
    if isinstance(cache, RedisCache):
        # The client of Django's RedisCache (the _cache attribute) is private API;
        # it is stable since Django 4.0, and the fallback below needs nothing.
        client = cache._cache.get_client(key, write=True)
        return int(
            client.eval(_COUNT_SCRIPT, 1, cache.make_and_validate_key(key), timeout)
        )
    cache.add(key, 0, timeout=timeout)
    return int(cache.incr(key))


def _counter_key(name: str, key: str, bucket: int) -> str:
    return f"{PREFIX}:{name}:{key}:{bucket}"


def claim_cooldown(key: str, seconds: float) -> float | None:
    """Start a cooldown for ``key`` unless one runs: the seconds left, or None.

    ``cache.add`` is atomic, so of many parallel requests exactly one gets in.
    """
    if seconds <= 0:
        return None
    cache_key = f"{PREFIX}:cooldown:{key}"
    until = time.time() + seconds
    try:
        cache = _cache()
        if cache.add(cache_key, until, timeout=int(seconds) + 1):
            return None
        left = float(cache.get(cache_key) or 0) - time.time()
        if left <= 0:  # a marker outliving its second: take it over
            cache.set(cache_key, until, timeout=int(seconds) + 1)
    except Exception as exc:
        raise _unavailable(exc) from exc
    return left if left > 0 else None


def budget_exceeded(now: datetime | None = None) -> float | None:
    """Count one OTP SMS against today's ``OTP_DAILY_BUDGET``; when it is spent,
    the seconds until it renews (midnight in ``TIME_ZONE``), else None.

    One counter per day of ``TIME_ZONE``, so a day never has two budgets. The
    first refusal of the day is logged at WARNING, so operators can alert.
    """
    budget = conf.OTP_DAILY_BUDGET
    if budget is None:
        return None
    # The limits' clock (time.time), like every other counter here.
    moment = _local(now or datetime.fromtimestamp(time.time(), UTC))
    day = moment.date()
    try:
        count = _count(
            _cache(), _counter_key("budget", day.isoformat(), 0), timeout=2 * 86_400
        )
    except Exception as exc:  # any cache failure: fail closed
        raise _unavailable(exc) from exc
    if count <= budget:
        return None
    if _first_time(f"budget-warned:{day.isoformat()}", 86_400):
        logger.warning(
            "The daily OTP budget of %d SMS is spent; refusing codes", budget
        )
    midnight = datetime.combine(day + timedelta(days=1), clock_time.min, moment.tzinfo)
    return max((midnight - moment).total_seconds(), 1.0)


def _local(moment: datetime) -> datetime:
    """``moment`` in ``TIME_ZONE`` (as it is when USE_TZ is off)."""
    if timezone.is_aware(moment):
        return timezone.localtime(moment, timezone.get_default_timezone())
    return moment


def _first_time(name: str, seconds: float) -> bool:
    """True for the first caller of ``name`` within ``seconds`` (a cache marker)."""
    try:
        return bool(_cache().add(f"{PREFIX}:{name}", 1, timeout=int(seconds) + 1))
    except Exception as exc:
        raise _unavailable(exc) from exc


# -- the prefix guard (SMS pumping) -----------------------------------------------------


def prefix_of(e164: str) -> str:
    """The number without its last digits: ``+90532123`` for ``+905321234567``."""
    return e164[: 1 + conf.OTP_PREFIX_DIGITS]


def prefix_blocked(e164: str) -> float | None:
    """Seconds a blocked prefix stays blocked, or None."""
    try:
        until = _cache().get(_block_key(prefix_of(e164)))
    except Exception as exc:
        raise _unavailable(exc) from exc
    remaining = float(until) - time.time() if until else 0.0
    return remaining if remaining > 0 else None


def record_prefix_send(e164: str) -> float | None:
    """Count a send to the prefix; block it when sends pile up unverified.

    Returns the block duration when this send triggered a block.
    """
    prefix = prefix_of(e164)
    hit("prefix-sends", prefix, limit=10**9, window=conf.OTP_PREFIX_WINDOW)
    if not _pumping(prefix):
        return None
    block = conf.OTP_PREFIX_BLOCK
    try:
        _cache().set(_block_key(prefix), time.time() + block, timeout=int(block) + 1)
    except Exception as exc:
        raise _unavailable(exc) from exc
    return block


def _pumping(prefix: str) -> bool:
    """Many sends to ``prefix`` and few verifications: SMS pumping."""
    sends, verifies = _prefix_counts(prefix, conf.OTP_PREFIX_WINDOW)
    return (
        sends >= conf.OTP_PREFIX_MIN_SENDS
        and verifies < sends * conf.OTP_PREFIX_MIN_VERIFY_RATE
    )


def record_prefix_verification(e164: str) -> None:
    """Count a successful verification for the prefix."""
    hit("prefix-verifies", prefix_of(e164), limit=10**9, window=conf.OTP_PREFIX_WINDOW)


def _prefix_counts(prefix: str, window: float) -> tuple[int, int]:
    bucket = int(time.time() // window)
    keys = [
        _counter_key(name, prefix, bucket)
        for name in ("prefix-sends", "prefix-verifies")
    ]
    try:
        values = _cache().get_many(keys)
    except Exception as exc:
        raise _unavailable(exc) from exc
    return int(values.get(keys[0], 0)), int(values.get(keys[1], 0))


def _block_key(prefix: str) -> str:
    return f"{PREFIX}:prefix-block:{prefix}"


# -- client addresses ------------------------------------------------------------------

#: The rate-limit key of every client whose address is unknown: they share one
#: bucket, so a misconfigured server limits everyone rather than no one.
UNKNOWN_CLIENT = "unknown"


@dataclass(frozen=True)
class Client:
    """Who asked: the IP address (None when unknown) and the key its limits use."""

    ip: str | None
    key: str


def client_of(request: HttpRequest) -> Client:
    """The client behind ``request`` and its rate-limit key.

    IPv6 clients are keyed by their /64, the smallest block a provider gives one
    subscriber; IPv4-mapped IPv6 addresses are read as IPv4.
    """
    address = _client_address(request)
    if address is None:
        _warn_unknown_address(request)
        return Client(ip=None, key=UNKNOWN_CLIENT)
    if address.version == 6:
        network = ipaddress.ip_network(f"{address}/64", strict=False)
        return Client(ip=str(address), key=str(network))
    return Client(ip=str(address), key=str(address))


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's IP: ``REMOTE_ADDR``, or the proxy header's nearest untrusted hop
    when ``REMOTE_ADDR`` is one of ``OTP_TRUSTED_PROXIES``; None when unknown."""
    return None if request is None else client_of(request).ip


def _client_address(request: HttpRequest) -> IPAddress | None:
    remote = _parse_ip(request.META.get("REMOTE_ADDR", ""))
    if remote is None or not _trusted(remote):
        return remote
    hops = [
        hop.strip() for hop in request.META.get(conf.OTP_PROXY_HEADER, "").split(",")
    ]
    for hop in reversed([hop for hop in hops if hop]):
        address = _parse_ip(hop)
        if address is None:
            return remote
        if not _trusted(address):
            return address
    return remote


def _parse_ip(value: object) -> IPAddress | None:
    if not isinstance(value, str):
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IPAddress) -> bool:
    return any(
        address in ipaddress.ip_network(net, strict=False)
        for net in conf.OTP_TRUSTED_PROXIES
    )


_warned_unknown = False


def _warn_unknown_address(request: HttpRequest) -> None:
    """Say once per process that clients without an address share one bucket."""
    global _warned_unknown
    if _warned_unknown:
        return
    _warned_unknown = True
    logger.warning(
        "REMOTE_ADDR %r is not an IP address (a server on a unix socket?): every "
        "such client shares one OTP rate-limit bucket. Put the proxy's client "
        "address in REMOTE_ADDR, or list the proxy in OTP_TRUSTED_PROXIES.",
        str(request.META.get("REMOTE_ADDR", ""))[:64],
    )
