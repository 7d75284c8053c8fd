"""How list cells show values: narrow enough for a 1,280 px window."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html


def short_datetime(value: datetime | None) -> str:
    """A list cell's date and time: the short forms keep the columns narrow
    enough to fit a 1,280 px window beside the admin's sidebar and filters; a
    narrow column breaks the line between the date and the time only."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return format_html(
        '<span class="turkeysms-nowrap">{}</span> <span class="turkeysms-nowrap">{}</span>',
        date_format(local, "SHORT_DATE_FORMAT"),
        time_format(local, "TIME_FORMAT"),
    )
