"""A user's verified phone number: attach a proven number, and tell the user.

Binding a new number is binding a new authenticator (NIST SP 800-63B-4 §4.6):
the number it replaces gets an SMS, the user's e-mail address (when there is one)
gets a message, and ``phone_verified`` is sent so projects can add their own.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from django_turkeysms import phone, sending
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import PhoneNumberTaken, TurkeySmsError
from django_turkeysms.models import PendingPhone, VerifiedPhone
from django_turkeysms.signals import phone_verified
from django_turkeysms.transactions import write_transaction

logger = logging.getLogger(__name__)


def attach(user: Any, e164: str, *, request: HttpRequest | None = None) -> list[str]:
    """Make ``e164`` the user's verified number; return the numbers it replaced.

    The caller has checked a code sent to ``e164``. Raises
    :class:`PhoneNumberTaken` when another account holds it — checked here, under
    the row's lock, since a check before the transaction could race (or miss an
    inactive account). A number the user gave unverified (:class:`PendingPhone`)
    is gone.
    """
    with write_transaction(VerifiedPhone):
        holder = (
            VerifiedPhone.objects.select_for_update()
            .filter(phone=e164)
            .values_list("user_id", flat=True)
            .first()
        )
        if holder is not None and holder != user.pk:
            raise PhoneNumberTaken(f"{phone.mask(e164)} is another account's number.")
        old = [
            str(row.phone)
            for row in VerifiedPhone.objects.select_for_update()
            .filter(user=user)
            .exclude(phone=e164)
        ]
        VerifiedPhone.objects.filter(user=user, phone__in=old).delete()
        VerifiedPhone.objects.update_or_create(
            phone=e164,
            defaults={"user": user, "verified_at": timezone.now(), "is_primary": True},
        )
        PendingPhone.objects.filter(user=user).delete()
    announce(user, e164, old, request=request)
    return old


def announce(
    user: Any, e164: str, previous: list[str], *, request: HttpRequest | None = None
) -> None:
    """Tell everyone concerned that ``e164`` is now the user's verified number:
    an SMS to each number it ``previous``-ly replaced, an e-mail to the user, and
    ``phone_verified``. For numbers kept outside :class:`VerifiedPhone` (a field of
    the project's own, through the allauth adapter), after storing them."""
    for number in previous:
        _tell_old_number(number, e164)
    _tell_by_email(user, e164, previous)
    phone_verified.send(
        sender=VerifiedPhone, user=user, phone=e164, previous=previous, request=request
    )


def _tell_old_number(old: str, new: str) -> None:
    """An SMS to the replaced number: its owner may not be the one who changed it."""
    context = {"new_phone": phone.mask(new)}
    text = render_to_string(
        "django_turkeysms/phone_changed_message.txt", context
    ).strip()
    try:
        sending.send_sms(text, old, backend=conf.OTP_BACKEND, sender=conf.OTP_SENDER)
    except TurkeySmsError:
        logger.exception("Could not tell %s that it was replaced", phone.mask(old))


def _tell_by_email(user: Any, e164: str, old: list[str]) -> None:
    """An e-mail to the user's address, if the user model has one and it is set."""
    address = getattr(user, user.get_email_field_name(), "") or ""
    if not address:
        return
    context = {
        "user": user,
        "phone": phone.mask(e164),
        "previous": [phone.mask(number) for number in old],
    }
    subject = render_to_string(
        "django_turkeysms/phone_changed_email_subject.txt", context
    )
    body = render_to_string("django_turkeysms/phone_changed_email.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [address])
    except (smtplib.SMTPException, OSError) as exc:
        logger.error(
            "Could not e-mail user %s about a new phone number: %s", user.pk, exc
        )
