"""The dashboard's charts: round axes, dates, and nothing drawn outside the frame."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation

from django_turkeysms.admin import dashboard
from django_turkeysms.admin.dashboard import FRAME, POINT_RADIUS, Day

TODAY = date(2026, 11, 29)


def month(**counts_of_day):
    """30 days ending TODAY, each with ``counts_of_day`` and as many credits."""
    return [
        Day(
            TODAY - timedelta(days=29 - n),
            dict(counts_of_day),
            sum(counts_of_day.values()),
        )
        for n in range(30)
    ]


@pytest.mark.parametrize(
    ("peak", "top"),
    [(0, 4), (1, 4), (4, 4), (5, 8), (9, 20), (37, 40), (41, 80), (1131, 2000)],
)
def test_axis_top_is_a_round_number_of_steps(peak, top):
    assert dashboard.axis_top(peak) == top


def test_value_ticks_run_from_the_baseline_to_the_top():
    ticks = dashboard.value_ticks(40)
    assert [tick.label for tick in ticks] == ["0", "10", "20", "30", "40"]
    assert ticks[0].at == FRAME.baseline and ticks[-1].at == FRAME.top


def test_a_hundred_percent_point_is_inside_the_frame():
    chart = dashboard.rate_chart(month(delivered=5))
    assert len(chart.points) == 30
    for point in chart.points:
        assert point.y == FRAME.top
        assert point.y - POINT_RADIUS >= 0
        assert FRAME.left <= point.x <= FRAME.plot_right
    assert [tick.label for tick in chart.y_ticks][-1] == "100 %"


def test_the_tallest_bar_reaches_the_top_gridline_and_no_further():
    days = month(delivered=3, failed=1)
    days[-1] = Day(TODAY, {"delivered": 30, "failed": 7}, 37)
    chart = dashboard.status_chart(days)
    assert min(bar.y for bar in chart.bars) >= FRAME.top
    assert max(bar.y + bar.height for bar in chart.bars) == pytest.approx(
        FRAME.baseline
    )
    last = [bar for bar in chart.bars if bar.x > FRAME.plot_right - 30]
    assert sum(bar.height for bar in last) == pytest.approx(FRAME.plot_height * 37 / 40)
    assert all(bar.x + bar.width <= FRAME.plot_right for bar in chart.bars)


def test_days_without_messages_draw_nothing():
    chart = dashboard.credit_chart(month())
    assert chart.bars == [] and [t.label for t in chart.y_ticks][-1] == "4"
    assert dashboard.rate_chart(month()).points == []


def test_dates_mark_every_week_back_from_today():
    with translation.override("en"):
        ticks = dashboard.date_ticks(month(delivered=1))
    assert [tick.label for tick in ticks] == [
        "29 Nov",
        "22 Nov",
        "15 Nov",
        "8 Nov",
        "1 Nov",
    ]
    assert all(FRAME.left < tick.at < FRAME.plot_right for tick in ticks)


def test_dates_follow_the_language():
    with translation.override("tr"):
        assert dashboard.short_date(TODAY) == "29 Kas"
