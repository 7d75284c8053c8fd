"""django-two-factor-auth's SMS method, by TurkeySMS:
``TWO_FACTOR_SMS_GATEWAY = "django_turkeysms.integrations.two_factor.Gateway"``.

two-factor makes the token (a TOTP value of the ``PhoneDevice``'s key). The
gateway sends it through :func:`django_turkeysms.otp.send_code`: the OTP limits
apply, the token is kept only as a hash in ``OtpChallenge``, and the send log
says ``[redacted]``. The session remembers which challenge was sent to which
number, so :func:`check_token` judges a typed token against that challenge with
the OTP core, as every other face does: a miss counts towards the phone's lock,
a locked phone refuses, a right token works once and closes the challenge. The
views in :mod:`.two_factor_views` check the tokens this way; two-factor's own
views check them alone (check ``W014``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.utils.module_loading import import_string
from two_factor.utils import totp_digits

from django_turkeysms import otp
from django_turkeysms.exceptions import InvalidPhoneNumber, OtpThrottled
from django_turkeysms.flows import refusal
from django_turkeysms.integrations.middleware import current_request

logger = logging.getLogger(__name__)

#: The purpose of the challenges the gateway sends (its own cooldown, kept apart
#: from the codes of the login pages).
PURPOSE = "two-factor"
#: The session key, before ``:<number>``, of the challenge last sent to a number.
SESSION_KEY = "turkeysms_two_factor"


class Gateway:
    """Sends two-factor's SMS tokens. Phone calls are not offered: leave
    ``TWO_FACTOR_CALL_GATEWAY`` unset."""

    def send_sms(self, device: Any, token: object) -> None:
        """Send ``token`` to the device's number.

        A limit's refusal is not raised: two-factor asks for a token every time
        its page is shown, and an error there would be a server error. The
        token sent before stays valid; the user reads why nothing came. A number
        outside ``OTP_ALLOWED_COUNTRIES`` fails the setup wizard's send.
        """
        request = current_request()
        # Logging in is for a confirmed device; setting one up counts against
        # the per-account limits of whoever adds the number.
        setting_up = device.pk is None or not device.confirmed
        try:
            challenge = otp.send_code(
                device.number,
                purpose=PURPOSE,
                request=request,
                user=device.user if setting_up else None,
                code=str(token),
            )
        except OtpThrottled as refused:
            logger.info("two-factor SMS refused by the OTP limits (%s)", refused.reason)
            if request is not None:
                _seconds, message = refusal(refused)
                messages.error(request, message, fail_silently=True)
        except InvalidPhoneNumber as invalid:
            # The setup wizard reports a failed send itself; a login with a
            # number stored before the country policy changed says why instead.
            if setting_up:
                raise
            if request is not None:
                messages.error(request, str(invalid), fail_silently=True)
        else:
            _remember(request, challenge)


def check_token(
    device: Any, token: object, *, request: HttpRequest
) -> otp.VerifyResult:
    """Judge ``token``, typed for ``device``, by the OTP core against the
    challenge the gateway sent to the device's number in this session.

    A session the gateway sent nothing to matches no challenge. Tokens have
    ``TWO_FACTOR_TOTP_DIGITS`` digits, whatever ``OTP_LENGTH`` says.
    """
    return otp.verify_code(
        device.number,
        token,
        purpose=PURPOSE,
        request=request,
        challenge=_sent_challenge(request, device.number),
        length=totp_digits(),
    )


def sends(device: Any) -> bool:
    """Whether our gateway sends ``device``'s tokens (its SMS ones; calls and
    other gateways are two-factor's to check)."""
    if getattr(device, "method", None) != "sms":
        return False
    try:
        gateway = import_string(getattr(settings, "TWO_FACTOR_SMS_GATEWAY", "") or "")
    except ImportError:
        return False
    return isinstance(gateway, type) and issubclass(gateway, Gateway)


def _remember(request: HttpRequest | None, challenge: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[f"{SESSION_KEY}:{challenge.phone}"] = str(challenge.pk)


def _sent_challenge(request: HttpRequest, number: object) -> str:
    try:
        e164 = otp.normalize_phone(number)
    except InvalidPhoneNumber:
        return ""
    # "" matches no challenge.
    return str(request.session.get(f"{SESSION_KEY}:{e164}", ""))
