"""The request being answered, for code that django-otp and two-factor call
without one (``Device.generate_challenge()``, the SMS gateway), so the per-IP
limits apply to their codes too."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponseBase

_current: ContextVar[HttpRequest | None] = ContextVar("turkeysms_request", default=None)


def current_request() -> HttpRequest | None:
    """The request this thread (or task) is answering, if the middleware runs."""
    return _current.get()


@contextlib.contextmanager
def answering(request: HttpRequest) -> Iterator[None]:
    """Keep ``request`` at hand while the block runs (views that call the
    gateway themselves use this, so they work without the middleware)."""
    token = _current.set(request)
    try:
        yield
    finally:
        _current.reset(token)


class RequestMiddleware:
    """Keeps the request at hand while it is answered (``MIDDLEWARE`` entry
    ``"django_turkeysms.integrations.middleware.RequestMiddleware"``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with answering(request):
            return self.get_response(request)
