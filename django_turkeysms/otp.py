"""One-time codes by SMS: generate, send, verify — hashed, single use, rate limited.

Rules (NIST SP 800-63B-4, OWASP ASVS 5; every number is a ``TURKEYSMS`` setting):

* codes of ``OTP_LENGTH`` (6) digits from :mod:`secrets`, valid ``OTP_TTL`` (300 s);
  only ``HMAC-SHA256(key derived from SECRET_KEY, challenge id ‖ code)`` is stored;
* at most ``OTP_MAX_ATTEMPTS`` (5) wrong tries per challenge, and at most
  ``OTP_MAX_FAILURES`` (100) consecutive failures per phone across challenges — a
  resend never resets that count, only a success does;
* a resend (after ``OTP_RESEND_COOLDOWN``, 60 s) makes a new code; the old one
  stops working; at most ``OTP_MAX_SENDS`` (5) sends per phone per
  ``OTP_SEND_WINDOW`` (600 s), plus per-IP limits, a daily budget, a country
  allow-list and the prefix guard against SMS pumping (:mod:`.limits`);
* verification locks the challenge row, compares in constant time after turning
  the input into ASCII digits, and marks it used in the same transaction.

Outcomes of :func:`verify_code` are :class:`VerifyResult` values; refusals to send
raise :class:`~django_turkeysms.exceptions.OtpThrottled` with ``retry_after``. The
code never appears in the log, in log records or in exception text.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import re
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import F, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from django_turkeysms import limits, otp_delivery, phone
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import InvalidPhoneNumber, OtpThrottled
from django_turkeysms.models import OtpChallenge

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)

_HASH_SALT = "django_turkeysms.otp"
EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
_SEPARATORS = re.compile(r"[\s\-.]+")


class VerifyResult(enum.Enum):
    """What happened to a code the user typed."""

    OK = "ok"
    INVALID = "invalid"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NOT_FOUND = "not_found"
    LOCKED = "locked"

    @property
    def message(self) -> str:
        """A message for the user (translated)."""
        return str(_MESSAGES[self])


_MESSAGES = {
    VerifyResult.OK: _("The code is correct."),
    VerifyResult.INVALID: _("That code is not correct. Check the SMS and try again."),
    VerifyResult.EXPIRED: _("That code has expired. Ask for a new one."),
    VerifyResult.TOO_MANY_ATTEMPTS: _(
        "Too many attempts. Ask for a new code, or try again later."
    ),
    VerifyResult.NOT_FOUND: _(
        "There is no code waiting for this number. Ask for a new one."
    ),
    VerifyResult.LOCKED: _(
        "This number is locked after too many wrong codes. Contact support."
    ),
}


# -- codes and hashes --------------------------------------------------------------------


def generate_code(length: int | None = None) -> str:
    """A random numeric code; leading zeros kept."""
    digits = length or conf.OTP_LENGTH
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def hash_code(challenge_id: object, code: str) -> str:
    """The keyed hash stored for ``code``; bound to its challenge."""
    value = f"{challenge_id}:{code}"
    return salted_hmac(_HASH_SALT, value, algorithm="sha256").hexdigest()


def normalize_code(value: object) -> str | None:
    """The typed code as ASCII digits, or None if it cannot be a code.

    Full-width and Arabic-Indic digits become ASCII; spaces, dashes and dots are
    dropped. Anything else, or the wrong length, is not a code.
    """
    if not isinstance(value, str) or len(value) > 64:
        return None
    digits = _SEPARATORS.sub("", phone.normalize_digits(value))
    if len(digits) != conf.OTP_LENGTH or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def code_matches(challenge: OtpChallenge, code: str) -> bool:
    if not challenge.code_hash:
        return False
    return constant_time_compare(challenge.code_hash, hash_code(challenge.pk, code))


# -- sending ------------------------------------------------------------------------------


def send_code(
    phone_number: object,
    *,
    purpose: str,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | None = None,
    deliver: bool = True,
    now: datetime | None = None,
) -> OtpChallenge:
    """Send a new code to ``phone_number`` for ``purpose``; return the challenge.

    With ``deliver=False`` everything happens except the SMS: used for numbers
    that must not learn they are unknown, so both paths look the same.
    Raises ``InvalidPhoneNumber`` / ``CountryNotAllowed`` for bad numbers and
    ``OtpThrottled`` when a limit refuses.
    """
    e164 = normalize_phone(phone_number)
    now = now or timezone.now()
    ip = limits.client_ip(request)
    with _limits_or_throttled():
        _check_ip_limit("send-ip", ip, conf.OTP_IP_MAX_SENDS)
        _check_not_locked(e164)
        challenge, text, log_id = _issue(
            e164, purpose, ip, user, deliver=deliver, now=now
        )
    if log_id is not None:
        otp_delivery.dispatch(challenge, log_id, text)
    return challenge


def normalize_phone(value: object) -> str:
    """E.164 for ``value`` under the OTP country policy."""
    return phone.normalize(
        value, region=conf.DEFAULT_REGION, allowed=conf.OTP_ALLOWED_COUNTRIES
    )


def _issue(
    e164: str,
    purpose: str,
    ip: str | None,
    user: AbstractBaseUser | None,
    *,
    deliver: bool,
    now: datetime,
) -> tuple[OtpChallenge, str, int | None]:
    """Replace the open challenge with a new one and log its SMS, under a row lock."""
    with transaction.atomic():
        previous = (
            OtpChallenge.objects.active_for(e164, purpose).select_for_update().first()
        )
        _start_cooldown(e164, purpose, now)
        _check_limit("send-phone", e164, conf.OTP_MAX_SENDS, conf.OTP_SEND_WINDOW)
        _check_budget_and_prefix(e164, record=deliver)
        if previous is not None:  # the old code stops working
            OtpChallenge.objects.filter(pk=previous.pk).update(expires_at=now)
        challenge = _new_challenge(e164, purpose, ip, user, now, previous=previous)
        code = generate_code()
        provider = conf.OTP_MODE == "provider" and deliver
        # A code the provider generates is hashed when it arrives; an undelivered
        # (decoy) code is hashed like any other and simply never sent.
        challenge.code_hash = "" if provider else hash_code(challenge.pk, code)
        text, log_id = _log_message(challenge, code, deliver=deliver)
        challenge.sms_log_id = log_id
        challenge.save()
    return challenge, text, log_id


def _new_challenge(
    e164: str,
    purpose: str,
    ip: str | None,
    user: AbstractBaseUser | None,
    now: datetime,
    *,
    previous: OtpChallenge | None,
) -> OtpChallenge:
    provider = conf.OTP_MODE == "provider"
    return OtpChallenge(
        phone=e164,
        purpose=purpose,
        mode=OtpChallenge.Mode.PROVIDER if provider else OtpChallenge.Mode.LOCAL,
        created_at=now,
        expires_at=now + timedelta(seconds=conf.OTP_TTL),
        last_sent_at=now,
        sends=(previous.sends if previous else 0) + 1,
        client_ip=ip,
        user=cast(Any, user) if user is not None and user.is_authenticated else None,
    )


def _start_cooldown(e164: str, purpose: str, now: datetime) -> None:
    """Atomically claim this phone's resend slot, or refuse with the time left."""
    wait = limits.claim_cooldown(f"{purpose}:{e164}", conf.OTP_RESEND_COOLDOWN)
    if wait is not None:
        raise OtpThrottled(
            str(_("Please wait before asking for another code.")),
            retry_after=max(wait, 1.0),
            reason="cooldown",
        )


def _log_message(
    challenge: OtpChallenge, code: str, *, deliver: bool
) -> tuple[str, int | None]:
    if deliver:
        return otp_delivery.log_message(challenge, code)
    otp_delivery.rehearse_message(challenge, code)
    return "", None


def _check_budget_and_prefix(e164: str, *, record: bool) -> None:
    """Refuse a blocked prefix or a spent budget; count the send when ``record``.

    A decoy (``record`` false) is refused exactly when a real send would be, so
    that an unknown number answers like a known one, but it counts towards
    neither (it does count towards the cooldown and the per-phone and per-IP
    limits, like a real send).
    """
    blocked = limits.prefix_blocked(e164)
    if blocked:
        raise _refused("prefix", blocked)
    if limits.budget_exceeded(count=record):
        raise _refused("budget", 3600.0)
    block = limits.record_prefix_send(e164, record=record)
    if block:
        logger.warning(
            "OTP sends to prefix %s blocked for %.0f s (SMS pumping?)",
            limits.prefix_of(e164),
            block,
        )
        raise _refused("prefix", block)


def _check_ip_limit(name: str, ip: str | None, limit: int) -> None:
    if ip is not None:
        _check_limit(name, ip, limit, conf.OTP_IP_WINDOW)


def _check_limit(name: str, key: str, limit: int, window: float) -> None:
    wait = limits.hit(name, key, limit=limit, window=window)
    if wait is not None:
        raise _refused(name, wait)


def _check_not_locked(e164: str) -> None:
    if consecutive_failures(e164) >= conf.OTP_MAX_FAILURES:
        raise _refused("locked", 86_400.0)


def _refused(reason: str, retry_after: float) -> OtpThrottled:
    return OtpThrottled(
        str(_("Too many codes were requested. Try again later.")),
        retry_after=max(retry_after, 1.0),
        reason=reason,
    )


@contextlib.contextmanager
def _limits_or_throttled() -> Iterator[None]:
    """A failing limits store refuses the send (fail closed)."""
    try:
        yield
    except limits.LimitsUnavailable:
        logger.error("OTP limits store unavailable; refusing to send")
        raise _refused("unavailable", 60.0) from None


# -- verifying ------------------------------------------------------------------------------


def verify_code(
    phone_number: object,
    code: object,
    *,
    purpose: str,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> VerifyResult:
    """Check ``code`` for ``phone_number`` and ``purpose``; a correct code works once."""
    try:
        e164 = normalize_phone(phone_number)
    except InvalidPhoneNumber:
        return VerifyResult.NOT_FOUND
    digits = normalize_code(code)
    if digits is None:
        return VerifyResult.INVALID
    try:
        _check_ip_limit(
            "verify-ip", limits.client_ip(request), conf.OTP_IP_MAX_VERIFIES
        )
    except (OtpThrottled, limits.LimitsUnavailable):
        return VerifyResult.TOO_MANY_ATTEMPTS
    result = _check_and_consume(e164, purpose, digits, now)
    if result is VerifyResult.OK:
        with contextlib.suppress(limits.LimitsUnavailable):
            limits.record_prefix_verification(e164)
    return result


def _check_and_consume(
    e164: str, purpose: str, digits: str, now: datetime | None
) -> VerifyResult:
    """Under the challenge's row lock: judge the code, count a miss or use it up.

    The phone's failure count comes with the challenge, in the same query.
    """
    with transaction.atomic():
        challenge = (
            OtpChallenge.objects.active_for(e164, purpose)
            .annotate(failures=_failure_total(e164))
            .select_for_update()
            .first()
        )
        if challenge is None:
            # Failures of another purpose lock this one too.
            if consecutive_failures(e164) >= conf.OTP_MAX_FAILURES:
                return VerifyResult.LOCKED
            return VerifyResult.NOT_FOUND
        if (cast("Any", challenge).failures or 0) >= conf.OTP_MAX_FAILURES:
            return VerifyResult.LOCKED
        # The time is read once the lock is held: a resend that committed while
        # this waited has expired the challenge at a time before it.
        now = now or timezone.now()
        if challenge.expires_at <= now:
            return VerifyResult.EXPIRED
        if challenge.attempts >= conf.OTP_MAX_ATTEMPTS:
            return VerifyResult.TOO_MANY_ATTEMPTS
        if code_matches(challenge, digits):
            OtpChallenge.objects.filter(pk=challenge.pk).update(verified_at=now)
            return VerifyResult.OK
        OtpChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
        return VerifyResult.INVALID


def consecutive_failures(e164: str) -> int:
    """Wrong codes for this phone since its last successful verification (one query)."""
    total: Any = _since_last_success(e164).aggregate(total=Sum("attempts"))["total"]
    return int(total or 0)


def _failure_total(e164: str) -> Subquery:
    """:func:`consecutive_failures` as a subquery of one value."""
    return Subquery(
        _since_last_success(e164)
        .order_by()
        .values("phone")
        .annotate(total=Sum("attempts"))
        .values("total")
    )


def _since_last_success(e164: str) -> QuerySet[OtpChallenge]:
    """The phone's challenges created after its last successful verification."""
    last_success = (
        OtpChallenge.objects.filter(phone=e164, verified_at__isnull=False)
        .order_by("-verified_at")
        .values("verified_at")[:1]
    )
    since = Coalesce(Subquery(last_success), Value(EPOCH))
    return OtpChallenge.objects.filter(phone=e164, created_at__gt=since)


def unlock(phone_number: object) -> int:
    """Clear a phone's failure count (after the owner proved who they are).

    Open challenges are expired so that no old code works. Returns the number of
    challenges touched.
    """
    e164 = normalize_phone(phone_number)
    now = timezone.now()
    return OtpChallenge.objects.filter(phone=e164, verified_at__isnull=True).update(
        attempts=0, expires_at=now
    )
