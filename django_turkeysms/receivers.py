"""Signal receivers connected in ``TurkeySmsConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from django_turkeysms.flows import AUTH_TIME_SESSION_KEY

__all__ = ["AUTH_TIME_SESSION_KEY", "record_login_time"]


def record_login_time(
    sender: object, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """Remember when the session logged in: changing a phone number needs a recent login."""
    if request is not None and hasattr(request, "session"):
        request.session[AUTH_TIME_SESSION_KEY] = timezone.now().timestamp()
