"""Validation of an outgoing message: everything that can be checked without I/O.

Every problem raises a typed error here, before any log row is written or any
provider is called.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from django.utils import timezone

from django_turkeysms import phone
from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.conf import conf
from django_turkeysms.encoding import SegmentInfo, SmsLang, count_segments
from django_turkeysms.exceptions import (
    EmptyMessage,
    InvalidMessage,
    InvalidSender,
    MessageTooLong,
    MissingSender,
    TooManyRecipients,
)
from django_turkeysms.handler import sms_backends
from django_turkeysms.message import (
    CATEGORY_CONTENT_TYPES,
    LANGUAGE_CHOICES,
    Category,
    SmsMessage,
)
from django_turkeysms.tasks import supports_defer

# Alphanumeric sender IDs are limited to 11 characters by GSM 03.40; numeric ones
# (e.g. an 0850 number) may be longer.
_ALPHANUMERIC_SENDER = re.compile(r"^[A-Za-z0-9 .\-_&]{1,11}$")
_NUMERIC_SENDER = re.compile(r"^\+?[0-9]{3,16}$")


@dataclass(frozen=True)
class ValidatedMessage:
    """A message that passed every check, ready to be logged and sent."""

    message: SmsMessage
    recipients: dict[str, str]  # E.164 → ISO region, in the caller's order
    sender: str
    info: SegmentInfo
    content_type: int
    backend_alias: str
    send_at: datetime | None
    metadata: dict[str, Any]
    fingerprint: str

    @property
    def lang(self) -> SmsLang:
        return self.info.lang


def validate(message: SmsMessage, backend_alias: str) -> ValidatedMessage:
    """Validate ``message`` for the backend under ``backend_alias``."""
    backend = sms_backends[backend_alias]
    recipients = normalize_recipients(message.to)
    info = check_text(message.text, message.language)
    sender = check_sender(message.sender, backend)
    check_category(message.category)
    metadata = check_extras(message)
    return ValidatedMessage(
        message=message,
        recipients=recipients,
        sender=sender,
        info=info,
        content_type=CATEGORY_CONTENT_TYPES[message.category],
        backend_alias=backend_alias,
        send_at=check_send_at(message.send_at),
        metadata=metadata,
        fingerprint=fingerprint(message, recipients, sender),
    )


def normalize_recipients(to: object) -> dict[str, str]:
    """E.164 → region for ``to`` (one number or an iterable), duplicates dropped."""
    values = _as_list(to)
    if not values:
        raise TooManyRecipients("The message has no recipient.")
    if len(values) > conf.MAX_RECIPIENTS:
        raise TooManyRecipients(
            f"The message has {len(values)} recipients; the limit is "
            f"{conf.MAX_RECIPIENTS} (TURKEYSMS['MAX_RECIPIENTS'])."
        )
    recipients: dict[str, str] = {}
    for value in values:
        e164, region = normalize_recipient(value)
        recipients.setdefault(e164, region)
    return recipients


def normalize_recipient(value: object) -> tuple[str, str]:
    """(E.164, region) of one recipient; raises :class:`InvalidPhoneNumber` (or
    :class:`CountryNotAllowed`) saying what is wrong with it."""
    number = phone.parse_phone(value, region=conf.DEFAULT_REGION)
    phone.check_country(number, conf.ALLOWED_COUNTRIES)
    return phone.to_e164(number), phone.region_of(number)


def _as_list(to: object) -> list[object]:
    if isinstance(to, (str, phonenumbers.PhoneNumber)):
        return [to]
    if isinstance(to, Iterable) and not isinstance(to, (bytes, Mapping)):
        return list(to)
    return [to]


def check_text(text: object, language: str) -> SegmentInfo:
    """The encoding and segment count of ``text``; refuses empty or too long text."""
    if not isinstance(text, str):
        raise InvalidMessage(
            f"The message text must be a string, not {type(text).__name__}."
        )
    if not text.strip():
        raise EmptyMessage("The message text is empty.")
    _check_surrogates(text)
    if language not in LANGUAGE_CHOICES:
        choices = ", ".join(repr(name) for name in LANGUAGE_CHOICES)
        raise InvalidMessage(f"Unknown language {language!r}; use one of {choices}.")
    try:
        info = count_segments(text, LANGUAGE_CHOICES[language])
    except ValueError as exc:
        raise InvalidMessage(str(exc)) from exc
    if info.segments > conf.MAX_SEGMENTS:
        raise MessageTooLong(
            f"The text needs {info.segments} SMS segments ({info.characters} characters, "
            f"{info.lang.name}); the limit is {conf.MAX_SEGMENTS} (TURKEYSMS['MAX_SEGMENTS']).",
            segments=info.segments,
            max_segments=conf.MAX_SEGMENTS,
        )
    return info


def _check_surrogates(text: str) -> None:
    """A lone surrogate is no character: it cannot be sent as UTF-8 at all."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # only surrogates fail to encode
        raise InvalidMessage(
            f"The message text holds a lone surrogate (U+{ord(text[exc.start]):04X}) "
            f"at position {exc.start}; it is not a character and cannot be sent."
        ) from None


def check_sender(sender: str | None, backend: BaseSmsBackend) -> str:
    """The sender ID to use: the message's, else the backend's default."""
    chosen = sender if sender is not None else getattr(backend, "sender", "")
    if not isinstance(chosen, str):
        raise InvalidSender(
            f"The sender ID must be a string, not {type(chosen).__name__}."
        )
    chosen = chosen.strip()
    if not chosen:
        if backend.requires_sender:
            raise MissingSender(
                f"No sender ID: pass sender= or set OPTIONS['sender'] of backend {backend.alias!r}."
            )
        return ""
    if not (_ALPHANUMERIC_SENDER.match(chosen) or _NUMERIC_SENDER.match(chosen)):
        raise InvalidSender(
            f"Sender ID {chosen[:20]!r} is invalid: use up to 11 letters, digits or "
            "spaces, or a number of up to 16 digits."
        )
    registered = getattr(backend, "senders", None)
    if registered and chosen not in registered:
        raise InvalidSender(
            f"Sender ID {chosen!r} is not registered for backend {backend.alias!r} "
            f"(registered: {', '.join(registered)})."
        )
    return chosen


def check_category(category: str) -> None:
    if category not in CATEGORY_CONTENT_TYPES:
        raise InvalidMessage(
            f"Unknown category {category!r}; use one of {', '.join(Category.values)}."
        )


def check_send_at(send_at: datetime | None) -> datetime | None:
    """An aware ``send_at`` in the future, or None to send now."""
    if send_at is None:
        return None
    if not isinstance(send_at, datetime) or timezone.is_naive(send_at):
        raise InvalidMessage("send_at must be a timezone-aware datetime.")
    if send_at <= timezone.now():
        return None
    if not supports_defer():
        raise InvalidMessage(
            f"send_at needs a task backend that can defer tasks; TASKS[{conf.TASK_BACKEND!r}] "
            "cannot (use django-tasks-db or django-tasks-rq)."
        )
    return send_at


def check_extras(message: SmsMessage) -> dict[str, Any]:
    """Validate tag, metadata and idempotency key; return the metadata as a dict."""
    if not isinstance(message.tag, str) or len(message.tag) > 64:
        raise InvalidMessage("tag must be a string of at most 64 characters.")
    key = message.idempotency_key
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 128):
        raise InvalidMessage("idempotency_key must be a string of 1 to 128 characters.")
    metadata = dict(message.metadata or {})
    try:
        json.dumps(metadata)
    except (TypeError, ValueError) as exc:
        raise InvalidMessage(f"metadata must be JSON-serialisable: {exc}") from exc
    return metadata


def fingerprint(message: SmsMessage, recipients: Iterable[str], sender: str) -> str:
    """A digest of what is sent, to tell a retried call from a different message.

    An OTP text holds the code, and a digest of a 6-digit code is as good as the
    code itself, so OTP texts are left out.
    """
    text = "" if message.category == Category.OTP else message.text
    payload = json.dumps(
        [text, sorted(recipients), sender, message.category, message.language],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()
