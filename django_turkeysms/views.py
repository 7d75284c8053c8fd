"""Thin views over :mod:`django_turkeysms.otp`: phone-number login and phone verification.

The number being verified lives in the session, never in a URL. A known and an
unknown number get the same responses: unknown numbers get a challenge that no
SMS ever carries, so every limit, redirect and page behaves alike.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.generic import FormView

from django_turkeysms import otp, otp_delivery, phone, sending
from django_turkeysms.auth import RESULT_ATTRIBUTE
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import OtpThrottled, TurkeySmsError
from django_turkeysms.forms import CodeForm, PhoneNumberForm
from django_turkeysms.models import VerifiedPhone
from django_turkeysms.receivers import AUTH_TIME_SESSION_KEY

if TYPE_CHECKING:
    PhoneFormView = FormView[PhoneNumberForm]
    CodeFormView = FormView[CodeForm]
else:
    PhoneFormView = CodeFormView = FormView

logger = logging.getLogger(__name__)

LOGIN_SESSION_KEY = "turkeysms_login"
VERIFY_SESSION_KEY = "turkeysms_verify"


class _OtpFormMixin:
    """Shared page context and 400/429 responses for the four views."""

    request: HttpRequest
    heading: str = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(base_template=conf.OTP_BASE_TEMPLATE, heading=self.heading)
        return context

    def form_invalid(
        self, form: Any, *, status: int = 400, **context: Any
    ) -> HttpResponse:
        render = self.render_to_response  # type: ignore[attr-defined]
        response: HttpResponse = render(self.get_context_data(form=form, **context))
        response.status_code = status
        return response

    def refuse(self, form: Any, error: OtpThrottled) -> HttpResponse:
        seconds = int(error.retry_after + 0.999)
        message = _("Too many requests. Try again in %(seconds)d seconds.") % {
            "seconds": seconds
        }
        return self.form_invalid(form, status=429, refusal=message)


def _user(request: HttpRequest) -> Any:
    """The logged-in user (the views that call this require a login)."""
    return request.user


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    allowed = {request.get_host(), *getattr(settings, "ALLOWED_HOSTS", [])}
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts=allowed, require_https=request.is_secure()
    ):
        return url
    return None


def _send_login_code(request: HttpRequest, e164: str) -> None:
    """Send a code if the number belongs to an active user; otherwise do the same
    work without the SMS."""
    known = VerifiedPhone.objects.filter(phone=e164, user__is_active=True).exists()
    otp.send_code(e164, purpose="login", request=request, deliver=known)


def _send_verify_code(request: HttpRequest, e164: str) -> None:
    otp.send_code(e164, purpose="verify", request=request, user=_user(request))


def _start_flow(request: HttpRequest, key: str, e164: str, **extra: Any) -> None:
    """Remember in the session which number a code was just sent to, and when."""
    request.session[key] = {
        "phone": e164,
        "sent_at": timezone.now().timestamp(),
        **extra,
    }


def _resend_wait(state: dict[str, Any]) -> int:
    """Seconds until the resend button may be used again (from the session)."""
    elapsed = timezone.now().timestamp() - float(state.get("sent_at", 0))
    return max(int(conf.OTP_RESEND_COOLDOWN - elapsed + 0.999), 0)


# -- login --------------------------------------------------------------------------------


class LoginView(_OtpFormMixin, PhoneFormView):
    """Step 1 of phone-number login: the number."""

    form_class = PhoneNumberForm
    template_name = "django_turkeysms/request_code.html"

    @property
    def heading(self) -> str:  # type: ignore[override]
        return _("Log in with your phone")

    def form_valid(self, form: PhoneNumberForm) -> HttpResponse:
        e164 = form.cleaned_data["phone"]
        try:
            _send_login_code(self.request, e164)
        except OtpThrottled as error:
            return self.refuse(form, error)
        next_url = _safe_next(
            self.request, self.request.GET.get("next") or self.request.POST.get("next")
        )
        _start_flow(self.request, LOGIN_SESSION_KEY, e164, next=next_url)
        return redirect("turkeysms:login-confirm")


class _ConfirmView(_OtpFormMixin, CodeFormView):
    """Step 2 of both flows: the code, with a resend button."""

    form_class = CodeForm
    template_name = "django_turkeysms/verify_code.html"
    session_key = ""
    start_url = ""

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        state = request.session.get(self.session_key)
        if not isinstance(state, dict) or "phone" not in state:
            return redirect(self.start_url)
        self.state: dict[str, Any] = state
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            masked_phone=phone.mask(self.state["phone"]),
            resend_wait=_resend_wait(self.state),
            countdown_template=_("You can ask for a new code in %s seconds."),
            minutes=otp_delivery.ttl_minutes(),
            restart_url=self.restart_url(),
        )
        return context

    def restart_url(self) -> str:
        """Step 1 again, for another number (keeping where a login was going)."""
        url = reverse(self.start_url)
        next_url = self.state.get("next")
        return f"{url}?{urlencode({'next': next_url})}" if next_url else url

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "resend" in request.POST:
            return self.resend()
        return super().post(request, *args, **kwargs)

    def resend(self) -> HttpResponse:
        try:
            self.send_again()
        except OtpThrottled as error:
            return self.refuse(self.get_form_class()(), error)
        self.state["sent_at"] = timezone.now().timestamp()
        self.request.session[self.session_key] = self.state
        messages.info(self.request, _("We sent you a new code."))
        return HttpResponseRedirect(self.request.path)

    def send_again(self) -> None:
        raise NotImplementedError

    def fail(self, form: CodeForm, result: otp.VerifyResult | None) -> HttpResponse:
        form.add_error("code", (result or otp.VerifyResult.INVALID).message)
        return self.form_invalid(form)


class LoginConfirmView(_ConfirmView):
    session_key = LOGIN_SESSION_KEY
    start_url = "turkeysms:login"

    @property
    def heading(self) -> str:  # type: ignore[override]
        return _("Enter the code we sent you")

    def send_again(self) -> None:
        _send_login_code(self.request, self.state["phone"])

    def form_valid(self, form: CodeForm) -> HttpResponse:
        user = authenticate(
            self.request, phone=self.state["phone"], code=form.cleaned_data["code"]
        )
        if user is None:
            return self.fail(form, getattr(self.request, RESULT_ATTRIBUTE, None))
        next_url = self.state.get("next")
        login(self.request, user)  # rotates the session key
        return HttpResponseRedirect(
            next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
        )


# -- phone verification ---------------------------------------------------------------------


class VerifyPhoneView(LoginRequiredMixin, _OtpFormMixin, PhoneFormView):
    """Step 1 of proving a number: send it a code (re-authentication to change one)."""

    form_class = PhoneNumberForm
    template_name = "django_turkeysms/request_code.html"

    @property
    def heading(self) -> str:  # type: ignore[override]
        return _("Verify your phone number")

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if request.user.is_authenticated and self._needs_reauthentication():
            messages.info(request, _("Log in again to change your phone number."))
            return redirect(f"{reverse('turkeysms:login')}?next={request.path}")
        return super().dispatch(request, *args, **kwargs)

    def _needs_reauthentication(self) -> bool:
        if not VerifiedPhone.objects.filter(user=_user(self.request)).exists():
            return False
        logged_in_at = float(self.request.session.get(AUTH_TIME_SESSION_KEY, 0))
        return timezone.now().timestamp() - logged_in_at > conf.OTP_REAUTH_WINDOW

    def form_valid(self, form: PhoneNumberForm) -> HttpResponse:
        e164 = form.cleaned_data["phone"]
        try:
            _send_verify_code(self.request, e164)
        except OtpThrottled as error:
            return self.refuse(form, error)
        _start_flow(self.request, VERIFY_SESSION_KEY, e164)
        return redirect("turkeysms:verify-phone-confirm")


class VerifyPhoneConfirmView(LoginRequiredMixin, _ConfirmView):
    session_key = VERIFY_SESSION_KEY
    start_url = "turkeysms:verify-phone"

    @property
    def heading(self) -> str:  # type: ignore[override]
        return _("Enter the code we sent you")

    def send_again(self) -> None:
        _send_verify_code(self.request, self.state["phone"])

    def form_valid(self, form: CodeForm) -> HttpResponse:
        e164 = self.state["phone"]
        result = otp.verify_code(
            e164, form.cleaned_data["code"], purpose="verify", request=self.request
        )
        if result is not otp.VerifyResult.OK:
            return self.fail(form, result)
        if (
            VerifiedPhone.objects.filter(phone=e164)
            .exclude(user=_user(self.request))
            .exists()
        ):
            form.add_error("code", _("This number cannot be added to your account."))
            return self.form_invalid(form)
        _replace_phone(self.request, e164)
        self.request.session.pop(VERIFY_SESSION_KEY, None)
        self.request.session.cycle_key()
        messages.success(self.request, _("Your phone number is verified."))
        return HttpResponseRedirect(
            resolve_url(conf.OTP_SUCCESS_URL or settings.LOGIN_REDIRECT_URL)
        )


def _replace_phone(request: HttpRequest, e164: str) -> None:
    """Make ``e164`` the user's number; tell the old number it was replaced."""
    user = _user(request)
    with transaction.atomic():
        old = list(
            VerifiedPhone.objects.select_for_update()
            .filter(user=user)
            .exclude(phone=e164)
        )
        VerifiedPhone.objects.filter(pk__in=[row.pk for row in old]).delete()
        VerifiedPhone.objects.update_or_create(
            phone=e164,
            defaults={"user": user, "verified_at": timezone.now(), "is_primary": True},
        )
    for row in old:
        _notify_old_number(str(row.phone), e164)


def _notify_old_number(old: str, new: str) -> None:
    """Tell the replaced number (NIST 800-63B-4 §4.6: binding a new authenticator)."""
    context = {"new_phone": phone.mask(new)}
    text = render_to_string(
        "django_turkeysms/phone_changed_message.txt", context
    ).strip()
    try:
        sending.send_sms(text, old, backend=conf.OTP_BACKEND, sender=conf.OTP_SENDER)
    except TurkeySmsError:
        logger.exception("Could not notify %s of its replacement", phone.mask(old))
