"""Thin views over :mod:`django_turkeysms.otp`: phone-number login and phone verification.

The number being verified and the challenge sent for it live in the session,
never in a URL: a code is checked against that challenge only. A known and an
unknown number get the same responses: unknown numbers get a challenge that no
SMS ever carries, so every limit, redirect and page behaves alike.
"""

from __future__ import annotations

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
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.generic import FormView

from django_turkeysms import otp, otp_messages, phone, phones
from django_turkeysms.auth import RESULT_ATTRIBUTE
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import OtpThrottled
from django_turkeysms.forms import CodeForm, PasswordForm, PhoneNumberForm
from django_turkeysms.models import OtpChallenge, VerifiedPhone
from django_turkeysms.receivers import AUTH_TIME_SESSION_KEY

if TYPE_CHECKING:
    PhoneFormView = FormView[PhoneNumberForm]
    CodeFormView = FormView[CodeForm]
    PasswordFormView = FormView[PasswordForm]
else:
    PhoneFormView = CodeFormView = PasswordFormView = FormView

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


def _send_login_code(request: HttpRequest, e164: str) -> OtpChallenge:
    """Send a code if the number belongs to an active user; otherwise do the same
    work without the SMS."""
    known = VerifiedPhone.objects.filter(phone=e164, user__is_active=True).exists()
    return otp.send_code(e164, purpose=otp.LOGIN, request=request, deliver=known)


def _send_verify_code(request: HttpRequest, e164: str) -> OtpChallenge:
    return otp.send_code(e164, purpose="verify", request=request, user=_user(request))


def _start_flow(
    request: HttpRequest, key: str, challenge: OtpChallenge, **extra: Any
) -> None:
    """Remember in the session which challenge was just sent, to which number, and
    when: the confirm step checks a code against that challenge only."""
    request.session[key] = {
        "phone": str(challenge.phone),
        "challenge": str(challenge.pk),
        "sent_at": timezone.now().timestamp(),
        **extra,
    }


def _resend_wait(state: dict[str, Any]) -> int:
    """Seconds until the resend button may be used again (from the session)."""
    elapsed = timezone.now().timestamp() - float(state.get("sent_at", 0))
    return max(int(conf.OTP_RESEND_COOLDOWN - elapsed + 0.999), 0)


def _recently_authenticated(request: HttpRequest) -> bool:
    """Whether the session logged in (or re-authenticated) within OTP_REAUTH_WINDOW."""
    logged_in_at = float(request.session.get(AUTH_TIME_SESSION_KEY, 0))
    return timezone.now().timestamp() - logged_in_at <= conf.OTP_REAUTH_WINDOW


def _reauthenticate(request: HttpRequest, next_url: str) -> HttpResponse:
    """Send the user to prove it is them: the password, else a code to the phone
    they have, else a fresh login."""
    user = _user(request)
    messages.info(
        request, _("Confirm it is you before you add or change a phone number.")
    )
    if user.has_usable_password():
        url = reverse("turkeysms:reauthenticate")
    elif VerifiedPhone.objects.filter(user=user).exists():
        url = reverse("turkeysms:login")
    else:
        url = resolve_url(settings.LOGIN_URL)
    return HttpResponseRedirect(f"{url}?{urlencode({'next': next_url})}")


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
            challenge = _send_login_code(self.request, e164)
        except OtpThrottled as error:
            return self.refuse(form, error)
        next_url = _safe_next(
            self.request, self.request.GET.get("next") or self.request.POST.get("next")
        )
        _start_flow(self.request, LOGIN_SESSION_KEY, challenge, next=next_url)
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
        if not isinstance(state, dict) or not {"phone", "challenge"} <= set(state):
            return redirect(self.start_url)
        self.state: dict[str, Any] = state
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            masked_phone=phone.mask(self.state["phone"]),
            resend_wait=_resend_wait(self.state),
            countdown_template=_("You can ask for a new code in %s seconds."),
            minutes=otp_messages.ttl_minutes(),
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
            challenge = self.send_again()
        except OtpThrottled as error:
            return self.refuse(self.get_form_class()(), error)
        self.state["challenge"] = str(challenge.pk)
        self.state["sent_at"] = timezone.now().timestamp()
        self.request.session[self.session_key] = self.state
        messages.info(self.request, _("We sent you a new code."))
        return HttpResponseRedirect(self.request.path)

    def send_again(self) -> OtpChallenge:
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

    def send_again(self) -> OtpChallenge:
        return _send_login_code(self.request, self.state["phone"])

    def form_valid(self, form: CodeForm) -> HttpResponse:
        # Using up the code and logging in (new session key, last_login) commit
        # together: a login that fails leaves the code unused, and one commit
        # replaces four.
        with transaction.atomic():
            user = authenticate(
                self.request,
                phone=self.state["phone"],
                otp_token=form.cleaned_data["code"],
                challenge=self.state["challenge"],
            )
            if user is None:
                return self.fail(form, getattr(self.request, RESULT_ATTRIBUTE, None))
            next_url = self.state.get("next")
            login(self.request, user)  # rotates the session key
        return HttpResponseRedirect(
            next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
        )


# -- phone verification ---------------------------------------------------------------------


class _RecentLoginRequired(LoginRequiredMixin):
    """Adding or changing a number needs a login within ``OTP_REAUTH_WINDOW``,
    checked at every step: a change started inside the window cannot be finished
    long after it through the confirm page or a resend."""

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if request.user.is_authenticated and not _recently_authenticated(request):
            return _reauthenticate(request, reverse("turkeysms:verify-phone"))
        return super().dispatch(request, *args, **kwargs)


class VerifyPhoneView(_RecentLoginRequired, _OtpFormMixin, PhoneFormView):
    """Step 1 of proving a number: send it a code (re-authentication to change one)."""

    form_class = PhoneNumberForm
    template_name = "django_turkeysms/request_code.html"

    @property
    def heading(self) -> str:  # type: ignore[override]
        return _("Verify your phone number")

    def form_valid(self, form: PhoneNumberForm) -> HttpResponse:
        try:
            challenge = _send_verify_code(self.request, form.cleaned_data["phone"])
        except OtpThrottled as error:
            return self.refuse(form, error)
        _start_flow(self.request, VERIFY_SESSION_KEY, challenge)
        return redirect("turkeysms:verify-phone-confirm")


class VerifyPhoneConfirmView(_RecentLoginRequired, _ConfirmView):
    """Step 2 of proving a number: the code."""

    session_key = VERIFY_SESSION_KEY
    start_url = "turkeysms:verify-phone"

    @property
    def heading(self) -> str:  # type: ignore[override]
        return _("Enter the code we sent you")

    def send_again(self) -> OtpChallenge:
        return _send_verify_code(self.request, self.state["phone"])

    def form_valid(self, form: CodeForm) -> HttpResponse:
        e164 = self.state["phone"]
        result = otp.verify_code(
            e164,
            form.cleaned_data["code"],
            purpose="verify",
            request=self.request,
            challenge=self.state["challenge"],
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
        phones.attach(_user(self.request), e164, request=self.request)
        self.request.session.pop(VERIFY_SESSION_KEY, None)
        self.request.session.cycle_key()
        messages.success(self.request, _("Your phone number is verified."))
        return HttpResponseRedirect(
            resolve_url(conf.OTP_SUCCESS_URL or settings.LOGIN_REDIRECT_URL)
        )


# -- re-authentication -------------------------------------------------------------------


class ReauthenticateView(LoginRequiredMixin, _OtpFormMixin, PasswordFormView):
    """Confirm the password before a phone number is added or changed."""

    form_class = PasswordForm
    template_name = "django_turkeysms/reauthenticate.html"

    @property
    def heading(self) -> str:  # type: ignore[override]
        return _("Confirm it is you")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": _user(self.request)}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["next"] = self._next_url()
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            otp.check_reauthentication_limit(_user(request))
        except OtpThrottled as error:
            return self.refuse(self.get_form(), error)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordForm) -> HttpResponse:
        self.request.session[AUTH_TIME_SESSION_KEY] = timezone.now().timestamp()
        return HttpResponseRedirect(self._next_url())

    def _next_url(self) -> str:
        requested = self.request.POST.get("next") or self.request.GET.get("next")
        return _safe_next(self.request, requested) or reverse("turkeysms:verify-phone")
