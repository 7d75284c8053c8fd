"""The pages of phone-number login and phone verification: thin views over
:mod:`django_turkeysms.flows`, which the JSON API shares.

The number being verified and the challenge sent for it live in the session,
never in a URL: a code is checked against that challenge only. A known and an
unknown number get the same responses: unknown numbers get a challenge that no
SMS ever carries, so every limit, redirect and page behaves alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
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
from django.utils.translation import ngettext
from django.views.generic import FormView

from django_turkeysms import flows, otp, otp_messages, phone
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import OtpThrottled
from django_turkeysms.flows import (
    AUTH_TIME_SESSION_KEY,
    LOGIN_SESSION_KEY,
    VERIFY_SESSION_KEY,
)
from django_turkeysms.forms import CodeForm, PasswordForm, PhoneNumberForm
from django_turkeysms.models import VerifiedPhone

if TYPE_CHECKING:
    PhoneFormView = FormView[PhoneNumberForm]
    CodeFormView = FormView[CodeForm]
    PasswordFormView = FormView[PasswordForm]
else:
    PhoneFormView = CodeFormView = PasswordFormView = FormView

__all__ = ["LOGIN_SESSION_KEY", "VERIFY_SESSION_KEY"]  # kept where tests import them


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
        _seconds, message = flows.refusal(error)
        return self.form_invalid(form, status=429, refusal=message)


def countdown_labels(wait: int) -> list[str]:
    """The resend countdown's text for each second left (index 0: none left).

    Rendered here rather than in JavaScript, so that every count takes its own
    plural form (Arabic has six) without serving a JavaScript catalogue."""
    labels = [""]
    for seconds in range(1, wait + 1):
        text = ngettext(
            "You can ask for a new code in %(seconds)d second.",
            "You can ask for a new code in %(seconds)d seconds.",
            seconds,
        )
        labels.append(text % {"seconds": seconds})
    return labels


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
        next_url = _safe_next(
            self.request, self.request.GET.get("next") or self.request.POST.get("next")
        )
        try:
            flows.login_flow.start(
                self.request, form.cleaned_data["phone"], next=next_url
            )
        except OtpThrottled as error:
            return self.refuse(form, error)
        return redirect("turkeysms:login-confirm")


class _ConfirmView(_OtpFormMixin, CodeFormView):
    """Step 2 of both flows: the code, with a resend button."""

    form_class = CodeForm
    template_name = "django_turkeysms/verify_code.html"
    flow: flows.Flow
    start_url = ""

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        state = self.flow.pending(request)
        if state is None:
            return redirect(self.start_url)
        self.state: dict[str, Any] = state
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        wait = flows.resend_wait(self.state)
        context.update(
            masked_phone=phone.mask(self.state["phone"]),
            resend_wait=wait,
            countdown=countdown_labels(wait),
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
            self.flow.resend(self.request, self.state)
        except OtpThrottled as error:
            return self.refuse(self.get_form_class()(), error)
        messages.info(self.request, _("We sent you a new code."))
        return HttpResponseRedirect(self.request.path)

    def fail(self, form: CodeForm, result: otp.VerifyResult) -> HttpResponse:
        form.add_error("code", result.message)
        return self.form_invalid(form)


class LoginConfirmView(_ConfirmView):
    flow = flows.login_flow
    start_url = "turkeysms:login"

    @property
    def heading(self) -> str:  # type: ignore[override]
        return _("Enter the code we sent you")

    def form_valid(self, form: CodeForm) -> HttpResponse:
        next_url = self.state.get("next")
        confirmation = flows.confirm_login(
            self.request, self.state, form.cleaned_data["code"]
        )
        if not confirmation.ok:  # a right code rotates the session key
            return self.fail(form, confirmation.result)
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
        if request.user.is_authenticated and not flows.recently_authenticated(request):
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
            flows.verify_flow.start(self.request, form.cleaned_data["phone"])
        except OtpThrottled as error:
            return self.refuse(form, error)
        return redirect("turkeysms:verify-phone-confirm")


class VerifyPhoneConfirmView(_RecentLoginRequired, _ConfirmView):
    """Step 2 of proving a number: the code."""

    flow = flows.verify_flow
    start_url = "turkeysms:verify-phone"

    @property
    def heading(self) -> str:  # type: ignore[override]
        return _("Enter the code we sent you")

    def form_valid(self, form: CodeForm) -> HttpResponse:
        confirmation = flows.confirm_verification(
            self.request, self.state, form.cleaned_data["code"]
        )
        if confirmation.taken:
            form.add_error("code", _("This number cannot be added to your account."))
            return self.form_invalid(form)
        if not confirmation.ok:
            return self.fail(form, confirmation.result)
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
