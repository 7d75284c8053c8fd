"""The two OTP flows, shared by their faces: the pages (:mod:`.views`) and the JSON
API (:mod:`.api.views`).

**Login** sends a code to a number that belongs to an active user, and the same
work without the SMS to any other number (a decoy), so nothing tells the two
apart; a right code logs the session in through ``PhoneOtpBackend``.
**Verification** sends a code to a number a logged-in user wants to add, and a
right code attaches the number to the user (:func:`.phones.attach`).

Each flow keeps in the session which challenge it sent, to which number and when,
never in a URL or a request body: a code is checked against that challenge only
(ASVS 5.0 6.6.2). Adding or changing a number needs a login within
``OTP_REAUTH_WINDOW``, checked by the faces at every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth import authenticate, login
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext

from django_turkeysms import otp, phones
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import OtpThrottled, PhoneNumberTaken
from django_turkeysms.models import OtpChallenge, VerifiedPhone

LOGIN_SESSION_KEY = "turkeysms_login"
VERIFY_SESSION_KEY = "turkeysms_verify"
#: The purpose of the codes that prove a number a logged-in user adds.
VERIFY = "verify"

#: Where :class:`~django_turkeysms.auth.PhoneOtpBackend` leaves the outcome of a
#: code check for the view (``request.<name>``).
RESULT_ATTRIBUTE = "turkeysms_otp_result"
#: When the session last logged in or re-authenticated (a timestamp).
AUTH_TIME_SESSION_KEY = "turkeysms_auth_time"


def known_number(e164: str) -> bool:
    """Whether ``e164`` logs in an active user."""
    return VerifiedPhone.objects.filter(phone=e164, user__is_active=True).exists()


def send_login_code(request: HttpRequest, e164: str) -> OtpChallenge:
    """Send a code if the number belongs to an active user; otherwise do the same
    work without the SMS."""
    return otp.send_code(
        e164, purpose=otp.LOGIN, request=request, deliver=known_number(e164)
    )


def send_verify_code(request: HttpRequest, e164: str) -> OtpChallenge:
    """Send a code to a number the logged-in user wants to add."""
    user: Any = request.user  # the faces require a login for this flow
    return otp.send_code(e164, purpose=VERIFY, request=request, user=user)


@dataclass(frozen=True)
class Flow:
    """One flow's state in the session: started, resent, pending, finished."""

    session_key: str
    send: Callable[[HttpRequest, str], OtpChallenge]

    def start(self, request: HttpRequest, e164: str, **extra: Any) -> OtpChallenge:
        """Send a code to ``e164`` and remember, in the session, which challenge
        it was. Raises ``OtpThrottled`` when a limit refuses."""
        challenge = self.send(request, e164)
        request.session[self.session_key] = {
            "phone": str(challenge.phone),
            "challenge": str(challenge.pk),
            "sent_at": timezone.now().timestamp(),
            **extra,
        }
        return challenge

    def pending(self, request: HttpRequest) -> dict[str, Any] | None:
        """The flow's state, or None when no code was sent in this session (or the
        state predates binding codes to their challenge)."""
        state = request.session.get(self.session_key)
        if not isinstance(state, dict) or not {"phone", "challenge"} <= set(state):
            return None
        return state

    def resend(self, request: HttpRequest, state: dict[str, Any]) -> OtpChallenge:
        """A new code to the pending number; the old one stops working."""
        challenge = self.send(request, state["phone"])
        state.update(challenge=str(challenge.pk), sent_at=timezone.now().timestamp())
        request.session[self.session_key] = state
        return challenge

    def finish(self, request: HttpRequest) -> None:
        request.session.pop(self.session_key, None)


login_flow = Flow(LOGIN_SESSION_KEY, send_login_code)
verify_flow = Flow(VERIFY_SESSION_KEY, send_verify_code)


def resend_wait(state: dict[str, Any]) -> int:
    """Seconds until a resend may be asked for (from the session)."""
    elapsed = timezone.now().timestamp() - float(state.get("sent_at", 0))
    return max(int(conf.OTP_RESEND_COOLDOWN - elapsed + 0.999), 0)


def refusal(error: OtpThrottled) -> tuple[int, str]:
    """Whole seconds to wait after a refused send, and the message that says so."""
    seconds = int(error.retry_after + 0.999)
    message = ngettext(
        "Too many requests. Try again in %(seconds)d second.",
        "Too many requests. Try again in %(seconds)d seconds.",
        seconds,
    ) % {"seconds": seconds}
    return seconds, message


def recently_authenticated(request: HttpRequest) -> bool:
    """Whether the session logged in (or re-authenticated) within OTP_REAUTH_WINDOW."""
    logged_in_at = float(request.session.get(AUTH_TIME_SESSION_KEY, 0))
    return timezone.now().timestamp() - logged_in_at <= conf.OTP_REAUTH_WINDOW


@dataclass(frozen=True)
class Confirmation:
    """What a typed code did: the check's result, the user it logged in, or a
    number another account holds."""

    result: otp.VerifyResult
    user: Any = None
    taken: bool = False

    @property
    def ok(self) -> bool:
        return self.result is otp.VerifyResult.OK and not self.taken


def confirm_login(
    request: HttpRequest, state: dict[str, Any], code: str
) -> Confirmation:
    """Check the code of the pending login; log the session in (a new session key)
    when it is right.

    Using up the code and logging in (new session key, ``last_login``) commit
    together: a login that fails leaves the code unused, and one commit replaces
    four.
    """
    with transaction.atomic():
        user = authenticate(
            request, phone=state["phone"], otp_token=code, challenge=state["challenge"]
        )
        if user is None:
            result = getattr(request, RESULT_ATTRIBUTE, None)
            # A right code for a user who cannot log in (deactivated meanwhile).
            if result in (None, otp.VerifyResult.OK):
                result = otp.VerifyResult.INVALID
            return Confirmation(result)
        login(request, user)
        login_flow.finish(request)  # the number and next need not outlive it
    return Confirmation(otp.VerifyResult.OK, user=user)


def confirm_verification(
    request: HttpRequest, state: dict[str, Any], code: str
) -> Confirmation:
    """Check the code of the pending verification; attach the number to the user
    unless another account holds it."""
    e164, user = state["phone"], cast(Any, request.user)
    result = otp.verify_code(
        e164, code, purpose=VERIFY, request=request, challenge=state["challenge"]
    )
    if result is not otp.VerifyResult.OK:
        return Confirmation(result)
    try:
        phones.attach(user, e164, request=request)
    except PhoneNumberTaken:
        return Confirmation(result, taken=True)
    verify_flow.finish(request)
    request.session.cycle_key()
    return Confirmation(result, user=user)
