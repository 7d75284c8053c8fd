"""One-time codes by SMS: generate, send, verify — hashed, single use, rate limited.

Rules (NIST SP 800-63B-4, OWASP ASVS 5; every number is a ``TURKEYSMS`` setting):

* codes of ``OTP_LENGTH`` digits from :mod:`secrets`, valid ``OTP_TTL`` seconds;
  only ``HMAC-SHA256(key derived from SECRET_KEY, challenge id ‖ code)`` is stored;
* at most ``OTP_MAX_ATTEMPTS`` wrong tries per challenge; ``OTP_MAX_FAILURES``
  consecutive failures across challenges lock the phone for ``OTP_LOCK_TIME``,
  each further lock since the last success twice as long, up to
  ``OTP_LOCK_MAX_TIME``; a resend never resets the count, only a success does;
* a resend (after ``OTP_RESEND_COOLDOWN``) makes a new code and the old one stops
  working; per-phone, per-IP, per-user limits, a daily budget, a country
  allow-list and the prefix guard against SMS pumping (:mod:`.limits`);
* a correct code is used up by one conditional UPDATE; anything else is judged
  under the challenge's row lock, where a miss is counted.

A request for an unknown number (a decoy: ``deliver=False``) moves every counter
exactly as a real send does, so no limit, refusal or ``retry_after`` tells the
two apart. Outcomes of :func:`verify_code` are :class:`VerifyResult` values;
refusals to send raise :class:`~django_turkeysms.exceptions.OtpThrottled`. The
code never appears in the log, in log records or in exception text.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import re
import secrets
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import F, Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from django_turkeysms import background, limits, otp_messages, phone
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import (
    InvalidPhoneNumber,
    LimitsUnavailable,
    OtpThrottled,
)
from django_turkeysms.message import SecretText
from django_turkeysms.models import OtpChallenge, OtpLock
from django_turkeysms.signals import otp_locked, otp_verified
from django_turkeysms.transactions import write_transaction
from django_turkeysms.validation import ValidatedMessage

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
#: The purpose of logging in by a number already verified. Its sends go only to
#: verified numbers (unknown ones get a decoy), so SMS pumping cannot use it: the
#: prefix guard neither counts nor blocks it — anyone could otherwise block
#: logins for a whole prefix by asking codes for unknown numbers in it.
LOGIN = "login"
#: How far back repeated locks make the next one longer (the bound's window).
LOCK_MEMORY = timedelta(days=30)
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
        "Too many wrong codes for this number. It is locked for a while; try again later."
    ),
}


# -- codes and hashes --------------------------------------------------------------------


def generate_code(length: int | None = None) -> SecretText:
    """A random numeric code; leading zeros kept."""
    digits = length or conf.OTP_LENGTH
    return SecretText(f"{secrets.randbelow(10**digits):0{digits}d}")


def hash_code(challenge_id: object, code: str) -> str:
    """The keyed hash stored for ``code`` (:meth:`OtpChallenge.hash_code`)."""
    return OtpChallenge.hash_code(challenge_id, code)


def normalize_code(value: object, *, length: int | None = None) -> SecretText | None:
    """The typed code as ASCII digits, or None if it cannot be a code.

    Full-width and Arabic-Indic digits become ASCII; spaces, dashes and dots are
    dropped. Anything else, or a length other than ``length`` (``OTP_LENGTH``
    unless given), is not a code.
    """
    if not isinstance(value, str) or len(value) > 64:
        return None
    digits = _SEPARATORS.sub("", phone.normalize_digits(value))
    expected = length or conf.OTP_LENGTH
    if len(digits) != expected or not digits.isascii() or not digits.isdigit():
        return None
    return SecretText(digits)


def normalize_phone(value: object) -> str:
    """E.164 for ``value`` under the OTP country policy."""
    return phone.normalize(
        value, region=conf.DEFAULT_REGION, allowed=conf.OTP_ALLOWED_COUNTRIES
    )


# -- sending ------------------------------------------------------------------------------


def send_code(
    phone_number: object,
    *,
    purpose: str,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | None = None,
    deliver: bool = True,
    code: str | None = None,
    tries: int = 0,
    now: datetime | None = None,
) -> OtpChallenge:
    """Send a new code to ``phone_number`` for ``purpose``; return the challenge.

    With ``deliver=False`` everything happens except the SMS: used for numbers
    that must not learn they are unknown, so both paths look the same. Purpose
    ``"login"`` is for numbers already verified (see :data:`LOGIN`).
    ``code`` sends a code made elsewhere (allauth's, a two-factor TOTP token)
    instead of a new one: it is hashed into the challenge like ours, and goes
    out as a local text even with ``OTP_MODE = "provider"``.
    ``tries``: for a code another library checks, the wrong tries it allows per
    code. Those guesses are never seen here, so they count in advance towards
    ``OTP_MAX_FAILURES``: a phone that one more code could take past it is
    locked, as after that many wrong codes, and the bound on wrong codes per
    phone holds. Pass it for that flow's decoys too, so both move alike.
    Raises ``InvalidPhoneNumber`` / ``CountryNotAllowed`` for bad numbers,
    ``ValueError`` for a given code that is not a short string, and
    ``OtpThrottled`` when a limit refuses.
    """
    given = _given_code(code)
    e164 = normalize_phone(phone_number)
    now = now or timezone.now()
    client = limits.client_of(request) if request is not None else None
    account = user if user is not None and user.is_authenticated else None
    with _limits_or_throttled():
        _check_requester(client, account)
        _check_not_locked(e164, now)
        _check_phone(e164, purpose)
    if tries:
        _reserve_tries(e164, tries, now)
    challenge, text_code = _issue(e164, purpose, client, account, now, given, tries)
    validated = otp_messages.validate_message(challenge, text_code)
    if deliver:
        _send(challenge, validated)
    return challenge


def _send(challenge: OtpChallenge, validated: ValidatedMessage) -> None:
    """Log and send now (``inline``), or from the background pool once the
    transaction commits and the response is finished."""
    job = partial(
        otp_messages.send, challenge, validated, otp_messages.transmit_for(challenge)
    )
    if conf.OTP_DELIVERY == "inline":
        challenge.sms_log = job()
    else:
        background.after_response(job)


def _given_code(code: object) -> SecretText | None:
    """A code made elsewhere, checked before anything is counted or written."""
    if code is None:
        return None
    if not isinstance(code, str) or not 0 < len(code) <= 32 or not code.isprintable():
        raise ValueError("The given OTP code must be a string of 1 to 32 characters.")
    return SecretText(code)


def _check_requester(
    client: limits.Client | None, account: AbstractBaseUser | None
) -> None:
    """The limits of whoever asks: per IP, and per account for logged-in users.

    An account may ask fewer codes than it takes to trip the prefix guard, so no
    single account or IP blocks a prefix or spends the daily budget.
    """
    if client is not None:
        _check_limit("send-ip", client.key, conf.OTP_IP_MAX_SENDS, conf.OTP_IP_WINDOW)
    if account is None:
        return
    window = conf.OTP_USER_WINDOW
    _check_limit("send-user", str(account.pk), conf.OTP_USER_MAX_SENDS, window)
    if client is not None:
        _check_limit("send-user-ip", client.key, conf.OTP_USER_IP_MAX_SENDS, window)


def _check_phone(e164: str, purpose: str) -> None:
    """The limits of the number: cooldown, sends per window, budget, prefix guard."""
    _start_cooldown(e164, purpose)
    _check_limit("send-phone", e164, conf.OTP_MAX_SENDS, conf.OTP_SEND_WINDOW)
    renews_in = limits.budget_exceeded()
    if renews_in is not None:
        raise _refused("budget", renews_in)
    if purpose != LOGIN:
        _check_prefix(e164)


def _issue(
    e164: str,
    purpose: str,
    client: limits.Client | None,
    account: AbstractBaseUser | None,
    now: datetime,
    given: SecretText | None = None,
    tries: int = 0,
) -> tuple[OtpChallenge, SecretText]:
    """Replace the open challenge with a new one, under the old one's row lock.

    A given code is always sent as a local text: only we know it."""
    with write_transaction(OtpChallenge):
        previous = (
            OtpChallenge.objects.active_for(e164, purpose).select_for_update().first()
        )
        if previous is not None:  # the old code stops working
            OtpChallenge.objects.filter(pk=previous.pk).update(expires_at=now)
        mode = OtpChallenge.Mode.LOCAL if given else OtpChallenge.Mode(conf.OTP_MODE)
        challenge = OtpChallenge(
            phone=e164,
            purpose=purpose,
            mode=mode,
            created_at=now,
            expires_at=now + timedelta(seconds=conf.OTP_TTL),
            last_sent_at=now,
            sends=(previous.sends if previous else 0) + 1,
            client_ip=client.ip if client else None,
            user=cast(Any, account),
            attempts=tries,  # counted in advance: checked elsewhere
        )
        code = given or generate_code()
        # A code the provider generates is hashed when it arrives.
        if challenge.mode == OtpChallenge.Mode.LOCAL:
            challenge.set_code(code)
        challenge.save()
    return challenge, code


def _start_cooldown(e164: str, purpose: str) -> None:
    """Atomically claim this phone's resend slot, or refuse with the time left."""
    wait = limits.claim_cooldown(f"{purpose}:{e164}", conf.OTP_RESEND_COOLDOWN)
    if wait is not None:
        raise OtpThrottled(
            str(_("Please wait before asking for another code.")),
            retry_after=max(wait, 1.0),
            reason="cooldown",
        )


def _check_prefix(e164: str) -> None:
    """Refuse a blocked prefix; count this send, which may block it."""
    blocked = limits.prefix_blocked(e164)
    if blocked:
        raise _refused("prefix", blocked)
    block = limits.record_prefix_send(e164)
    if block:
        logger.warning(
            "OTP sends to prefix %s blocked for %.0f s (SMS pumping?)",
            limits.prefix_of(e164),
            block,
        )
        raise _refused("prefix", block)


def _check_limit(name: str, key: str, limit: int, window: float) -> None:
    wait = limits.hit(name, key, limit=limit, window=window)
    if wait is not None:
        raise _refused(name, wait)


def _reserve_tries(e164: str, tries: int, now: datetime) -> None:
    """Lock the phone if the tries of one more code checked elsewhere could take
    its wrong codes past ``OTP_MAX_FAILURES``; refuse the send then."""
    with write_transaction(OtpChallenge):
        if consecutive_failures(e164) + tries <= conf.OTP_MAX_FAILURES:
            return
        lock = _lock(e164, now)
    raise _refused("locked", (lock.ends_at - now).total_seconds())


def _check_not_locked(e164: str, now: datetime) -> None:
    until = _lock_end(e164, now)
    if until is not None:
        raise _refused("locked", (until - now).total_seconds())


def _refused(reason: str, retry_after: float) -> OtpThrottled:
    return OtpThrottled(
        str(_("Too many codes were requested. Try again later.")),
        retry_after=max(retry_after, 1.0),
        reason=reason,
    )


@contextlib.contextmanager
def _limits_or_throttled() -> Iterator[None]:
    """A failing limits store refuses the send (fail closed; limits logs why)."""
    try:
        yield
    except LimitsUnavailable:
        raise _refused("unavailable", 60.0) from None


#: Password confirmations a user may try per window before being told to wait.
REAUTH_MAX_TRIES = 10
REAUTH_WINDOW = 900


def check_reauthentication_limit(user: AbstractBaseUser) -> None:
    """Count a password confirmation; refuse one past ``REAUTH_MAX_TRIES`` per
    ``REAUTH_WINDOW`` seconds, so a stolen session cannot guess the password."""
    with _limits_or_throttled():
        _check_limit("reauth", str(user.pk), REAUTH_MAX_TRIES, REAUTH_WINDOW)


# -- verifying ------------------------------------------------------------------------------


def verify_code(
    phone_number: object,
    code: object,
    *,
    purpose: str,
    request: HttpRequest | None = None,
    challenge: object = None,
    length: int | None = None,
    now: datetime | None = None,
) -> VerifyResult:
    """Check ``code`` for ``phone_number`` and ``purpose``; a correct code works once.

    ``challenge`` (the id :func:`send_code` returned, kept in the asker's session)
    binds the check to that challenge alone (ASVS 5.0 6.6.2); without it the
    newest open challenge of the number is checked. ``length``: the digits of a
    code made elsewhere and sent with ``send_code(code=...)`` (two-factor's
    tokens have ``TWO_FACTOR_TOTP_DIGITS``), instead of ``OTP_LENGTH``.
    """
    try:
        e164 = normalize_phone(phone_number)
    except InvalidPhoneNumber:
        return VerifyResult.NOT_FOUND
    digits = normalize_code(code, length=length)
    if digits is None:
        return VerifyResult.INVALID
    if request is not None and not _verify_allowed(request):
        return VerifyResult.TOO_MANY_ATTEMPTS
    target = (
        _as_uuid(challenge) if challenge is not None else _newest_open(e164, purpose)
    )
    if target is not None and _use_up(
        target, e164, purpose, digits, now or timezone.now()
    ):
        result = VerifyResult.OK
    else:
        result = _judge(e164, purpose, digits, target, now)
    if result is VerifyResult.OK:
        _verified(e164, purpose, request)
    return result


def _verify_allowed(request: HttpRequest) -> bool:
    key = limits.client_of(request).key
    try:
        return (
            limits.hit(
                "verify-ip",
                key,
                limit=conf.OTP_IP_MAX_VERIFIES,
                window=conf.OTP_IP_WINDOW,
            )
            is None
        )
    except LimitsUnavailable:
        return False


def _newest_open(e164: str, purpose: str) -> uuid.UUID | None:
    return (
        OtpChallenge.objects.active_for(e164, purpose)
        .values_list("pk", flat=True)
        .first()
    )


def _use_up(
    challenge_id: uuid.UUID, e164: str, purpose: str, digits: str, now: datetime
) -> bool:
    """The common case in one statement: a right code on an open challenge of an
    unlocked phone is marked used; False when anything else holds."""
    return OtpChallenge.objects.use_up(
        challenge_id,
        phone=e164,
        purpose=purpose,
        code=digits,
        now=now,
        max_attempts=conf.OTP_MAX_ATTEMPTS,
    )


def _as_uuid(value: object) -> uuid.UUID:
    """A challenge id as kept in a session; anything else matches no challenge."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.UUID(int=0)


def _judge(
    e164: str,
    purpose: str,
    digits: str,
    challenge_id: uuid.UUID | None,
    now: datetime | None,
) -> VerifyResult:
    """Why the code was not accepted, under the phone's row locks; count a miss."""
    with write_transaction(OtpChallenge):
        # Every recent unused challenge of the phone is locked, so two misses on
        # different purposes cannot both slip past the failure limit.
        recent = (now or timezone.now()) - timedelta(days=1)
        open_ones = {
            c.pk: c
            for c in OtpChallenge.objects.filter(
                phone=e164, verified_at__isnull=True, expires_at__gt=recent
            )
            .order_by("pk")
            .select_for_update()
        }
        # The time is read once the locks are held: a resend that committed while
        # this waited has expired the challenge at a time before it.
        now = now or timezone.now()
        if _lock_end(e164, now) is not None:
            return VerifyResult.LOCKED
        challenge = _target(open_ones, purpose, challenge_id)
        if challenge is None:
            return VerifyResult.NOT_FOUND
        if challenge.expires_at <= now:
            return VerifyResult.EXPIRED
        if challenge.attempts >= conf.OTP_MAX_ATTEMPTS:
            return VerifyResult.TOO_MANY_ATTEMPTS
        if challenge.code_matches(digits):  # a lock ended between the two steps
            OtpChallenge.objects.filter(pk=challenge.pk).update(verified_at=now)
            return VerifyResult.OK
        OtpChallenge.objects.filter(pk=challenge.pk).update(attempts=F("attempts") + 1)
        if consecutive_failures(e164) >= conf.OTP_MAX_FAILURES:
            _lock(e164, now)
            return VerifyResult.LOCKED
        return VerifyResult.INVALID


def _target(
    open_ones: dict[uuid.UUID, OtpChallenge],
    purpose: str,
    challenge_id: uuid.UUID | None,
) -> OtpChallenge | None:
    if challenge_id is not None:
        found = open_ones.get(challenge_id)
        return found if found is not None and found.purpose == purpose else None
    candidates = [c for c in open_ones.values() if c.purpose == purpose]
    return max(candidates, key=lambda c: c.created_at, default=None)


def record_verification(
    phone_number: object,
    *,
    purpose: str,
    request: HttpRequest | None = None,
    challenge: object = None,
    now: datetime | None = None,
) -> bool:
    """Close the newest open challenge of ``phone_number`` for ``purpose`` after
    the library that checks its code (allauth, two-factor) accepted that code;
    ``challenge`` (the id :func:`send_code` returned) closes that one alone, even
    after a newer code to the number expired it.

    Only for codes sent with ``send_code(code=...)``: the success resets the
    phone's failure count, counts for the prefix guard and sends
    ``otp_verified``, as a success through :func:`verify_code` does. Returns
    whether a challenge was open (never for a number that cannot have one).
    """
    try:
        e164 = normalize_phone(phone_number)
    except InvalidPhoneNumber:
        return False
    target = (
        _as_uuid(challenge) if challenge is not None else _newest_open(e164, purpose)
    )
    closed = (
        target is not None
        and OtpChallenge.objects.filter(
            pk=target, phone=e164, purpose=purpose, verified_at__isnull=True
        ).update(verified_at=now or timezone.now())
        == 1
    )
    if closed:
        _verified(e164, purpose, request)
    return closed


def _verified(e164: str, purpose: str, request: HttpRequest | None) -> None:
    if purpose != LOGIN:
        with contextlib.suppress(LimitsUnavailable):
            limits.record_prefix_verification(e164)
    if otp_verified.has_listeners(OtpChallenge):
        challenge = (
            OtpChallenge.objects.filter(phone=e164, purpose=purpose)
            .exclude(verified_at=None)
            .latest("verified_at")
        )
        otp_verified.send(sender=OtpChallenge, challenge=challenge, request=request)


# -- failures and locks ------------------------------------------------------------------


def consecutive_failures(e164: str) -> int:
    """Wrong codes for this phone since its last success or its last lock."""
    total: Any = _counting_challenges(e164).aggregate(total=Sum("attempts"))["total"]
    return int(total or 0)


def _counting_challenges(e164: str) -> QuerySet[OtpChallenge]:
    """The phone's challenges made after its last success and its last lock (open
    challenges are expired when a lock starts, so none spans one)."""
    challenges = OtpChallenge.objects.filter(phone=e164)
    since = max(
        filter(
            None,
            [
                challenges.aggregate(last=Max("verified_at"))["last"],
                OtpLock.objects.filter(phone=e164).aggregate(last=Max("created_at"))[
                    "last"
                ],
            ],
        ),
        default=EPOCH,
    )
    return challenges.filter(created_at__gt=since)


def locked_until(phone_number: object) -> datetime | None:
    """When the phone's lock ends, or None when it is not locked."""
    return _lock_end(normalize_phone(phone_number), timezone.now())


def _lock_end(e164: str, now: datetime) -> datetime | None:
    ends: datetime | None = (
        OtpLock.objects.active(now)
        .filter(phone=e164)
        .aggregate(until=Max("ends_at"))["until"]
    )
    return ends


def lock_duration(level: int) -> float:
    """Seconds the ``level``-th lock since the last success lasts."""
    return min(conf.OTP_LOCK_TIME * float(2 ** (level - 1)), conf.OTP_LOCK_MAX_TIME)


def _lock(e164: str, now: datetime) -> OtpLock:
    """Lock the phone, longer for each lock since its last success; expire its codes."""
    last_success = OtpChallenge.objects.filter(phone=e164).aggregate(
        last=Max("verified_at")
    )["last"]
    since = max(filter(None, [last_success, now - LOCK_MEMORY]))
    level = (
        1
        + OtpLock.objects.filter(
            phone=e164, created_at__gt=since, released=False
        ).count()
    )
    lock = OtpLock.objects.create(
        phone=e164,
        created_at=now,
        ends_at=now + timedelta(seconds=lock_duration(level)),
        level=level,
    )
    OtpChallenge.objects.filter(phone=e164, verified_at__isnull=True).update(
        expires_at=now
    )
    logger.warning(
        "OTP: %s locked until %s after %d wrong codes (lock %d since its last success)",
        phone.mask(e164),
        lock.ends_at.isoformat(timespec="seconds"),
        conf.OTP_MAX_FAILURES,
        level,
    )
    transaction.on_commit(lambda: otp_locked.send(sender=OtpLock, lock=lock))
    return lock


def unlock(phone_number: object) -> int:
    """End a phone's lock and clear its failure count (after the owner proved who
    they are); the next lock starts short again.

    Open challenges are expired so that no old code works. Returns the number of
    locks and challenges touched.
    """
    e164 = normalize_phone(phone_number)
    now = timezone.now()
    ended = OtpLock.objects.active(now).filter(phone=e164).update(ends_at=now)
    OtpLock.objects.filter(phone=e164).update(released=True)
    cleared = OtpChallenge.objects.filter(phone=e164, verified_at__isnull=True).update(
        attempts=0, expires_at=now
    )
    return ended + cleared


def guess_bound(days: float) -> int:
    """The most wrong codes one phone can take in ``days`` days under the current
    settings: ``OTP_MAX_FAILURES`` per unlocked spell, each lock since the last
    success twice as long as the one before, up to ``OTP_LOCK_MAX_TIME``."""
    window = days * 86_400
    elapsed, level, guesses = 0.0, 1, 0
    while elapsed < window:
        guesses += conf.OTP_MAX_FAILURES
        elapsed += max(lock_duration(level), 1.0)
        level += 1
    return guesses
