"""The message a user builds, and the values backends receive and return.

Value types only: nothing here touches the database or the network, except
:meth:`SmsMessage.send`, a shortcut to :func:`django_turkeysms.sending.send_message`
(as Django's ``EmailMessage.send`` is to a mail backend), imported when called.

Words: ``language`` is the caller's choice for a message (``"auto"``, ``"gsm7"``,
``"turkish"``, ``"ucs2"``); ``lang`` is the encoding it resolves to, an
:class:`~django_turkeysms.encoding.SmsLang` (the provider's ``sms_lang``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import pgettext_lazy

from .encoding import SmsLang

if TYPE_CHECKING:
    from .models import SmsLog

#: What an ``SmsMessage`` recipient may be: text as typed, or a parsed number.
Recipient = Any


class SecretText(str):
    """Text that holds a secret (an OTP code, or a message carrying one).

    It is an ordinary string everywhere except its ``repr``: error trackers that
    record local variables (Sentry's default) and tracebacks show a placeholder.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'[redacted]'"


class Category(models.TextChoices):
    """Why a message is sent; decides the provider's ``content_type``.

    Turkish İYS rules: commercial (marketing) messages need the recipient's
    consent; transactional ones (order updates, OTP codes) do not.
    """

    TRANSACTIONAL = "transactional", pgettext_lazy("sms category", "Transactional")
    COMMERCIAL = "commercial", pgettext_lazy("sms category", "Commercial")
    OTP = "otp", pgettext_lazy("sms category", "One-time code")


#: The provider's ``content_type`` for each category (0 Transactional, 2 Advertising).
CATEGORY_CONTENT_TYPES: dict[str, int] = {
    Category.TRANSACTIONAL: 0,
    Category.OTP: 0,
    Category.COMMERCIAL: 2,
}


class SmsStatus(models.TextChoices):
    """Where a logged message is in its life."""

    QUEUED = "queued", pgettext_lazy("sms status", "Queued")
    SENDING = "sending", pgettext_lazy("sms status", "Sending")
    SENT = "sent", pgettext_lazy("sms status", "Sent")
    DELIVERED = "delivered", pgettext_lazy("sms status", "Delivered")
    UNDELIVERED = "undelivered", pgettext_lazy("sms status", "Undelivered")
    FAILED = "failed", pgettext_lazy("sms status", "Failed")
    UNKNOWN = "unknown", pgettext_lazy("sms status", "Unknown")
    CANCELLED = "cancelled", pgettext_lazy("sms status", "Cancelled")


LANGUAGE_CHOICES: dict[str, SmsLang | None] = {
    "auto": None,
    "gsm7": SmsLang.GSM7,
    "turkish": SmsLang.TURKISH,
    "ucs2": SmsLang.UCS2,
}


@dataclass(frozen=True)
class SmsMessage:
    """One text for one or more recipients.

    ``language`` is ``"auto"`` (pick the cheapest encoding that fits the text),
    ``"gsm7"``, ``"turkish"`` or ``"ucs2"``. ``send_at`` schedules the send (needs
    ``TURKEYSMS["ASYNC"]``). ``idempotency_key`` makes a retried call return the
    rows of the first one instead of sending again.
    """

    text: str = field(repr=False)
    to: Recipient | Iterable[Recipient]
    _: KW_ONLY
    sender: str | None = None
    category: str = Category.TRANSACTIONAL
    language: str = "auto"
    send_at: datetime | None = None
    tag: str = ""
    metadata: Mapping[str, Any] | None = None
    idempotency_key: str | None = None

    def send(self, *, backend: str = "default") -> list[SmsLog]:
        """Validate, log and send (or queue) the message; return its log rows."""
        # Imported here: sending imports this module (the floor imports no layer).
        from .sending import send_message

        return send_message(self, backend=backend)


@dataclass(frozen=True)
class PreparedSms:
    """One validated message for one recipient: what a backend sends."""

    to: str
    text: str = field(repr=False)
    sender: str
    lang: SmsLang
    segments: int
    content_type: int = 0
    category: str = Category.TRANSACTIONAL
    log_id: int | None = None

    @property
    def provider_to(self) -> str:
        """The number in the provider's format: E.164 without the ``+``."""
        return self.to.removeprefix("+")


@dataclass(frozen=True)
class SendResult:
    """What a backend reports for an accepted message."""

    provider_id: str = ""
    credits: int | None = None
    code: str = ""
    message: str = ""
    country: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


class DeliveryState(enum.Enum):
    """What a status lookup says about a sent message."""

    PENDING = "pending"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    OUT_OF_COVERAGE = "out_of_coverage"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StatusResult:
    """What a status lookup says about a sent message."""

    state: DeliveryState
    operator: str = ""
    code: str = ""
    text: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Balance:
    """An account's remaining credit."""

    local_sms: int
    international_tl: Decimal


@dataclass(frozen=True)
class AccountInfo:
    """Who the provider says the API key belongs to."""

    user_id: str
    account_name: str
