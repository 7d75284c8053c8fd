"""django-allauth's phone login and verification, by TurkeySMS.

``ACCOUNT_ADAPTER = "django_turkeysms.integrations.allauth.AccountAdapter"``, or
put :class:`PhoneAdapterMixin` in front of the adapter a project already has.

allauth runs the flows and checks the codes; the adapter stores the numbers and
sends the codes through :func:`django_turkeysms.otp.send_code`, so every code
meets the OTP limits (per IP, per account, per number, cooldown, daily budget,
prefix guard, locks), is kept only as a hash in ``OtpChallenge``, and reaches the
send log as ``[redacted]``. allauth keeps its own copy of the code in the session
to compare: see ``docs/allauth.md`` for what that means.

Numbers live in :class:`~django_turkeysms.models.VerifiedPhone` once proven (and
:class:`~django_turkeysms.models.PendingPhone` before), or in fields of the
user model when :attr:`PhoneAdapterMixin.phone_field` names one.
"""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from django_turkeysms import flows, otp, phones
from django_turkeysms.exceptions import InvalidPhoneNumber, OtpThrottled
from django_turkeysms.forms import PhoneNumberForm
from django_turkeysms.models import PendingPhone, VerifiedPhone


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
        """allauth accepted a code sent to ``phone``: store the number as verified
        and close its challenge (which counts for the prefix guard)."""
        e164 = otp.normalize_phone(phone)
        self._store_verified(user, e164)
        otp.record_verification(e164, purpose=flows.VERIFY, request=self.request)

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """Log in; after a login by code, record the success on our challenge.

        allauth checks its codes itself and tells no one which code it accepted.
        The request still carries the code it just accepted, and our challenge
        holds that code's hash: checking it there records the success, which
        ends the count of wrong codes in advance (``tries``) as ours do.
        """
        super().login(request, user)  # type: ignore[misc]
        code = request.POST.get("code") if request.method == "POST" else None
        number = self.get_phone(user)
        if code and number and number[1]:
            otp.verify_code(number[0], code, purpose=otp.LOGIN)

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
        if self.get_user_by_phone(e164) not in (None, user):
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
            self._send(phone, purpose=otp.LOGIN, code=code, tries=_login_tries())
        else:
            self._send(
                phone,
                purpose=flows.VERIFY,
                user=self._logged_in(user),
                code=code,
                tries=_verification_tries(),
            )

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        """No SMS to a number without an account (a stranger's, or SMS pumping):
        a decoy that does the same work and moves the same counters as a real
        login code, so the answers and limits do not tell the two apart."""
        self._send(phone, purpose=otp.LOGIN, deliver=False, tries=_login_tries())

    def send_account_already_exists_sms(self, phone: str) -> None:
        """No SMS either when a sign-up gives a number another account holds: the
        same decoy as a sign-up's verification code."""
        self._send(
            phone, purpose=flows.VERIFY, deliver=False, tries=_verification_tries()
        )

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
        """Send through the OTP path. A limit's refusal answers 429 (allauth's page,
        or its JSON for headless clients) with ``Retry-After``; a number outside
        the policy (stored before it changed) 400. Outside a request, both raise."""
        try:
            otp.send_code(
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

    def _refusal(self, refused: OtpThrottled | InvalidPhoneNumber) -> HttpResponse:
        if isinstance(refused, InvalidPhoneNumber):
            return HttpResponseBadRequest(str(refused))
        seconds, _message = flows.refusal(refused)
        response: HttpResponse = respond_429(self.request)
        response["Retry-After"] = str(seconds)
        return response


class AccountAdapter(PhoneAdapterMixin, DefaultAccountAdapter):  # type: ignore[misc]
    """allauth's default adapter with phone numbers and SMS by TurkeySMS."""


def _login_tries() -> int:
    """Wrong codes allauth takes per login code (it checks them itself)."""
    return int(allauth_settings.LOGIN_BY_CODE_MAX_ATTEMPTS)


def _verification_tries() -> int:
    """Wrong codes allauth takes per phone verification code."""
    return int(allauth_settings.PHONE_VERIFICATION_MAX_ATTEMPTS)
