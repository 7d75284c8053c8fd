"""An authentication backend: a verified phone number plus a correct code."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from django_turkeysms import otp
from django_turkeysms.models import VerifiedPhone

#: Where the backend leaves the outcome for the view (``request.<name>``).
RESULT_ATTRIBUTE = "turkeysms_otp_result"


class PhoneOtpBackend(ModelBackend):
    """``authenticate(request, phone=..., code=...)`` logs in the owner of a verified number.

    The code is checked with :func:`django_turkeysms.otp.verify_code` (purpose
    ``"login"``), which uses it up; the outcome is left on the request as
    ``request.turkeysms_otp_result`` so the view can say what went wrong.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        phone: str | None = None,
        code: str | None = None,
        **kwargs: Any,
    ) -> AbstractBaseUser | None:
        if phone is None or code is None:
            return None
        result = otp.verify_code(phone, code, purpose="login", request=request)
        if request is not None:
            setattr(request, RESULT_ATTRIBUTE, result)
        if result is not otp.VerifyResult.OK:
            return None
        owner = (
            VerifiedPhone.objects.filter(phone=otp.normalize_phone(phone))
            .select_related("user")
            .first()
        )
        if owner is None or not self.user_can_authenticate(owner.user):
            return None
        return owner.user
