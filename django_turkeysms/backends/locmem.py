"""A test backend that keeps messages in memory, in ``django_turkeysms.outbox``."""

from __future__ import annotations

import itertools
import threading
from decimal import Decimal
from typing import Any, ClassVar

from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.message import (
    Balance,
    DeliveryState,
    PreparedSms,
    SendResult,
    StatusResult,
)

#: Messages "sent" by this backend, oldest first; also ``django_turkeysms.outbox``.
outbox: list[PreparedSms] = []

_ids = itertools.count(1)
_lock = threading.Lock()


class SmsBackend(BaseSmsBackend):
    """Appends every message to ``django_turkeysms.outbox`` (like Django's mail outbox).

    Every message is reported delivered by status lookups; the balance is fixed.
    """

    options: ClassVar[dict[str, Any]] = {}
    supports_status_lookup = True
    supports_balance = True

    def send(self, message: PreparedSms) -> SendResult:
        with _lock:
            outbox.append(message)
            provider_id = f"locmem-{next(_ids)}"
        return SendResult(
            provider_id=provider_id, credits=message.segments, code="TS-1024"
        )

    def get_status(self, provider_id: str) -> StatusResult:
        return StatusResult(
            state=DeliveryState.DELIVERED, operator="locmem", code="TS-1024"
        )

    def get_balance(self) -> Balance:
        return Balance(local_sms=1_000_000, international_tl=Decimal("1000.00"))
