"""Signals sent along a message's life.

* ``pre_send(sender=SmsMessage, message, recipient)`` – before any row is written;
  a receiver raises :class:`~django_turkeysms.exceptions.CancelSend` to cancel the
  send to ``recipient`` (E.164), which is then logged as CANCELLED.
* ``sms_sent(sender=SmsLog, log, result)`` – the provider accepted the message.
* ``sms_failed(sender=SmsLog, log, error)`` – the message ended FAILED or UNKNOWN.
* ``sms_status_changed(sender=SmsLog, log, old_status, new_status)`` – a status
  lookup moved the message (e.g. SENT → DELIVERED).
* ``otp_verified(sender=OtpChallenge, challenge, request)`` – a code was accepted.
* ``otp_locked(sender=OtpLock, lock)`` – a phone was locked after too many wrong
  codes (also logged at WARNING).
* ``phone_verified(sender=VerifiedPhone, user, phone, previous, request)`` – a user
  proved a number; ``previous`` lists the numbers it replaced.
"""

from __future__ import annotations

from django.dispatch import Signal

pre_send = Signal()
sms_sent = Signal()
sms_failed = Signal()
sms_status_changed = Signal()
otp_verified = Signal()
otp_locked = Signal()
phone_verified = Signal()
