"""An authentication backend: a verified phone number plus a correct code."""

from __future__ import annotations

import warnings
from typing import Any, cast

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from django_turkeysms import otp
from django_turkeysms.flows import RESULT_ATTRIBUTE
from django_turkeysms.models import VerifiedPhone

__all__ = ["RESULT_ATTRIBUTE", "PhoneOtpBackend"]


class PhoneOtpBackend(ModelBackend):
    """``authenticate(request, phone=..., otp_token=..., challenge=...)`` logs in the
    owner of a verified number.

    The code is checked with :func:`django_turkeysms.otp.verify_code` (purpose
    ``"login"``), which uses it up; ``challenge`` is the id the login flow kept in
    the session, so only the code sent for that session works. The outcome is left
    on the request as ``request.turkeysms_otp_result`` so the view can say what
    went wrong. The code is passed as ``otp_token`` because Django masks
    credentials named like secrets in the ``user_login_failed`` signal and
    ``code`` is not one of them.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        phone: str | None = None,
        otp_token: str | None = None,
        challenge: object = None,
        code: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if code is not None and otp_token is None:
            warnings.warn(
                "PhoneOtpBackend: pass the code as otp_token=, not code=: Django "
                "sends the credentials to user_login_failed receivers and masks "
                "only names like 'token'.",
                DeprecationWarning,
                stacklevel=2,
            )
            otp_token = code
        if phone is None or otp_token is None:
            return None
        result = otp.verify_code(
            phone, otp_token, purpose=otp.LOGIN, request=request, challenge=challenge
        )
        if request is not None:
            setattr(request, RESULT_ATTRIBUTE, result)
        if result is not otp.VerifyResult.OK:
            return None
        owner = VerifiedPhone.objects.owner(otp.normalize_phone(phone))
        # The stubs type this for Django's own User; any user model works.
        if owner is None or not self.user_can_authenticate(cast(Any, owner)):
            return None
        return owner
