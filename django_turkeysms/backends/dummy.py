"""A backend that does nothing and reports success."""

from __future__ import annotations

from typing import Any, ClassVar

from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.message import PreparedSms, SendResult


class SmsBackend(BaseSmsBackend):
    """Sends nothing; every message is reported accepted with no provider id."""

    options: ClassVar[dict[str, Any]] = {}

    def send(self, message: PreparedSms) -> SendResult:
        return SendResult(credits=0)
