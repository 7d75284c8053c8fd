"""The admin dashboard's numbers and charts: the last 30 days of the send log.

The numbers come from the daily rollups (:mod:`django_turkeysms.rollups`), a few
rows per day, never from the log itself: the page costs the same at a thousand
messages and at a million. Charts are plain inline SVG built from these numbers
(nothing loaded from a CDN): the template draws the rectangles and polylines
computed here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from django_turkeysms import rollups
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import TurkeySmsError
from django_turkeysms.handler import sms_backends
from django_turkeysms.message import Balance, SmsStatus

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
CREDIT_COLOUR = "#607d8b"
BALANCE_CACHE_SECONDS = 60
DRIFT_CACHE_KEY = "turkeysms:rollups:drift"
DRIFT_CACHE_SECONDS = 900


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


def daily_stats(days: int = 30, now: datetime | None = None) -> list[Day]:
    """Messages by status and credits per day, oldest first, empty days included.

    Days are dates in ``TIME_ZONE``, read from the daily rollups.
    """
    today = rollups.today(now)
    start = today - timedelta(days=days - 1)
    by_day = {
        start + timedelta(days=n): Day(day=start + timedelta(days=n))
        for n in range(days)
    }
    for day, status, messages, credits in rollups.between(start, today):
        entry = by_day[day]
        entry.counts[status] = messages
        entry.credits += credits
    return list(by_day.values())


def lookup_since(now: datetime | None = None) -> date:
    """The first day status lookups still reach (``STATUS_MAX_AGE``)."""
    oldest = (now or timezone.now()) - timedelta(seconds=conf.STATUS_MAX_AGE)
    return rollups.day_of(oldest)


def awaiting_report(days: list[Day], now: datetime | None = None) -> int:
    """About how many messages still await a delivery report: those "Sent" on the
    days that status lookups still reach, the first of them whole."""
    first = lookup_since(now)
    return sum(day.counts.get(SmsStatus.SENT, 0) for day in days if day.day >= first)


def cached_drift() -> rollups.Difference | None:
    """:func:`~django_turkeysms.rollups.drift`, looked for at most every
    ``DRIFT_CACHE_SECONDS`` (it recounts one day of the log)."""
    found = cache.get(DRIFT_CACHE_KEY)
    if isinstance(found, tuple):
        return found[0]  # type: ignore[no-any-return]
    difference = rollups.drift()
    cache.set(DRIFT_CACHE_KEY, (difference,), DRIFT_CACHE_SECONDS)
    return difference


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


@dataclass(frozen=True)
class Frame:
    """The SVG canvas of a chart: the plot area plus room for the axis labels
    (values on the left, dates below, a margin on top so a full bar or a 100 %
    point is not cut off)."""

    width: int = 720
    height: int = 220
    left: int = 64
    right: int = 24
    top: int = 12
    bottom: int = 32

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> int:
        return self.top + self.plot_height

    @property
    def plot_right(self) -> int:
        return self.left + self.plot_width


FRAME = Frame()
POINT_RADIUS = 3
#: Value gridlines per chart (plus the baseline).
STEPS = 4
#: A date under every ``DATE_EVERY``-th bar, counted back from today.
DATE_EVERY = 7


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Tick:
    """A label on an axis: ``at`` is a y for values, an x for dates."""

    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    bars: list[Rect] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)

    @property
    def line(self) -> str:
        """The points as an SVG polyline."""
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


def axis_top(peak: float) -> int:
    """The top of the value axis: ``STEPS`` equal steps of 1, 2 or 5 times a
    power of ten that reach ``peak`` (so the gridlines carry round numbers)."""
    magnitude = 1
    while True:
        for base in (1, 2, 5):
            if base * magnitude * STEPS >= peak:
                return base * magnitude * STEPS
        magnitude *= 10


def y_of(value: float, top: float) -> float:
    return FRAME.baseline - FRAME.plot_height * value / top


def value_ticks(top: int, suffix: str = "") -> list[Tick]:
    step = top // STEPS
    return [
        Tick(y_of(value, top), f"{value}{suffix}") for value in range(0, top + 1, step)
    ]


def _slot(count: int) -> float:
    """The width of one day on the x axis."""
    return FRAME.plot_width / max(count, 1)


def date_ticks(days: list[Day]) -> list[Tick]:
    """A date under every seventh day, the last one (today) included."""
    slot = _slot(len(days))
    return [
        Tick(FRAME.left + (index + 0.5) * slot, short_date(days[index].day))
        for index in range(len(days) - 1, -1, -DATE_EVERY)
    ]


def short_date(day: date) -> str:
    """The date as "29 Nov", in the active language."""
    return date_format(day, "j M")


def _bar(
    index: int, below: float, value: float, *, top: int, slot: float
) -> tuple[float, float, float, float]:
    """(x, y, width, height) of ``value`` stacked on ``below`` in day ``index``."""
    y = y_of(below + value, top)
    return FRAME.left + index * slot + 1, y, slot - 2, y_of(below, top) - y


def status_chart(days: list[Day]) -> Chart:
    """A stacked bar per day, one segment per status."""
    top = axis_top(max((day.total for day in days), default=0))
    slot = _slot(len(days))
    rects = []
    for index, day in enumerate(days):
        below = 0
        for status, colour in STATUS_COLOURS.items():
            count = day.counts.get(status, 0)
            if count:
                box = _bar(index, below, count, top=top, slot=slot)
                label = f"{short_date(day.day)}: {SmsStatus(status).label} {count}"
                rects.append(Rect(*box, colour, label))
                below += count
    return Chart(value_ticks(top), date_ticks(days), bars=rects)


def credit_chart(days: list[Day]) -> Chart:
    top = axis_top(max((day.credits for day in days), default=0))
    slot = _slot(len(days))
    bars = [
        Rect(
            *_bar(index, 0, day.credits, top=top, slot=slot),
            CREDIT_COLOUR,
            f"{short_date(day.day)}: {day.credits}",
        )
        for index, day in enumerate(days)
        if day.credits
    ]
    return Chart(value_ticks(top), date_ticks(days), bars=bars)


def rate_chart(days: list[Day]) -> Chart:
    """The delivery rate (0–100 %) per day, skipping days with nothing settled."""
    slot = _slot(len(days))
    points = [
        Point(
            FRAME.left + (index + 0.5) * slot,
            y_of(100 * rate, 100),
            f"{short_date(day.day)}: {100 * rate:.1f} %",
        )
        for index, day in enumerate(days)
        if (rate := day.delivery_rate) is not None
    ]
    return Chart(value_ticks(100, " %"), date_ticks(days), points=points)


def cached_balance(alias: str = "default") -> tuple[Balance | None, str]:
    """The backend's balance, cached briefly; (None, reason) when it cannot be had."""
    key = f"turkeysms:balance:{alias}"
    balance = cache.get(key)
    if isinstance(balance, Balance):
        return balance, ""
    try:
        backend = sms_backends[alias]
        if not backend.supports_balance:
            return None, gettext("This backend does not report a balance.")
        balance = backend.get_balance()
    except TurkeySmsError as exc:
        return None, str(exc)
    cache.set(key, balance, BALANCE_CACHE_SECONDS)
    return balance, ""
