"""A development backend that prints each message to standard output."""

from __future__ import annotations

import sys
import threading
from typing import IO, Any, ClassVar

from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.message import PreparedSms, SendResult


class SmsBackend(BaseSmsBackend):
    """Writes every message to ``stream`` (default ``sys.stdout``) instead of sending.

    For development only: the full text, OTP codes included, is printed.
    """

    options: ClassVar[dict[str, Any]] = {"stream": None}
    _lock = threading.Lock()

    def send(self, message: PreparedSms) -> SendResult:
        stream: IO[str] = self.config["stream"] or sys.stdout
        header = (
            f"SMS to {message.to} from {message.sender} "
            f"({message.segments} segment(s), {message.lang.name}, {message.category})"
        )
        with self._lock:
            stream.write(f"{header}\n{message.text}\n{'-' * 40}\n")
            stream.flush()
        return SendResult(provider_id=f"console-{message.log_id or 0}", credits=0)
