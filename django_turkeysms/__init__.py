"""TurkeySMS for Django.

``send_sms``, ``SmsMessage`` and ``outbox`` are exposed lazily so that importing
the package (which Django does while loading INSTALLED_APPS) never imports models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0.dev0"

if TYPE_CHECKING:
    from .message import SmsMessage
    from .sending import send_sms

    #: Messages "sent" by the locmem backend, oldest first (like
    #: ``django.core.mail.outbox``).
    outbox: list[Any]

__all__ = ["SmsMessage", "outbox", "send_sms"]


def __getattr__(name: str) -> Any:
    if name == "send_sms":
        from .sending import send_sms

        return send_sms
    if name == "SmsMessage":
        from .message import SmsMessage

        return SmsMessage
    if name == "outbox":
        from .backends.locmem import outbox

        return outbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
