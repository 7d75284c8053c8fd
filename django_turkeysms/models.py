"""Data only: the send log and the OTP tables, with QuerySet helpers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, models
from django.utils import formats, timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from django_turkeysms.encoding import SmsLang
from django_turkeysms.message import Category, SmsStatus
from django_turkeysms.phone import mask

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

#: What the log stores instead of a body it must not keep.
REDACTED = "[redacted]"
#: Separates the OTP code hashes from every other use of SECRET_KEY.
OTP_HASH_SALT = "django_turkeysms.otp"


def _local(moment: datetime) -> datetime:
    """``moment`` in the current time zone (as stored when USE_TZ is off)."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


class SmsLogQuerySet(models.QuerySet["SmsLog"]):
    def due(self, now: datetime | None = None) -> SmsLogQuerySet:
        """QUEUED rows whose (re)try time and scheduled time have come."""
        now = now or timezone.now()
        return (
            self.filter(status=SmsStatus.QUEUED)
            .filter(
                models.Q(next_attempt_at__isnull=True)
                | models.Q(next_attempt_at__lte=now)
            )
            .exclude(send_at__gt=now)
        )

    def stuck_sending(
        self, older_than: timedelta, now: datetime | None = None
    ) -> SmsLogQuerySet:
        """Rows claimed for sending longer ago than ``older_than``."""
        cutoff = (now or timezone.now()) - older_than
        return self.filter(status=SmsStatus.SENDING, claimed_at__lt=cutoff)

    def awaiting_report(self) -> SmsLogQuerySet:
        """Sent rows with a provider id whose delivery is not settled yet."""
        return self.filter(status=SmsStatus.SENT).exclude(provider_id="")


class SmsLog(models.Model):
    """One message to one recipient, from QUEUED to its final status."""

    Status = SmsStatus
    Category = Category

    recipient = PhoneNumberField(_("recipient"), db_index=True)
    sender = models.CharField(_("sender ID"), max_length=16, blank=True)
    body = models.TextField(_("text"), blank=True)
    language = models.PositiveSmallIntegerField(
        _("encoding"),
        choices=[(lang.value, lang.name) for lang in SmsLang],
        default=SmsLang.GSM7,
    )
    segments = models.PositiveSmallIntegerField(_("segments"), default=1)
    credits = models.PositiveIntegerField(_("credits charged"), null=True, blank=True)
    category = models.CharField(
        _("category"),
        max_length=16,
        choices=Category.choices,
        default=Category.TRANSACTIONAL,
    )
    content_type = models.PositiveSmallIntegerField(
        _("provider content type"), default=0
    )
    backend = models.CharField(_("backend"), max_length=64, default="default")
    provider_id = models.CharField(
        _("provider id"), max_length=64, blank=True, db_index=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    result_code = models.CharField(_("result code"), max_length=32, blank=True)
    result_message = models.CharField(_("result message"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    operator = models.CharField(_("operator"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    send_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    batch = models.UUIDField(
        _("batch"), null=True, blank=True, editable=False, db_index=True
    )
    claim = models.UUIDField(_("claim"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    status_checked_at = models.DateTimeField(_("status checked"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    tag = models.CharField(_("tag"), max_length=64, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    provider_response = models.JSONField(
        _("provider response"), default=dict, blank=True
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, blank=True)
    fingerprint = models.CharField(
        _("payload fingerprint"), max_length=64, blank=True, editable=False
    )

    objects: ClassVar[SmsLogQuerySet] = SmsLogQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("SMS log entry")
        verbose_name_plural = _("SMS log entries")
        ordering = ["-created_at", "-id"]
        permissions = [("send_sms", _("Can send SMS from the admin"))]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="turkeysms_log_created"),
            models.Index(
                fields=["recipient", "category", "-created_at"],
                name="turkeysms_log_recipient",
            ),
            models.Index(fields=["status", "-created_at"], name="turkeysms_log_status"),
            models.Index(
                fields=["category", "-created_at"], name="turkeysms_log_category"
            ),
            models.Index(
                fields=["status", "next_attempt_at"], name="turkeysms_log_due"
            ),
            models.Index(fields=["claim"], name="turkeysms_log_claim"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key", "recipient"],
                condition=~models.Q(idempotency_key=""),
                name="turkeysms_log_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return gettext("SMS #%(id)s to %(phone)s (%(status)s)") % {
            "id": self.pk,
            "phone": mask(self.recipient),
            "status": self.get_status_display(),
        }


class DailyRollup(models.Model):
    """Messages and credits of one day and one status of the send log.

    What the dashboard reads instead of grouping a month of the log. The days
    are dates in ``TIME_ZONE``. Every write of the package keeps these rows
    exact, in the transaction that changes the log
    (:mod:`django_turkeysms.rollups`); ``turkeysms_rollups --rebuild`` counts
    them again from the log after writes made around the package.
    """

    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=16, choices=SmsStatus.choices)
    messages = models.BigIntegerField(_("messages"), default=0)
    credits = models.BigIntegerField(_("credits charged"), default=0)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        ordering = ["day", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "status"], name="turkeysms_rollup_day_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.status}: {self.messages}"


class SmsDashboardLink(SmsLog):
    """The dashboard's entry in the admin index (the index lists models only)."""

    class Meta:
        proxy = True
        default_permissions = ()  # the log's own permissions decide
        verbose_name = _("SMS dashboard")
        verbose_name_plural = _("SMS dashboard")


class SendSmsLink(SmsLog):
    """The "Send SMS" page's entry in the admin index."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("Send SMS")
        verbose_name_plural = _("Send SMS")


class OtpChallengeQuerySet(models.QuerySet["OtpChallenge"]):
    def use_up(
        self,
        challenge_id: uuid.UUID,
        *,
        phone: str,
        purpose: str,
        code: str,
        now: datetime,
        max_attempts: int,
    ) -> bool:
        """Mark the challenge used if ``code`` is its code, it is open, unexpired
        and has tries left, and its phone is not locked; whether it was.

        One statement, the common case of a code check. Written in SQL because
        the ORM builds and compiles this UPDATE (with its NOT EXISTS on the lock
        table) anew on every check, which costs more than running it. The hash is
        compared in SQL, not in constant time: the hash is keyed, so how much of it
        matches a guess's hash tells nothing about the code.
        """
        connection = connections[self.db]

        def value(name: str, given: object) -> Any:
            return _db_value(OtpChallenge, name, given, connection)

        params = [
            value("verified_at", now),
            value("id", challenge_id),
            phone,  # E.164 already, as stored: the phone field would parse it again
            value("purpose", purpose),
            value("expires_at", now),
            value("attempts", max_attempts),
            value("code_hash", OtpChallenge.hash_code(challenge_id, code)),
            phone,
            _db_value(OtpLock, "ends_at", now, connection),
        ]
        with connection.cursor() as cursor:
            cursor.execute(_use_up_sql(connection), params)
            return bool(cursor.rowcount == 1)

    def active_for(self, phone: str, purpose: str) -> OtpChallengeQuerySet:
        """Unverified challenges for ``phone`` and ``purpose``, newest first."""
        return self.filter(
            phone=phone, purpose=purpose, verified_at__isnull=True
        ).order_by("-created_at")

    def expired(self, now: datetime | None = None) -> OtpChallengeQuerySet:
        return self.filter(expires_at__lt=now or timezone.now())


def _db_value(
    model: type[models.Model], name: str, value: object, connection: Any
) -> Any:
    field: Any = model._meta.get_field(name)
    return field.get_db_prep_value(value, connection, prepared=False)


def _use_up_sql(connection: Any) -> str:
    """:meth:`OtpChallengeQuerySet.use_up`'s statement, with the backend's quoting."""
    quote = connection.ops.quote_name
    challenge, lock = OtpChallenge._meta, OtpLock._meta
    column = {f.name: quote(f.column) for f in challenge.concrete_fields}
    lock_column = {f.name: quote(f.column) for f in lock.concrete_fields}
    lock_table = quote(lock.db_table)
    # Identifiers quoted by the backend; every value is a parameter.
    return (
        f"UPDATE {quote(challenge.db_table)} SET {column['verified_at']} = %s "  # noqa: S608
        f"WHERE {column['id']} = %s AND {column['phone']} = %s "
        f"AND {column['purpose']} = %s AND {column['verified_at']} IS NULL "
        f"AND {column['expires_at']} > %s AND {column['attempts']} < %s "
        f"AND {column['code_hash']} = %s AND NOT EXISTS (SELECT 1 FROM {lock_table} "
        f"WHERE {lock_table}.{lock_column['phone']} = %s "
        f"AND {lock_table}.{lock_column['ends_at']} > %s)"
    )


class OtpChallenge(models.Model):
    """One code sent to one phone for one purpose; only its keyed hash is stored."""

    class Mode(models.TextChoices):
        LOCAL = "local", _("Generated here")
        PROVIDER = "provider", _("Generated by the provider")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    phone = PhoneNumberField(_("phone number"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=32)
    code_hash = models.CharField(
        _("code hash"), max_length=64, blank=True, editable=False
    )
    mode = models.CharField(
        _("mode"), max_length=16, choices=Mode.choices, default=Mode.LOCAL
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    sends = models.PositiveSmallIntegerField(_("codes sent"), default=0)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    sms_log = models.ForeignKey(
        SmsLog,
        verbose_name=_("SMS"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = OtpChallengeQuerySet.as_manager()

    class Meta:
        verbose_name = _("OTP challenge")
        verbose_name_plural = _("OTP challenges")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["phone", "purpose", "-created_at"], name="turkeysms_otp_active"
            ),
            models.Index(fields=["expires_at"], name="turkeysms_otp_expires"),
        ]

    def __str__(self) -> str:
        return gettext("Code for %(phone)s (%(purpose)s)") % {
            "phone": mask(self.phone),
            "purpose": self.purpose,
        }

    @staticmethod
    def hash_code(challenge_id: object, code: str) -> str:
        """The keyed hash stored for ``code``, bound to its challenge (HMAC-SHA256
        under a key derived from ``SECRET_KEY``)."""
        value = f"{challenge_id}:{code}"
        return salted_hmac(OTP_HASH_SALT, value, algorithm="sha256").hexdigest()

    def set_code(self, code: str) -> None:
        """Keep only the hash of ``code``."""
        self.code_hash = self.hash_code(self.pk, code)

    def code_matches(self, code: str) -> bool:
        """Whether ``code`` is this challenge's code (constant-time)."""
        if not self.code_hash:
            return False
        return constant_time_compare(self.code_hash, self.hash_code(self.pk, code))


class OtpLockQuerySet(models.QuerySet["OtpLock"]):
    def active(self, now: datetime | None = None) -> OtpLockQuerySet:
        """Locks that have not ended yet."""
        return self.filter(ends_at__gt=now or timezone.now())


class OtpLock(models.Model):
    """A phone refused codes for a while after too many wrong ones.

    Locks end on their own; each lock since the phone's last success lasts twice
    as long as the one before, up to ``OTP_LOCK_MAX_TIME``. An admin action or
    ``otp.unlock()`` ends it sooner and marks it ``released``, which also resets
    the escalation.
    """

    phone = PhoneNumberField(_("phone number"))
    created_at = models.DateTimeField(_("locked at"), default=timezone.now)
    ends_at = models.DateTimeField(_("locked until"))
    level = models.PositiveSmallIntegerField(_("lock number"), default=1)
    released = models.BooleanField(_("ended by hand"), default=False)

    objects = OtpLockQuerySet.as_manager()

    class Meta:
        verbose_name = _("locked phone number")
        verbose_name_plural = _("locked phone numbers")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["phone", "-ends_at"], name="turkeysms_otp_lock"),
        ]

    def __str__(self) -> str:
        return gettext("%(phone)s until %(time)s") % {
            "phone": mask(self.phone),
            "time": formats.date_format(_local(self.ends_at), "SHORT_DATETIME_FORMAT"),
        }


class VerifiedPhoneQuerySet(models.QuerySet["VerifiedPhone"]):
    def owner(self, phone: str) -> AbstractBaseUser | None:
        """The user who verified ``phone`` (E.164), or None.

        One statement written in SQL: a login looks the user up after every right
        code, and building and compiling the ORM's join costs more than running it.
        """
        user_model: Any = get_user_model()
        connection: Any = connections[self.db]
        quote = connection.ops.quote_name
        users, phones = user_model._meta, VerifiedPhone._meta
        columns = {f.name: quote(f.column) for f in phones.concrete_fields}
        # Identifiers quoted by the backend; the number is a parameter.
        query = (
            f"SELECT u.* FROM {quote(users.db_table)} u "  # noqa: S608
            f"JOIN {quote(phones.db_table)} v "
            f"ON v.{columns['user']} = u.{quote(users.pk.column)} "
            f"WHERE v.{columns['phone']} = %s"
        )
        found = user_model._default_manager.using(self.db).raw(query, [phone])
        return next(iter(found), None)


class VerifiedPhone(models.Model):
    """A phone number a user has proven they receive SMS on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="verified_phones",
    )
    phone = PhoneNumberField(_("phone number"), unique=True)
    verified_at = models.DateTimeField(_("verified"), default=timezone.now)
    is_primary = models.BooleanField(_("primary"), default=True)

    objects = VerifiedPhoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("verified phone number")
        verbose_name_plural = _("verified phone numbers")
        ordering = ["-verified_at"]

    def __str__(self) -> str:
        return str(self.phone)


class PendingPhone(models.Model):
    """A number a user gave but has not proven yet: django-allauth asks for it at
    sign-up and checks it afterwards. It logs nobody in; a code sent to it makes
    it a :class:`VerifiedPhone`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="pending_phone",
    )
    phone = PhoneNumberField(_("phone number"))
    created_at = models.DateTimeField(_("given"), default=timezone.now)

    class Meta:
        verbose_name = _("unverified phone number")
        verbose_name_plural = _("unverified phone numbers")

    def __str__(self) -> str:
        return mask(self.phone)
