"""The admin dashboard's numbers and charts: the last 30 days of the send log.

Charts are plain inline SVG built from these numbers (nothing loaded from a CDN):
the template draws the rectangles and polylines computed here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from django_turkeysms.exceptions import TurkeySmsError
from django_turkeysms.handler import sms_backends
from django_turkeysms.message import Balance, SmsStatus
from django_turkeysms.models import SmsLog

#: Chart colours per status (stacked bottom to top in this order).
STATUS_COLOURS: dict[SmsStatus, str] = {
    SmsStatus.DELIVERED: "#2e7d32",
    SmsStatus.SENT: "#1565c0",
    SmsStatus.UNDELIVERED: "#ef6c00",
    SmsStatus.UNKNOWN: "#6a1b9a",
    SmsStatus.FAILED: "#c62828",
    SmsStatus.QUEUED: "#9e9e9e",
    SmsStatus.SENDING: "#90caf9",
    SmsStatus.CANCELLED: "#bdbdbd",
}
WIDTH, HEIGHT = 600, 160
BALANCE_CACHE_SECONDS = 60


@dataclass
class Day:
    day: date
    counts: dict[str, int] = field(default_factory=dict)
    credits: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def delivery_rate(self) -> float | None:
        """Delivered / (delivered + undelivered + sent), None with nothing settled."""
        reached = sum(
            self.counts.get(s, 0)
            for s in (SmsStatus.DELIVERED, SmsStatus.UNDELIVERED, SmsStatus.SENT)
        )
        return self.counts.get(SmsStatus.DELIVERED, 0) / reached if reached else None


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


def daily_stats(days: int = 30, now: datetime | None = None) -> list[Day]:
    """Messages by status and credits per day, oldest first, empty days included."""
    today = timezone.localdate(now or timezone.now())
    start = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    rows = (
        SmsLog.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(n=Count("id"), credits=Coalesce(Sum("credits"), 0))
        .order_by()
    )
    by_day = {
        start + timedelta(days=n): Day(day=start + timedelta(days=n))
        for n in range(days)
    }
    for row in rows:
        entry = by_day.get(row["day"])
        if entry is None:  # created "tomorrow" by a clock ahead of ours
            continue
        entry.counts[row["status"]] = row["n"]
        entry.credits += row["credits"]
    return list(by_day.values())


def total_of(days: list[Day]) -> Day:
    """The days summed into one (its ``day`` is the first one's)."""
    counts: Counter[str] = Counter()
    for day in days:
        counts.update(day.counts)
    return Day(
        day=days[0].day if days else timezone.localdate(),
        counts=dict(counts),
        credits=sum(day.credits for day in days),
    )


def status_bars(days: list[Day]) -> list[Rect]:
    """A stacked bar per day, one segment per status."""
    peak = max((day.total for day in days), default=0) or 1
    width = WIDTH / max(len(days), 1)
    rects = []
    for index, day in enumerate(days):
        bottom = float(HEIGHT)
        for status, colour in STATUS_COLOURS.items():
            count = day.counts.get(status, 0)
            if count:
                height = HEIGHT * count / peak
                bottom -= height
                label = f"{day.day:%d %b}: {count} {SmsStatus(status).label}"
                rects.append(
                    Rect(index * width + 1, bottom, width - 2, height, colour, label)
                )
    return rects


def credit_bars(days: list[Day]) -> list[Rect]:
    peak = max((day.credits for day in days), default=0) or 1
    width = WIDTH / max(len(days), 1)
    return [
        Rect(
            index * width + 1,
            HEIGHT - HEIGHT * day.credits / peak,
            width - 2,
            HEIGHT * day.credits / peak,
            "#455a64",
            f"{day.day:%d %b}: {day.credits}",
        )
        for index, day in enumerate(days)
    ]


def rate_points(days: list[Day]) -> list[tuple[float, float, str]]:
    """(x, y, label) of the delivery rate (0–100 %) per day, skipping empty days."""
    width = WIDTH / max(len(days), 1)
    points = []
    for index, day in enumerate(days):
        rate = day.delivery_rate
        if rate is not None:
            label = f"{day.day:%d %b}: {100 * rate:.1f} %"
            points.append((index * width + width / 2, HEIGHT - HEIGHT * rate, label))
    return points


def cached_balance(alias: str = "default") -> tuple[Balance | None, str]:
    """The backend's balance, cached briefly; (None, reason) when it cannot be had."""
    key = f"turkeysms:balance:{alias}"
    balance = cache.get(key)
    if isinstance(balance, Balance):
        return balance, ""
    try:
        backend = sms_backends[alias]
        if not backend.supports_balance:
            return None, "This backend does not report a balance."
        balance = backend.get_balance()
    except TurkeySmsError as exc:
        return None, str(exc)
    cache.set(key, balance, BALANCE_CACHE_SECONDS)
    return balance, ""
