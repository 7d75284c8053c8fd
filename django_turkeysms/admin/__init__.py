"""The Django admin of django-turkeysms: the send log with its compose page and
dashboard (:mod:`.send_log`, :mod:`.pages`), and the OTP tables (:mod:`.otp`).
Importing the package registers them, as Django's admin autodiscovery expects."""

from __future__ import annotations

from django_turkeysms.admin.otp import (
    OtpChallengeAdmin,
    OtpLockAdmin,
    VerifiedPhoneAdmin,
)
from django_turkeysms.admin.send_log import SmsLogAdmin

__all__ = ["OtpChallengeAdmin", "OtpLockAdmin", "SmsLogAdmin", "VerifiedPhoneAdmin"]
