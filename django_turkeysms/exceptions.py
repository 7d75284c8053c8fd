"""The exception hierarchy of django-turkeysms.

Every error this package raises on purpose is a :class:`TurkeySmsError`, except
configuration errors, which are :class:`~django.core.exceptions.ImproperlyConfigured`
subclasses on purpose: a broad ``except TurkeySmsError`` must never hide a broken
setting.

Errors raised while talking to the provider carry a *retry class*
(:class:`Retry`), which is all the delivery code needs to decide what happens to a
message:

* ``TRANSIENT`` – the request provably never reached the provider (or the
  provider said "try again later" without processing it): safe to retry.
* ``AMBIGUOUS`` – the request may have been processed: the SMS may have gone
  out. Never retried automatically.
* ``PERMANENT`` – the provider refused the request: retrying cannot help.

No exception text ever contains an API key or an OTP code.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied


class Retry(enum.Enum):
    """What a caller may do after a failed provider call."""

    TRANSIENT = "transient"
    AMBIGUOUS = "ambiguous"
    PERMANENT = "permanent"


class TurkeySmsError(Exception):
    """Base class of every django-turkeysms error. Never raised directly."""


# -- input validation (raised before any provider call or database write) ----------


class InvalidPhoneNumber(TurkeySmsError, ValueError):
    """A phone number could not be parsed, is not a mobile, or is not allowed.

    ``reason`` is a short machine-readable token (``"empty"``, ``"too_short"``,
    ``"country_not_allowed"`` …); the message says what to type instead.
    """

    def __init__(self, message: str, *, reason: str, value: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.value = value


class CountryNotAllowed(InvalidPhoneNumber):
    """The number belongs to a country outside the configured allow-list."""

    def __init__(self, message: str, *, value: str = "", country: str = "") -> None:
        super().__init__(message, reason="country_not_allowed", value=value)
        self.country = country


class InvalidMessage(TurkeySmsError, ValueError):
    """The message itself is unusable (empty text, too long, no sender …)."""


class EmptyMessage(InvalidMessage):
    """The message text is empty or only whitespace."""


class MessageTooLong(InvalidMessage):
    """The text needs more segments than ``TURKEYSMS["MAX_SEGMENTS"]`` allows."""

    def __init__(self, message: str, *, segments: int, max_segments: int) -> None:
        super().__init__(message)
        self.segments = segments
        self.max_segments = max_segments


class MissingSender(InvalidMessage):
    """No sender ID was given and the backend has no default ``sender``."""


class InvalidSender(InvalidMessage):
    """The sender ID is malformed, too long, or not registered on the account."""


class TooManyRecipients(InvalidMessage):
    """A message names no recipient, or more than ``TURKEYSMS["MAX_RECIPIENTS"]``."""


class IdempotencyConflict(InvalidMessage):
    """The idempotency key was already used for a different message."""


class CancelSend(TurkeySmsError):
    """Raise from a ``pre_send`` receiver to cancel the send to that recipient.

    The recipient's log row is recorded as CANCELLED with ``reason``.
    """

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason or "Cancelled by a pre_send receiver.")
        self.reason = reason or "Cancelled by a pre_send receiver."


# -- provider errors --------------------------------------------------------------


class SmsSendError(TurkeySmsError):
    """A provider call did not succeed.

    ``code`` is the provider's ``TS-xxxx`` result code when there is one,
    ``message`` the provider's (or our) explanation, ``status_code`` the HTTP
    status, ``response_data`` the parsed body with secrets masked and ``body`` a
    truncated, masked copy of the raw body.
    """

    retry: Retry = Retry.PERMANENT
    default_message = "The SMS provider call failed."

    def __init__(
        self,
        message: str = "",
        *,
        code: str = "",
        status_code: int | None = None,
        response_data: Mapping[str, Any] | None = None,
        body: str = "",
    ) -> None:
        self.message = message or self.default_message
        self.code = code
        self.status_code = status_code
        self.response_data: Mapping[str, Any] = response_data or {}
        self.body = body
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.append(f"[{self.code}]")
        if self.status_code is not None:
            parts.append(f"(HTTP {self.status_code})")
        return " ".join(parts)


class ProviderError(SmsSendError):
    """The provider answered and refused the request with a failure code."""


class AuthenticationFailed(ProviderError):
    """The API key is missing, invalid or not allowed to do this (TS-1031, TS-1050)."""

    default_message = "The API key was rejected by TurkeySMS."


class SendingNotEnabled(AuthenticationFailed):
    """The API key may not send with this method (TS-1061 POST, TS-1062 GET)."""


class AccountInactive(ProviderError):
    """The TurkeySMS account is inactive (TS-1030)."""


class InsufficientBalance(ProviderError):
    """The account has no credit left for this message (TS-1027)."""


class SenderRejected(ProviderError):
    """The sender ID is empty, unknown or not active (TS-1028, TS-1029, TS-1051)."""


class InvalidRecipient(ProviderError, ValueError):
    """The provider refused the recipient number (TS-1025, TS-1034)."""


class InternationalNotAllowed(InvalidRecipient):
    """A non-Turkish number on an account without international SMS (TS-1032)."""


class RecipientUnreachable(InvalidRecipient):
    """The number did not receive the message or is out of coverage (TS-1022, TS-1023)."""


class InvalidRequest(ProviderError):
    """The provider found the request data wrong (TS-1026, TS-1033, TS-1052)."""


class InvalidSchedule(InvalidRequest):
    """A scheduled send had a missing, invalid or past date/time (TS-1070–TS-1072)."""


class UnknownResultCode(ProviderError):
    """A failure with a result code this package does not know."""


class ProviderUnavailable(SmsSendError):
    """The request never reached the provider, or was refused unprocessed.

    Connection refused, DNS and TLS failures, connect timeouts, HTTP 429 and 503.
    Safe to retry with backoff.
    """

    retry = Retry.TRANSIENT
    default_message = "TurkeySMS could not be reached; the request was not processed."


class RateLimited(ProviderUnavailable):
    """Too many messages in the last minute (TS-1060) or HTTP 429.

    ``retry_after`` is the wait in seconds the provider asked for, if any.
    """

    default_message = "TurkeySMS rate limit exceeded; retry later."

    def __init__(
        self, message: str = "", *, retry_after: float | None = None, **context: Any
    ) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class SendDeferred(SmsSendError):
    """The message was not sent, and no provider processed it: it is due again in
    ``retry_after`` seconds, without using up one of its ``MAX_ATTEMPTS``.

    Raised by the pacing of a backend with a ``rate`` (see :mod:`~.pacing`).
    """

    retry = Retry.TRANSIENT
    default_message = "The message waits for its turn under the backend's rate."

    def __init__(
        self, message: str = "", *, retry_after: float, **context: Any
    ) -> None:
        super().__init__(message, **context)
        self.retry_after = retry_after


class SlotTooFar(SendDeferred):
    """The next slot under the backend's rate is further away than
    ``PACING_MAX_WAIT``: the message goes back to the queue rather than holding a
    worker until then."""


class PacingUnavailable(SendDeferred):
    """The cache that keeps the backend's schedule failed: nothing is sent through
    a paced backend until it works (fail closed), the message waits."""


class RateLimitPaused(SendDeferred):
    """A paced backend's provider still answered "rate limit" (TS-1060, HTTP 429):
    every worker of the backend pauses, and this message waits for the pause."""


class DeliveryUncertain(SmsSendError):
    """The request may have been processed: the SMS may have been sent.

    Read timeouts, connections reset after the request was written and HTTP 5xx
    other than 503. Never retried automatically; reconcile through a status
    lookup when a provider id is known.
    """

    retry = Retry.AMBIGUOUS
    default_message = "No reliable answer from TurkeySMS; the SMS may have been sent."


class MalformedResponse(SmsSendError):
    """The answer was not a well-formed provider response.

    HTML pages, empty or truncated bodies, oversized bodies, unexpected ``result``
    values. The request reached the provider, so for a send this is ambiguous.
    ``body`` holds a truncated copy of what came back (secrets masked).
    """

    retry = Retry.AMBIGUOUS
    default_message = "TurkeySMS returned a response that could not be understood."


class MissingMessageId(MalformedResponse):
    """The provider accepted a message but returned no id for it.

    The SMS has most likely gone out, but its delivery can never be looked up or
    reconciled. Its log row becomes UNKNOWN: never re-sent automatically (that
    could send it twice), and listed for a person to check.
    """

    default_message = (
        "TurkeySMS accepted the message but returned no sms_id: it has probably "
        "been sent, but its delivery can never be looked up. Check with the "
        "recipient before sending it again."
    )


class RedirectRefused(SmsSendError):
    """The provider answered with a redirect; redirects are never followed.

    Following one could re-send a message or leave TLS; set ``base_url`` to the
    address the provider points at instead.
    """

    default_message = "TurkeySMS answered with a redirect, which is not followed."


class InsecureRedirect(RedirectRefused):
    """The redirect pointed at a plain ``http://`` URL."""

    default_message = "Refused a redirect to an insecure http:// URL."


class UnsupportedFeature(TurkeySmsError, NotImplementedError):
    """The backend or the account cannot do this (e.g. status lookups)."""


class FeatureNotEnabled(ProviderError, UnsupportedFeature):
    """The API key is not enabled for this lookup (TS-1063 status, TS-1065 balance)."""


class EndpointNotFound(ProviderError, UnsupportedFeature):
    """The provider answered HTTP 404 for this endpoint."""


# -- OTP ---------------------------------------------------------------------------


class PhoneNumberTaken(TurkeySmsError, PermissionDenied):
    """The number is another account's verified number: it is never moved.

    A ``PermissionDenied`` too, so that a face that does not catch it answers 403.
    """


class OtpThrottled(TurkeySmsError):
    """A code was not sent because a limit was hit; retry after ``retry_after`` s."""

    def __init__(self, message: str, *, retry_after: float, reason: str = "") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.reason = reason


class LimitsUnavailable(TurkeySmsError):
    """The cache behind the OTP limits failed; callers refuse (fail closed)."""


# -- configuration (deliberately outside TurkeySmsError) ----------------------------


class InvalidSmsBackend(ImproperlyConfigured):
    """A configured SMS backend cannot be imported or built."""

    def __init__(self, message: str, *, alias: str) -> None:
        super().__init__(f"SMS backend {alias!r}: {message}")
        self.alias = alias


class InvalidRate(InvalidSmsBackend, ValueError):
    """A backend's ``rate`` option is not a rate such as ``"600/m"``."""


class SmsBackendDoesNotExist(InvalidSmsBackend, KeyError):
    """No SMS backend is configured under this alias."""

    def __str__(self) -> str:
        # KeyError.__str__ would repr() the message; keep it readable.
        return str(self.args[0])
