"""The TurkeySMS provider backend: a transport over :class:`TurkeySmsClient`."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.translation import gettext as _

from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.client import (
    DEFAULT_BASE_URL,
    OtpResponse,
    SendResponse,
    TurkeySmsClient,
)
from django_turkeysms.message import (
    AccountInfo,
    Balance,
    PreparedSms,
    SendResult,
    StatusResult,
)

METHODS = ("POST", "GET")


class SmsBackend(BaseSmsBackend):
    """Sends through the TurkeySMS HTTP API.

    Options: ``api_key`` (required), ``sender`` (the default sender ID, required),
    ``senders`` (optional list of the sender IDs registered on the account; other
    senders are refused before any call), ``base_url``, ``timeout`` (seconds) and
    ``method`` (``"POST"``, the default, or ``"GET"``). Connections are kept alive
    and pooled per thread, so consecutive sends reuse one connection.
    """

    options: ClassVar[dict[str, Any]] = {
        "api_key": BaseSmsBackend.REQUIRED,
        "sender": BaseSmsBackend.REQUIRED,
        "senders": None,
        "base_url": DEFAULT_BASE_URL,
        "timeout": 10.0,
        "method": "POST",
    }
    requires_sender = True
    supports_status_lookup = True
    supports_balance = True
    supports_provider_otp = True
    supports_account = True

    def __init__(self, *, alias: str = "default", **options: Any) -> None:
        super().__init__(alias=alias, **options)
        self.sender: str = self.config["sender"]
        self.senders: list[str] | None = self.config["senders"]
        self.method = str(self.config["method"]).upper()
        self.client = TurkeySmsClient(
            self.config["api_key"],
            base_url=self.config["base_url"],
            timeout=float(self.config["timeout"]),
        )

    def send(self, message: PreparedSms) -> SendResult:
        if self.method == "GET":
            response = self.client.send_via_get(
                title=message.sender,
                text=message.text,
                mobile=message.provider_to,
                lang=int(message.lang),
                content_type=message.content_type,
            )
        else:
            response = self.client.send(
                title=message.sender,
                text=message.text,
                sentto=message.provider_to,
                sms_lang=int(message.lang),
                content_type=message.content_type,
            )
        return _send_result(response)

    def send_otp(self, *, to: str, digits: int, lang: int) -> tuple[SendResult, str]:
        """Have the provider generate and send a code; returns (result, code)."""
        response = self.client.send_otp(
            mobile=to.removeprefix("+"), digits=digits, lang=lang
        )
        return _send_result(response), response.otp_code

    def get_status(self, provider_id: str) -> StatusResult:
        response = self.client.status(provider_id)
        return StatusResult(
            state=response.state,
            operator=response.operator,
            code=response.code,
            text=response.status_text,
            raw=response.raw,
        )

    def account(self) -> AccountInfo:
        response = self.client.authenticate()
        return AccountInfo(user_id=response.user_id, account_name=response.account_name)

    def get_balance(self) -> Balance:
        response = self.client.balance()
        return Balance(
            local_sms=response.local_sms, international_tl=response.international_tl
        )

    def check(self) -> list[CheckMessage]:
        messages: list[CheckMessage] = []
        if self.method not in METHODS:
            messages.append(
                Error(
                    _(
                        "SMS backend %(alias)r: method must be 'POST' or 'GET', not %(method)r."
                    )
                    % {"alias": self.alias, "method": self.method},
                    id="django_turkeysms.E007",
                )
            )
        if urlsplit(self.client.base_url).scheme != "https" and not settings.DEBUG:
            messages.append(
                Warning(
                    _("SMS backend %(alias)r talks to %(url)s over plain http.")
                    % {"alias": self.alias, "url": self.client.base_url},
                    hint=_(
                        "Use an https:// base_url outside development; the API key travels in every request."
                    ),
                    id="django_turkeysms.W004",
                )
            )
        return messages


def _send_result(response: SendResponse | OtpResponse) -> SendResult:
    return SendResult(
        provider_id=response.sms_id,
        credits=response.credits,
        code=response.code,
        message=response.message,
        country=response.country,
        raw=response.raw,
    )
