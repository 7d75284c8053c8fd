"""A typed client for the TurkeySMS v3 HTTP API.

One method per documented endpoint, each returning a frozen dataclass with typed
fields and the raw (secret-masked) mapping. Every failure is a
:class:`~django_turkeysms.exceptions.SmsSendError` subclass whose ``retry``
attribute says whether the request may be repeated.

The client knows HTTP and the provider's wire format, nothing of Django.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3

from . import redaction, transport, wire
from .exceptions import (
    AccountInactive,
    AuthenticationFailed,
    DeliveryUncertain,
    EndpointNotFound,
    FeatureNotEnabled,
    InsecureRedirect,
    InsufficientBalance,
    InternationalNotAllowed,
    InvalidRecipient,
    InvalidRequest,
    InvalidSchedule,
    MalformedResponse,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RecipientUnreachable,
    RedirectRefused,
    SenderRejected,
    SendingNotEnabled,
    SmsSendError,
    UnknownResultCode,
)
from .message import DeliveryState

logger = logging.getLogger(__name__)
transport.install_log_filter()

DEFAULT_BASE_URL = "https://turkeysms.com.tr"

#: Result codes that mean success on some endpoint (TS-1000 is V4's auth check).
SUCCESS_CODES = frozenset({"TS-1000", "TS-1024", "TS-1040", "TS-1046", "TS-1064"})

#: Every failure code of the documentation, mapped to its exception class.
RESULT_CODES: dict[str, type[SmsSendError]] = {
    "TS-1022": RecipientUnreachable,
    "TS-1023": RecipientUnreachable,
    "TS-1025": InvalidRecipient,
    "TS-1026": InvalidRequest,
    "TS-1027": InsufficientBalance,
    "TS-1028": SenderRejected,
    "TS-1029": SenderRejected,
    "TS-1030": AccountInactive,
    "TS-1031": AuthenticationFailed,
    "TS-1032": InternationalNotAllowed,
    "TS-1033": InvalidRequest,
    "TS-1034": InvalidRecipient,
    "TS-1050": AuthenticationFailed,
    "TS-1051": SenderRejected,
    "TS-1052": InvalidRequest,
    "TS-1060": RateLimited,
    "TS-1061": SendingNotEnabled,
    "TS-1062": SendingNotEnabled,
    "TS-1063": FeatureNotEnabled,
    "TS-1065": FeatureNotEnabled,
    "TS-1070": InvalidSchedule,
    "TS-1071": InvalidSchedule,
    "TS-1072": InvalidSchedule,
}

SMS_LANG_CHOICES = (0, 1, 2)
CONTENT_TYPE_CHOICES = (0, 1, 2)
OTP_DIGIT_CHOICES = (4, 5, 6)
# Turkey has kept UTC+3 all year since 2016; a fixed offset needs no tz database.
ISTANBUL = timezone(timedelta(hours=3), "Europe/Istanbul")


def error_for_code(code: str) -> type[SmsSendError]:
    """The exception class for a provider failure code (UnknownResultCode if unknown)."""
    return RESULT_CODES.get(code, UnknownResultCode)


_STATE_BY_CODE = {
    "TS-1024": DeliveryState.DELIVERED,
    "TS-1022": DeliveryState.UNDELIVERED,
    "TS-1023": DeliveryState.OUT_OF_COVERAGE,
    "TS-1064": DeliveryState.PENDING,
}


@dataclass(frozen=True, kw_only=True)
class ProviderResponse:
    """Fields every successful answer has."""

    code: str
    message: str
    raw: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class AuthResponse(ProviderResponse):
    user_id: str
    account_name: str


@dataclass(frozen=True, kw_only=True)
class SendResponse(ProviderResponse):
    sms_id: str
    credits: int | None
    sms_lang: str
    content_type: str
    country: str
    sent_last_minute: int | None


@dataclass(frozen=True, kw_only=True)
class OtpResponse(ProviderResponse):
    otp_code: str = field(repr=False)
    sms_id: str
    credits: int | None
    sms_lang: str
    country: str


@dataclass(frozen=True, kw_only=True)
class StatusResponse(ProviderResponse):
    sms_id: str
    state: DeliveryState
    status_text: str
    sender: str
    sent_at: datetime | None
    credits: int | None
    operator: str


@dataclass(frozen=True, kw_only=True)
class BalanceResponse(ProviderResponse):
    local_sms: int
    international_tl: Decimal


class TurkeySmsClient:
    """Calls the TurkeySMS v3 API over one keep-alive connection per thread.

    ``timeout`` bounds each connect and each read, ``deadline`` the whole call
    (default three times ``timeout``); ``max_response_bytes`` caps the body.
    Pass ``session`` to use your own :class:`requests.Session`.
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        deadline: float | None = None,
        max_response_bytes: int = 1 << 20,
        session: requests.Session | None = None,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("TurkeySmsClient needs a non-empty api_key.")
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}.")
        self._api_key = api_key.strip()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else 3 * timeout
        self.max_response_bytes = max_response_bytes
        self._session = session

    def __repr__(self) -> str:
        return f"TurkeySmsClient(base_url={self.base_url!r}, api_key='***')"

    @cached_property
    def _environment(self) -> tuple[dict[str, str], bool | str]:
        """Proxies and CA bundle from the environment, read at the first request."""
        return transport.environment_settings(self.base_url)

    # -- endpoints ------------------------------------------------------------------

    def authenticate(self) -> AuthResponse:
        """Check the API key (``/api/v3/authenticate/login``)."""
        data = self._call("POST", "/api/v3/authenticate/login", {"report": 1})
        return AuthResponse(
            **self._common(data),
            user_id=wire.as_text(data.get("user_id")),
            account_name=wire.as_text(data.get("account_name")),
        )

    def send(
        self,
        *,
        title: str,
        text: str,
        sentto: str,
        sms_lang: int = 2,
        content_type: int = 0,
        scheduled_at: datetime | None = None,
    ) -> SendResponse:
        """Send one SMS with POST ``/api/v3/gonder/add-content``."""
        _check_choice("sms_lang", sms_lang, SMS_LANG_CHOICES)
        _check_choice("content_type", content_type, CONTENT_TYPE_CHOICES)
        payload: dict[str, Any] = {
            "title": title,
            "text": text,
            "sentto": sentto,
            "report": 1,
            "sms_lang": sms_lang,
            "content_type": content_type,
        }
        payload.update(_schedule_fields(scheduled_at))
        data = self._call("POST", "/api/v3/gonder/add-content", payload)
        return _send_response(data, self._common(data))

    def send_via_get(
        self,
        *,
        title: str,
        text: str,
        mobile: str,
        lang: int = 2,
        content_type: int = 0,
    ) -> SendResponse:
        """Send one SMS with GET ``/api/v3/get/get.php``."""
        _check_choice("lang", lang, SMS_LANG_CHOICES)
        _check_choice("content_type", content_type, CONTENT_TYPE_CHOICES)
        params = {
            "title": title,
            "text": text,
            "mobile": mobile,
            "report": 1,
            "lang": lang,
            "content_type": content_type,
        }
        data = self._call("GET", "/api/v3/get/get.php", params)
        return _send_response(data, self._common(data))

    def send_otp(self, *, mobile: str, digits: int = 6, lang: int = 0) -> OtpResponse:
        """Have the provider generate and send a code (``/api/v3/otp/otp_get.php``)."""
        _check_choice("digits", digits, OTP_DIGIT_CHOICES)
        _check_choice("lang", lang, SMS_LANG_CHOICES)
        params = {"mobile": mobile, "digits": digits, "report": 1, "lang": lang}
        data = self._call("GET", "/api/v3/otp/otp_get.php", params)
        code = wire.as_otp_code(data.get("otp_code"), digits=digits)
        return OtpResponse(
            **self._common(data, code),
            otp_code=code,
            sms_id=wire.as_text(data.get("sms_id")),
            credits=wire.as_count(data.get("number_of_sms")),
            sms_lang=wire.as_text(data.get("sms_lang")),
            country=wire.as_text(data.get("country")),
        )

    def status(self, sms_id: str) -> StatusResponse:
        """Look up a sent message (``/api/v3/sms-durumu/sms_durumu.php``)."""
        sms_id = wire.as_text(sms_id)
        if not sms_id:
            raise ValueError("status() needs the sms_id of a sent message.")
        path = "/api/v3/sms-durumu/sms_durumu.php"
        data = self._call("GET", path, {"sms_id": sms_id}, status_lookup=True)
        return _status_response(sms_id, data, self._common(data))

    def balance(self) -> BalanceResponse:
        """Local SMS and international TL balance (``bakiye_sorgulama``)."""
        data = self._call("POST", "/api/v3/bakiye_sorgulama/add-content", {"report": 1})
        local = wire.as_count(data.get("local_balance_sms"))
        if local is None:
            raise MalformedResponse("The balance response has no local_balance_sms.")
        return BalanceResponse(
            **self._common(data),
            local_sms=local,
            international_tl=wire.as_decimal(data.get("international_balance_tl", 0)),
        )

    # -- request / response pipeline -----------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        *,
        status_lookup: bool = False,
    ) -> dict[str, Any]:
        params = {**params, "api_key": self._api_key, "response_type": "json"}
        started = time.monotonic()
        try:
            status, body = self._exchange(method, self.base_url + path, params, started)
            data = self._parse(status, body)
            self._raise_for_result(data, status, status_lookup=status_lookup)
        except SmsSendError as exc:
            redaction.scrub_chain(exc, (self._api_key,))
            raise
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> HTTP %s %s in %.0f ms",
                method,
                redaction.loggable_query(path, params),
                status,
                wire.as_text(data.get("result_code")),
                (time.monotonic() - started) * 1000,
            )
        return data

    def _exchange(
        self, method: str, url: str, params: dict[str, Any], started: float
    ) -> tuple[int, bytes]:
        response = self._request(method, url, params)
        if response.is_redirect:
            response.close()
            raise _redirect_error(response)
        if response.status_code == 429:
            response.close()
            raise RateLimited(
                "HTTP 429 Too Many Requests.",
                status_code=429,
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        body = self._read(response, started + self.deadline)
        return response.status_code, body

    def _request(
        self, method: str, url: str, params: dict[str, Any]
    ) -> requests.Response:
        session = self._session or transport.thread_session()
        prepared = transport.prepare(session, method, url, params)
        try:
            return self._send(session, prepared)
        except requests.RequestException as exc:
            error_class = transport.classify_transport_error(exc)
            message = transport.describe_transport_error(exc, url=url)
            raise error_class(message) from self._stand_in(exc)

    def _send(
        self, session: requests.Session, prepared: requests.PreparedRequest
    ) -> requests.Response:
        timeout = (min(self.timeout, 5.0), self.timeout)
        if self._session is not None:
            # A caller's session keeps its own proxies, verify and cert, merged
            # with the environment as requests itself does.
            options = session.merge_environment_settings(
                prepared.url, proxies={}, stream=True, verify=None, cert=None
            )
            return session.send(
                prepared, allow_redirects=False, timeout=timeout, **options
            )
        # Our own sessions go straight to their adapter: Session.send's hooks,
        # cookie jar and redirect bookkeeping are unused here (their cost: B1).
        proxies, verify = self._environment
        return session.get_adapter(prepared.url or "").send(
            prepared,
            timeout=timeout,
            proxies=proxies,
            verify=verify,
            cert=None,
            stream=True,
        )

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        try:
            body = transport.read_body(
                response, max_bytes=self.max_response_bytes, deadline=deadline
            )
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            OSError,
        ) as exc:
            response.close()
            message = "The connection broke while the response was read."
            raise DeliveryUncertain(message) from self._stand_in(exc)
        except SmsSendError:
            response.close()
            raise
        response.raw.release_conn()
        return body

    def _parse(self, status: int, body: bytes) -> dict[str, Any]:
        text = wire.decode_body(body)
        try:
            _raise_for_http_status(status, text)
            return wire.parse_body(text)
        except SmsSendError as exc:
            exc.status_code, exc.body = status, self._redact(text)[:500]
            raise

    def _raise_for_result(
        self, data: dict[str, Any], status: int, *, status_lookup: bool
    ) -> None:
        code = wire.as_text(data.get("result_code"))
        if "result" not in data:
            raise MalformedResponse(
                "The response has no 'result' field.", **self._context(data, status)
            )
        if wire.as_result(data["result"]) or (status_lookup and _has_status(data)):
            if code and code not in SUCCESS_CODES and not status_lookup:
                raise MalformedResponse(
                    "A successful result with an unexpected code.",
                    **self._context(data, status),
                )
            return
        message = self._common(data)["message"]
        raise error_for_code(code)(message, **self._context(data, status))

    def _context(self, data: Mapping[str, Any], status: int) -> dict[str, Any]:
        """An error's code, HTTP status and masked answer."""
        return {
            "code": wire.as_text(data.get("result_code")),
            "status_code": status,
            "response_data": self._common(data)["raw"],
        }

    def _common(self, data: Mapping[str, Any], *codes: str) -> dict[str, Any]:
        """Code, message and the masked answer; ``codes`` are masked wherever seen."""
        secrets = self._secrets(data, codes)
        message = wire.as_text(data.get("result_message"))
        raw: dict[str, Any] = redaction.mask_data(data, secrets)
        return {
            "code": wire.as_text(
                data.get("result_code") or data.get("sms_status_code")
            ),
            "message": redaction.mask_text(message, secrets),
            "raw": raw,
        }

    def _secrets(
        self, data: Mapping[str, Any] | None, codes: tuple[str, ...]
    ) -> set[str]:
        """The API key, the given codes and every secret field's value in ``data``."""
        found = redaction.secret_values(data) if data is not None else set()
        return {self._api_key, *codes, *found}

    def _redact(self, text: str) -> str:
        """Mask the API key and secret fields in text that may reach logs or errors."""
        return redaction.mask_text(text, (self._api_key,))

    def _stand_in(self, exc: BaseException) -> redaction.Redacted:
        return redaction.stand_in(exc, (self._api_key,))


def _check_choice(name: str, value: int, choices: tuple[int, ...]) -> None:
    if isinstance(value, bool) or value not in choices:
        allowed = ", ".join(str(choice) for choice in choices)
        raise ValueError(f"{name} must be one of {allowed}; got {value!r}.")


def _schedule_fields(scheduled_at: datetime | None) -> dict[str, Any]:
    if scheduled_at is None:
        return {}
    if scheduled_at.tzinfo is None:
        raise ValueError("scheduled_at must be timezone-aware.")
    local = scheduled_at.astimezone(ISTANBUL)
    return {
        "scheduled_sms": 1,
        "scheduled_date": local.strftime("%Y-%m-%d"),
        "scheduled_time": local.strftime("%H:%M"),
    }


def _raise_for_http_status(status: int, text: str) -> None:
    """Errors told by the HTTP status alone (the caller attaches the body)."""
    if status == 503:
        raise ProviderUnavailable("HTTP 503 Service Unavailable.")
    if status >= 500:
        raise DeliveryUncertain(f"HTTP {status} from TurkeySMS.")
    if status == 404:
        raise EndpointNotFound("This TurkeySMS endpoint does not exist (HTTP 404).")
    if status >= 300 and not text.lstrip().startswith(("{", "Array")):
        raise MalformedResponse(f"Unexpected HTTP {status}.")


def _redirect_error(response: requests.Response) -> RedirectRefused:
    target = response.headers.get("Location", "")
    if urlsplit(target).scheme == "http":
        return InsecureRedirect(status_code=response.status_code)
    return RedirectRefused(
        f"TurkeySMS redirected to {target[:100]!r}; set base_url to that address.",
        status_code=response.status_code,
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds from a numeric ``Retry-After`` header (HTTP dates are ignored)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds < 86400 else None


def _has_status(data: Mapping[str, Any]) -> bool:
    """Whether a status lookup's answer carries the message's status.

    Real traffic answers a lookup of an undelivered message with ``result`` false
    *and* the status fields: that is the message's status, not a failed lookup. A
    failed lookup (unknown id TS-1033, lookups not enabled TS-1063) has neither.
    """
    return bool(
        wire.as_text(data.get("sms_status_code"))
        or wire.as_text(data.get("sms_status"))
    )


def _send_response(data: Mapping[str, Any], common: dict[str, Any]) -> SendResponse:
    return SendResponse(
        **common,
        sms_id=wire.as_text(data.get("sms_id")),
        credits=wire.as_count(data.get("number_of_sms")),
        sms_lang=wire.as_text(data.get("sms_lang")),
        content_type=wire.as_text(data.get("content_type")),
        country=wire.as_text(data.get("country")),
        sent_last_minute=wire.as_count(data.get("total_has_sent_last_1_min")),
    )


def _status_response(
    sms_id: str, data: Mapping[str, Any], common: dict[str, Any]
) -> StatusResponse:
    status_text = wire.as_text(data.get("sms_status"))
    return StatusResponse(
        **common,
        sms_id=sms_id,
        state=_delivery_state(wire.as_text(data.get("sms_status_code")), status_text),
        status_text=status_text,
        sender=wire.as_text(data.get("sender_id")),
        sent_at=_sent_at(data),
        credits=wire.as_count(data.get("sms_balance")),
        operator=wire.as_text(data.get("operator")),
    )


def _delivery_state(code: str, text: str) -> DeliveryState:
    if code in _STATE_BY_CODE:
        return _STATE_BY_CODE[code]
    lowered = text.lower()
    if "coverage" in lowered:
        return DeliveryState.OUT_OF_COVERAGE
    if "not" in lowered:
        return DeliveryState.UNDELIVERED
    if "received" in lowered or "delivered" in lowered:
        return DeliveryState.DELIVERED
    return DeliveryState.UNKNOWN


def _sent_at(data: Mapping[str, Any]) -> datetime | None:
    stamp = f"{wire.as_text(data.get('date_of_sending'))} {wire.as_text(data.get('time_of_sending'))}"
    try:
        return datetime.strptime(stamp.strip(), "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=ISTANBUL
        )
    except ValueError:
        return None


__all__ = [
    "AuthResponse",
    "BalanceResponse",
    "DeliveryState",
    "OtpResponse",
    "ProviderError",
    "ProviderResponse",
    "SendResponse",
    "StatusResponse",
    "TurkeySmsClient",
    "error_for_code",
]
