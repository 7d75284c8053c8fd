"""django-two-factor-auth's SMS method, by TurkeySMS:
``TWO_FACTOR_SMS_GATEWAY = "django_turkeysms.integrations.two_factor.Gateway"``.

two-factor makes the token (a TOTP value of the ``PhoneDevice``'s key) and checks
it, with django-otp's throttling. The gateway sends it through
:func:`django_turkeysms.otp.send_code`: the OTP limits apply, the token is kept
only as a hash in ``OtpChallenge``, and the send log says ``[redacted]``. The
successes two-factor reports (a login's second step, a confirmed setup) close
the challenge, so the prefix guard sees them as it sees ours.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.db.models.signals import post_save
from two_factor import signals

from django_turkeysms import otp
from django_turkeysms.exceptions import InvalidPhoneNumber, OtpThrottled
from django_turkeysms.flows import refusal
from django_turkeysms.integrations.middleware import current_request

logger = logging.getLogger(__name__)

#: The purpose of the challenges the gateway sends (its own cooldown, kept apart
#: from the codes of the login pages).
PURPOSE = "two-factor"


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
            otp.send_code(
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


def connect() -> None:
    """Listen to two-factor's successes (``TurkeySmsConfig.ready()`` calls this
    when two-factor's phone plugin is installed)."""
    signals.user_verified.connect(
        user_verified, dispatch_uid="turkeysms_two_factor_verified"
    )
    post_save.connect(
        device_saved,
        sender="phonenumber.PhoneDevice",
        dispatch_uid="turkeysms_two_factor_device",
    )


def user_verified(
    sender: object, *, request: Any, user: Any, device: Any, **kwargs: Any
) -> None:
    """two-factor's ``user_verified``: a login's second step succeeded."""
    if getattr(device, "method", None) == "sms":
        otp.record_verification(device.number, purpose=PURPOSE, request=request)


def device_saved(
    sender: object, *, instance: Any, created: bool, **kwargs: Any
) -> None:
    """A ``PhoneDevice`` saved confirmed: the setup wizard accepted its token."""
    if created and instance.confirmed and instance.method == "sms":
        otp.record_verification(
            instance.number, purpose=PURPOSE, request=current_request()
        )
