"""django-allauth's phone login and verification, by TurkeySMS.

``ACCOUNT_ADAPTER = "django_turkeysms.integrations.allauth.AccountAdapter"``, or
put :class:`PhoneAdapterMixin` in front of the adapter a project already has.

allauth runs the flows; the adapter stores the numbers and sends the codes
through :func:`django_turkeysms.otp.send_code`, so every code meets the OTP limits
(per IP, per account, per number, cooldown, daily budget, prefix guard, locks),
is kept only as a hash in ``OtpChallenge``, and reaches the send log as
``[redacted]``. With ``ACCOUNT_FORMS`` naming :class:`ConfirmLoginCodeForm` and
:class:`VerifyPhoneForm`, our challenge judges the typed SMS codes (counted under
its row lock); allauth still keeps its own copy of the code in the session: see
``docs/allauth.md`` for what that means.

Numbers live in :class:`~django_turkeysms.models.VerifiedPhone` once proven (and
:class:`~django_turkeysms.models.PendingPhone` before), or in fields of the
user model when :attr:`PhoneAdapterMixin.phone_field` names one.
"""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account import forms as allauth_forms
from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.internal.flows.reauthentication import (
    did_recently_reauthenticate,
)
from allauth.core.exceptions import ImmediateHttpResponse, ReauthenticationRequired
from allauth.core.ratelimit import respond_429
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.module_loading import import_string

from django_turkeysms import flows, otp, phones
from django_turkeysms.exceptions import InvalidPhoneNumber, OtpThrottled
from django_turkeysms.forms import PhoneNumberForm
from django_turkeysms.models import OtpChallenge, PendingPhone, VerifiedPhone

#: Where the adapter keeps, per purpose, the challenge of the last SMS code it
#: sent for allauth (real or decoy): the forms check typed codes against it only.
SESSION_KEY = "turkeysms_allauth"
#: allauth's ``ACCOUNT_FORMS`` keys for the forms whose codes our challenge judges.
FORM_KEYS = {otp.LOGIN: "confirm_login_code", flows.VERIFY: "verify_phone"}


class PhoneAdapterMixin:
    """allauth's phone hooks, implemented with django-turkeysms.

    To keep numbers in the user model instead of ``VerifiedPhone``, name its
    fields: ``phone_field`` (the number) and ``phone_verified_field`` (a
    boolean). Only verified numbers of active users log in.
    """

    #: A field of the user model that holds the number, or None for VerifiedPhone.
    phone_field: str | None = None
    #: A boolean field of the user model that says the number is verified.
    phone_verified_field: str | None = None

    request: HttpRequest | None

    # -- the form field ----------------------------------------------------------

    def phone_form_field(self, **kwargs: Any) -> Any:
        """allauth's field without its ``+`` rule: ``0532 123 45 67`` is read
        under ``PHONENUMBER_DEFAULT_REGION``, as on our pages."""
        kwargs.setdefault("validators", [])
        return super().phone_form_field(**kwargs)  # type: ignore[misc]

    def clean_phone(self, phone: str) -> str:
        """E.164 under the OTP country policy, with the pages' messages."""
        form = PhoneNumberForm(data={"phone": phone})
        if not form.is_valid():
            raise form.errors.as_data()["phone"][0]
        e164: str = super().clean_phone(form.cleaned_data["phone"])  # type: ignore[misc]
        return e164

    # -- where numbers are kept ---------------------------------------------------

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        if self.phone_field:
            number = getattr(user, self.phone_field, None)
            return (str(number), self._field_verified(user)) if number else None
        verified = (
            VerifiedPhone.objects.filter(user_id=user.pk)
            .order_by("-is_primary", "-verified_at")
            .first()
        )
        if verified is not None:
            return str(verified.phone), True
        pending = PendingPhone.objects.filter(user_id=user.pk).first()
        return (str(pending.phone), False) if pending is not None else None

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:  # noqa: FBT001 - allauth's signature
        e164 = otp.normalize_phone(phone)
        if verified:
            self._store_verified(user, e164)
        elif self.phone_field:
            self._store_fields(user, e164, verified=False)
        else:
            PendingPhone.objects.update_or_create(
                user_id=user.pk, defaults={"phone": e164}
            )

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        """A code sent to ``phone`` was accepted: close its challenge (the one
        sent to this session; a success ends the count of wrong codes and counts
        for the prefix guard). A new number is stored as verified, and announced;
        a logged-in user changing its number must have logged in recently.

        allauth also calls this after accepting a login or re-authentication
        code sent to the user's verified number: then the number stays as it is.
        """
        e164 = otp.normalize_phone(phone)
        if self._verified_number_of(user, e164):
            self._close(e164, otp.LOGIN)
            return
        self.check_change_allowed(user, e164)
        self._store_verified(user, e164)
        self._close(e164, flows.VERIFY)

    def _close(self, e164: str, purpose: str) -> None:
        """Record allauth's success on the challenge this session was sent (our
        form may have closed it already)."""
        sent = self._sent(purpose)
        if sent is not None and _same_number(e164, sent):
            otp.record_verification(
                e164, purpose=purpose, request=self.request, challenge=sent["challenge"]
            )

    def check_code(self, code: str, *, purpose: str, phone: str | None = None) -> None:
        """Judge a typed SMS code against the challenge this session was sent for
        ``purpose`` (and ``phone``); raise ``ValidationError`` unless it is right.

        The check and the count of a wrong code are one step under the
        challenge's row lock, so parallel requests with one session cookie get
        ``OTP_MAX_ATTEMPTS`` tries per code between them, and wrong codes lock the
        phone as on every other face.
        """
        sent = self._sent(purpose)
        if sent is None or (phone is not None and not _same_number(phone, sent)):
            result = otp.VerifyResult.NOT_FOUND
        else:
            result = otp.verify_code(
                sent["phone"],
                code,
                purpose=purpose,
                request=self.request,
                challenge=sent["challenge"],
            )
        if result is not otp.VerifyResult.OK:
            raise ValidationError(result.message, code=result.value)

    def sent_this_code(self, expected: str) -> bool:
        """Whether allauth's pending login code is the one the adapter sent by SMS
        (or the decoy it made in its place), not an e-mail code."""
        sent = self._sent(otp.LOGIN)
        if sent is None:
            return False
        if sent.get("decoy"):
            return not expected  # allauth makes no code for an unknown number
        challenge = OtpChallenge.objects.filter(pk=sent["challenge"]).first()
        return challenge is not None and challenge.code_matches(expected)

    def _sent(self, purpose: str) -> dict[str, Any] | None:
        session = getattr(self.request, "session", None)
        records = session.get(SESSION_KEY) if session is not None else None
        sent = records.get(purpose) if isinstance(records, dict) else None
        return sent if isinstance(sent, dict) else None

    def _remember(self, challenge: OtpChallenge, *, decoy: bool) -> None:
        session = getattr(self.request, "session", None)
        if session is None:
            return
        records = dict(session.get(SESSION_KEY) or {})
        records[challenge.purpose] = {
            "phone": str(challenge.phone),
            "challenge": str(challenge.pk),
            "decoy": decoy,
        }
        session[SESSION_KEY] = records

    def check_change_allowed(self, user: AbstractBaseUser | None, phone: str) -> None:
        """Raise allauth's ``ReauthenticationRequired`` when the logged-in ``user``
        would change its number without a recent login. A new account's first
        number (sign-up: nobody logged in yet) and its own number pass."""
        if user is None or self._logged_in(user) is None:
            return
        if not self._verified_number_of(user, phone):
            self._require_recent_authentication()

    def _require_recent_authentication(self) -> None:
        """Changing a number needs a login within ``OTP_REAUTH_WINDOW`` (as on our
        pages and API) or a recent allauth re-authentication; otherwise allauth
        asks the user to re-authenticate (its page, or 401 for headless)."""
        request = self.request
        if request is None:
            return
        # allauth has no public "re-authenticated recently" yet; its own flows call this.
        if flows.recently_authenticated(request) or did_recently_reauthenticate(
            request
        ):
            return
        raise ReauthenticationRequired

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        """The active user whose *verified* number this is; a number only given
        at sign-up logs nobody in, nor blocks someone else's sign-up."""
        try:
            e164 = otp.normalize_phone(phone)
        except InvalidPhoneNumber:
            return None
        if not self.phone_field:
            owner = (
                VerifiedPhone.objects.filter(phone=e164, user__is_active=True)
                .select_related("user")
                .first()
            )
            return owner.user if owner is not None else None
        lookup: dict[str, Any] = {self.phone_field: e164, "is_active": True}
        if self.phone_verified_field:
            lookup[self.phone_verified_field] = True
        user: AbstractBaseUser | None = (
            get_user_model()._default_manager.filter(**lookup).first()
        )
        return user

    def held_by_another(self, user: AbstractBaseUser | None, phone: str) -> bool:
        """Whether another account, active or not, holds ``phone`` verified: such
        a number is never moved (``get_user_by_phone`` sees active users only)."""
        e164 = otp.normalize_phone(phone)
        others: Any
        if not self.phone_field:
            others = VerifiedPhone.objects.filter(phone=e164)
            return bool(others.exclude(user_id=getattr(user, "pk", None)).exists())
        lookup: dict[str, Any] = {self.phone_field: e164}
        if self.phone_verified_field:
            lookup[self.phone_verified_field] = True
        others = get_user_model()._default_manager.filter(**lookup)
        return bool(others.exclude(pk=getattr(user, "pk", None)).exists())

    def _field_verified(self, user: AbstractBaseUser) -> bool:
        field = self.phone_verified_field
        return bool(getattr(user, field, False)) if field else False

    def _store_fields(
        self, user: AbstractBaseUser, e164: str, *, verified: bool
    ) -> str:
        """Keep the number in the user's fields; return the one it replaced."""
        assert self.phone_field  # noqa: S101 - only called in field mode
        previous = str(getattr(user, self.phone_field, "") or "")
        setattr(user, self.phone_field, e164)
        fields = [self.phone_field]
        if self.phone_verified_field:
            setattr(user, self.phone_verified_field, verified)
            fields.append(self.phone_verified_field)
        user.save(update_fields=fields)
        return previous

    def _store_verified(self, user: AbstractBaseUser, e164: str) -> None:
        """Make ``e164`` the user's verified number and announce it (an SMS to the
        number it replaces, an e-mail, ``phone_verified``)."""
        if self.held_by_another(user, e164):
            raise PermissionDenied("This number belongs to another account.")
        if not self.phone_field:
            phones.attach(user, e164, request=self.request)
            return
        was_verified = self._field_verified(user)
        previous = self._store_fields(user, e164, verified=True)
        replaced = [previous] if previous and previous != e164 and was_verified else []
        phones.announce(user, e164, replaced, request=self.request)

    # -- codes ------------------------------------------------------------------------

    def generate_phone_verification_code(
        self, *, user: AbstractBaseUser, phone: str
    ) -> str:
        """Our codes: ``OTP_LENGTH`` digits from :mod:`secrets`."""
        return otp.generate_code()

    def send_verification_code_sms(
        self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any
    ) -> None:
        """A code to log in with (to the user's verified number) or to prove a
        number (any other), through the OTP send path."""
        if self._verified_number_of(user, phone):
            again = bool(kwargs.get("reauthentication"))
            tries = self._unseen_tries(otp.LOGIN, reauthentication=again)
            self._send(phone, purpose=otp.LOGIN, code=code, tries=tries)
        else:
            self.check_change_allowed(user, phone)
            self._send(
                phone,
                purpose=flows.VERIFY,
                user=self._logged_in(user),
                code=code,
                tries=self._unseen_tries(flows.VERIFY),
            )

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        """No SMS to a number without an account (a stranger's, or SMS pumping):
        a decoy that does the same work and moves the same counters as a real
        login code, so the answers and limits do not tell the two apart."""
        self._send(
            phone, purpose=otp.LOGIN, deliver=False, tries=self._unseen_tries(otp.LOGIN)
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        """No SMS either when a sign-up gives a number another account holds: the
        same decoy as a sign-up's verification code."""
        self._send(
            phone,
            purpose=flows.VERIFY,
            deliver=False,
            tries=self._unseen_tries(flows.VERIFY),
        )

    def _unseen_tries(self, purpose: str, *, reauthentication: bool = False) -> int:
        """The wrong codes allauth takes per code that we never see, counted in
        advance towards the phone's lock: none when our form judges them. Codes
        of allauth's re-authentication and of its headless API are checked by
        allauth's own forms and inputs, whatever ``ACCOUNT_FORMS`` says."""
        headless = getattr(getattr(self.request, "allauth", None), "headless", None)
        if _judged_here(purpose) and not reauthentication and headless is None:
            return 0
        if purpose == otp.LOGIN:
            return int(allauth_settings.LOGIN_BY_CODE_MAX_ATTEMPTS)
        return int(allauth_settings.PHONE_VERIFICATION_MAX_ATTEMPTS)

    def _verified_number_of(self, user: AbstractBaseUser, phone: str) -> bool:
        stored = self.get_phone(user)
        if stored is None or not stored[1]:
            return False
        try:
            return otp.normalize_phone(phone) == stored[0]
        except InvalidPhoneNumber:
            return False

    def _logged_in(self, user: AbstractBaseUser) -> AbstractBaseUser | None:
        """``user`` when it is the one logged in (its per-account limits apply);
        None during sign-up, as for the decoy of a number already taken."""
        current = getattr(self.request, "user", None)
        if current is not None and current.is_authenticated and current.pk == user.pk:
            return user
        return None

    def _send(
        self,
        phone: str,
        *,
        purpose: str,
        user: AbstractBaseUser | None = None,
        code: str | None = None,
        deliver: bool = True,
        tries: int = 0,
    ) -> None:
        """Send through the OTP path and remember the challenge in the session.
        A limit's refusal answers 429 (allauth's page,
        or its JSON for headless clients) with ``Retry-After``; a number outside
        the policy (stored before it changed) 400. Outside a request, both raise."""
        try:
            challenge = otp.send_code(
                phone,
                purpose=purpose,
                request=self.request,
                user=user,
                code=code,
                deliver=deliver,
                tries=tries,
            )
        except (OtpThrottled, InvalidPhoneNumber) as refused:
            if self.request is None:
                raise
            raise ImmediateHttpResponse(self._refusal(refused)) from None
        self._remember(challenge, decoy=not deliver)

    def _refusal(self, refused: OtpThrottled | InvalidPhoneNumber) -> HttpResponse:
        if isinstance(refused, InvalidPhoneNumber):
            return HttpResponseBadRequest(str(refused))
        seconds, _message = flows.refusal(refused)
        response: HttpResponse = respond_429(self.request)
        response["Retry-After"] = str(seconds)
        return response


class AccountAdapter(PhoneAdapterMixin, DefaultAccountAdapter):  # type: ignore[misc]
    """allauth's default adapter with phone numbers and SMS by TurkeySMS."""


class ConfirmLoginCodeForm(allauth_forms.ConfirmLoginCodeForm):  # type: ignore[misc]
    """allauth's login-code form; a code sent by SMS is judged by our challenge.

    ``ACCOUNT_FORMS = {"confirm_login_code": "…allauth.ConfirmLoginCodeForm"}``.
    An e-mail login code is left to allauth.
    """

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        adapter = get_adapter()
        if not isinstance(adapter, PhoneAdapterMixin) or not adapter.sent_this_code(
            self.expected_code or ""
        ):
            checked: str = super().clean_code()
            return checked
        adapter.check_code(code, purpose=otp.LOGIN)
        return code


class VerifyPhoneForm(allauth_forms.VerifyPhoneForm):  # type: ignore[misc]
    """allauth's phone-verification form, judged by our challenge.

    ``ACCOUNT_FORMS = {"verify_phone": "…allauth.VerifyPhoneForm"}``.
    """

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        adapter = get_adapter()
        if not isinstance(adapter, PhoneAdapterMixin):
            checked: str = super().clean_code()
            return checked
        # Before the code is used up: after re-authenticating, allauth replays
        # this request with the same code.
        adapter.check_change_allowed(self.user, self.phone)
        adapter.check_code(code, purpose=flows.VERIFY, phone=self.phone)
        if adapter.held_by_another(self.user, self.phone):
            raise get_adapter().validation_error("phone_taken")
        return code


def unjudged_forms() -> list[str]:
    """The ``ACCOUNT_FORMS`` keys that do not name our form, so allauth judges
    those SMS codes itself, against its session copy (check E015)."""
    return [key for purpose, key in FORM_KEYS.items() if not _judged_here(purpose)]


def _judged_here(purpose: str) -> bool:
    """Whether ``ACCOUNT_FORMS`` names our form for ``purpose``'s codes."""
    ours = {otp.LOGIN: ConfirmLoginCodeForm, flows.VERIFY: VerifyPhoneForm}[purpose]
    path = allauth_settings.FORMS.get(FORM_KEYS[purpose])
    try:
        form = import_string(path) if isinstance(path, str) else path
    except ImportError:
        return False
    return isinstance(form, type) and issubclass(form, ours)


def _same_number(phone: str, sent: dict[str, Any]) -> bool:
    try:
        return otp.normalize_phone(phone) == str(sent["phone"])
    except InvalidPhoneNumber:
        return False
