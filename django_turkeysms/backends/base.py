"""The interface every SMS backend implements, and sending many messages through
one backend (a bounded thread pool)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from types import TracebackType
from typing import Any, ClassVar

from django.core.checks import CheckMessage

from django_turkeysms import pacing
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import (
    DeliveryUncertain,
    InvalidSmsBackend,
    MissingMessageId,
    RateLimited,
    RateLimitPaused,
    SmsSendError,
    UnsupportedFeature,
)
from django_turkeysms.message import (
    AccountInfo,
    Balance,
    PreparedSms,
    SendResult,
    StatusResult,
)

logger = logging.getLogger(__name__)

#: What sending one message gave: the backend's result, or the error (not raised).
Outcome = SendResult | SmsSendError
#: How one prepared message is sent; ``backend.send`` unless a caller says otherwise.
Transmit = Callable[["BaseSmsBackend", PreparedSms], SendResult]


class BaseSmsBackend:
    """Base class of SMS backends.

    Subclasses declare their options in ``options`` (name → default; a default
    of ``REQUIRED`` makes the option mandatory) and implement :meth:`send`.
    Options given in ``TURKEYSMS["BACKENDS"][alias]["OPTIONS"]`` arrive as
    keyword arguments; unknown ones are rejected, as Django 6.1 does for mail.
    Every backend also takes ``rate`` (such as ``"600/m"``): its provider requests
    are then paced across every process (:mod:`~django_turkeysms.pacing`);
    it is ``self.rate``, not part of ``self.config``.
    """

    REQUIRED: ClassVar[object] = object()
    options: ClassVar[Mapping[str, Any]] = {}
    requires_sender: ClassVar[bool] = False
    supports_status_lookup: ClassVar[bool] = False
    supports_balance: ClassVar[bool] = False
    supports_provider_otp: ClassVar[bool] = False
    supports_account: ClassVar[bool] = False

    def __init__(
        self, *, alias: str = "default", rate: object = None, **options: Any
    ) -> None:
        self.alias = alias
        self.rate: pacing.Rate | None = pacing.parse_rate(rate, alias=alias)
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            raise InvalidSmsBackend(
                f"unknown option(s) {', '.join(unknown)}; "
                f"{type(self).__name__} accepts: {', '.join([*self.options, 'rate'])}.",
                alias=alias,
            )
        missing = [
            name
            for name, default in self.options.items()
            if default is self.REQUIRED and options.get(name) in (None, "")
        ]
        if missing:
            raise InvalidSmsBackend(
                f"missing required option(s) {', '.join(missing)}.", alias=alias
            )
        self.config = {**self.options, **options}

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} alias={self.alias!r}>"

    # -- connection lifecycle -----------------------------------------------------

    def open(self) -> None:
        """Prepare to send several messages (no-op by default)."""

    def close(self) -> None:
        """Release what :meth:`open` acquired (no-op by default)."""

    def __enter__(self) -> BaseSmsBackend:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- sending ----------------------------------------------------------------

    def send(self, message: PreparedSms) -> SendResult:
        """Send one message to one recipient, or raise an ``SmsSendError``."""
        raise NotImplementedError

    def send_messages(
        self, messages: Iterable[PreparedSms]
    ) -> list[SendResult | SmsSendError]:
        """Send several messages over one opened backend, one after the other;
        errors are returned in place (as the delivery path does)."""
        return send_all(self, list(messages), max_workers=1)

    # -- optional features ------------------------------------------------------

    def get_status(self, provider_id: str) -> StatusResult:
        """Look up a sent message; only where ``supports_status_lookup``."""
        raise UnsupportedFeature(f"{type(self).__name__} cannot look up statuses.")

    def get_balance(self) -> Balance:
        """The account balance; only where ``supports_balance``."""
        raise UnsupportedFeature(f"{type(self).__name__} cannot report a balance.")

    def account(self) -> AccountInfo:
        """Check the credentials; who the provider says we are. Only where ``supports_account``."""
        raise UnsupportedFeature(f"{type(self).__name__} has no provider account.")

    def send_otp(self, *, to: str, digits: int, lang: int) -> tuple[SendResult, str]:
        """Have the provider generate and send a code; only where ``supports_provider_otp``.

        Returns the result and the code (to be hashed, never stored).
        """
        raise UnsupportedFeature(
            f"{type(self).__name__} cannot send provider OTP codes."
        )

    def check(self) -> list[CheckMessage]:
        """System-check messages about this backend's own options."""
        return []


# -- sending many messages through one backend --------------------------------------


def send_all(
    backend: BaseSmsBackend,
    messages: Sequence[PreparedSms | SmsSendError],
    *,
    max_workers: int,
    transmit: Transmit | None = None,
) -> list[Outcome]:
    """Send through one opened backend, at most ``max_workers`` at a time.

    Each worker thread keeps its own keep-alive connection, so no more than
    ``max_workers`` connections are opened. Errors are returned, not raised.
    A backend with a ``rate`` waits for a slot before each request
    (:func:`~django_turkeysms.pacing.wait_for_slot`), for at most half of
    ``SENDING_TIMEOUT`` in all: the sweeper must never take rows that are only
    waiting for their turn for rows a crash left behind. Past that, the
    remaining messages go back to the queue (:class:`SlotTooFar`).
    """
    workers = min(max_workers, len(messages))
    deadline = time.monotonic() + conf.SENDING_TIMEOUT / 2
    attempt = partial(_attempt, backend, transmit or type(backend).send, deadline)
    with backend:
        if workers <= 1:
            return [attempt(message) for message in messages]
        with ThreadPoolExecutor(workers, thread_name_prefix="turkeysms") as pool:
            return list(pool.map(attempt, messages))


def _attempt(
    backend: BaseSmsBackend,
    transmit: Transmit,
    deadline: float,
    message: PreparedSms | SmsSendError,
) -> Outcome:
    if isinstance(message, SmsSendError):
        return message
    try:
        _wait_for_slot(backend, deadline)
        result = transmit(backend, message)
    except RateLimited as exc:
        return _rate_limited(backend, exc)
    except SmsSendError as exc:
        return exc
    except Exception as exc:  # a backend bug must not lose the row's state
        logger.exception("SMS backend %r raised an unexpected error", backend.alias)
        return _unexpected(exc)
    if backend.supports_status_lookup and not result.provider_id:
        return _untracked(result)
    return result


def _wait_for_slot(backend: BaseSmsBackend, deadline: float) -> None:
    """The backend's next slot, waiting no longer than the call may."""
    left = max(deadline - time.monotonic(), 0.0)
    pacing.wait_for_slot(backend, max_wait=min(conf.PACING_MAX_WAIT, left))


def _rate_limited(backend: BaseSmsBackend, exc: RateLimited) -> SmsSendError:
    """A rate-limit answer: as it is for an unpaced backend (a transient failure);
    for a paced one, a pause of the whole fleet and a wait for this message that
    does not use up an attempt — the provider processed nothing."""
    if backend.rate is None:
        return exc
    pause = pacing.slow_down(backend, exc.retry_after)
    paused = RateLimitPaused(
        f"{exc.message} Every worker pauses {pause:.1f} s.",
        retry_after=pause,
        code=exc.code or f"HTTP-{exc.status_code}",
        status_code=exc.status_code,
        response_data=exc.response_data,
        body=exc.body,
    )
    paused.__cause__ = exc
    return paused


def _untracked(result: SendResult) -> SmsSendError:
    """An accepted message without a provider id: UNKNOWN, not SENT.

    SENT promises a delivery report that this row can never get, and would hide
    it among rows awaiting one; FAILED would invite a resend of a message that
    has most likely gone out. UNKNOWN is the state for "may have been sent,
    cannot be confirmed": never re-sent automatically, listed for a person.
    """
    return MissingMessageId(code=result.code, response_data=result.raw)


def _unexpected(exc: BaseException) -> SmsSendError:
    return DeliveryUncertain(
        f"The backend raised {type(exc).__name__}; the SMS may have been sent."
    )
