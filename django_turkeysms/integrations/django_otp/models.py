"""``SmsDevice``: a django-otp device whose tokens are our OTP codes.

Tokens come from :func:`django_turkeysms.otp.send_code` and are checked by
:func:`django_turkeysms.otp.verify_code`: ``OTP_LENGTH`` random digits kept only
as a keyed hash, ``OTP_TTL`` seconds, single use, every OTP limit (per IP, per
account, per number, cooldown, budget, prefix guard, locks) and a send-log row
that says ``[redacted]``. A token works only in the session that asked for it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, TimestampMixin
from phonenumber_field.modelfields import PhoneNumberField

from django_turkeysms import otp
from django_turkeysms.exceptions import InvalidPhoneNumber, OtpThrottled
from django_turkeysms.flows import refusal
from django_turkeysms.integrations.middleware import current_request

#: The purpose of the devices' challenges.
PURPOSE = "otp-device"
#: Why a device's number gets no codes (OTP_ALLOWED_COUNTRIES changed since).
NUMBER_REFUSED = _("This phone number cannot receive codes here.")


class SmsDevice(TimestampMixin, Device):  # type: ignore[misc]
    """A phone that receives one-time tokens by SMS."""

    number = PhoneNumberField(_("phone number"))
    challenge = models.UUIDField(
        _("last challenge"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("SMS device")
        verbose_name_plural = _("SMS devices")

    def generate_challenge(self) -> str:
        """Send a new token; the answer says so, or says why not."""
        request = current_request()
        try:
            challenge = otp.send_code(
                self.number, purpose=PURPOSE, request=request, user=self.user
            )
        except OtpThrottled as refused:
            return refusal(refused)[1]
        except InvalidPhoneNumber:  # e.g. a country no longer allowed
            return str(NUMBER_REFUSED)
        self.challenge = challenge.pk
        self.save(update_fields=["challenge"])
        if request is not None and hasattr(request, "session"):
            request.session[self._session_key()] = str(challenge.pk)
        return gettext("sent by SMS")

    def verify_is_allowed(self) -> tuple[bool, dict[str, Any] | None]:
        """Not while the number is locked after too many wrong tokens, nor for a
        number that cannot have codes (a country no longer allowed)."""
        try:
            locked = otp.locked_until(self.number) is not None
        except InvalidPhoneNumber:
            return False, {"error_message": str(NUMBER_REFUSED)}
        if locked:
            return False, {"error_message": otp.VerifyResult.LOCKED.message}
        allowed: tuple[bool, dict[str, Any] | None] = super().verify_is_allowed()
        return allowed

    def verify_token(self, token: object) -> bool:
        """Whether ``token`` is the code of the challenge this session asked for
        (the device's last one when there is no request); it works once."""
        request = current_request()
        result = otp.verify_code(
            self.number,
            token,
            purpose=PURPOSE,
            request=request,
            challenge=self._challenge_for(request),
        )
        if result is not otp.VerifyResult.OK:
            return False
        self.set_last_used_timestamp(commit=True)
        return True

    def _challenge_for(self, request: HttpRequest | None) -> object:
        if request is not None and hasattr(request, "session"):
            # A session that did not ask matches no challenge.
            return request.session.get(self._session_key(), "")
        return self.challenge or ""

    def _session_key(self) -> str:
        return f"turkeysms_otp_device:{self.persistent_id}"
