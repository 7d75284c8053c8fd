"""django-two-factor-auth's login, setup and backup-phone views, with the tokens
of SMS devices judged by the OTP core (:func:`.two_factor.check_token`).

two-factor checks a ``PhoneDevice``'s token itself (a TOTP value, with
django-otp's throttle, which an unsaved device in the setup wizards does not
keep), so no miss would count towards the phone's lock. These views swap in
forms that ask the OTP core instead; everything else is two-factor's. Include
:mod:`.two_factor_urls` in place of two-factor's URLs, or build a project's own
subclasses on these.
"""

from __future__ import annotations

from typing import Any

from django.forms import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django_otp.forms import otp_verification_failed
from two_factor import forms as two_factor_forms
from two_factor.plugins.phonenumber.views import PhoneSetupView as BasePhoneSetupView
from two_factor.utils import totp_digits
from two_factor.views import LoginView as BaseLoginView
from two_factor.views import SetupView as BaseSetupView
from two_factor.views.utils import IdempotentSessionWizardView

from django_turkeysms import otp
from django_turkeysms.integrations import two_factor
from django_turkeysms.integrations.middleware import answering


def _judge(device: Any, token: str, request: HttpRequest) -> None:
    """Raise the OTP core's reason when ``token`` is not accepted."""
    result = two_factor.check_token(device, token, request=request)
    if result is not otp.VerifyResult.OK:
        raise ValidationError(result.message, code=result.value)


class DeviceValidationForm(two_factor_forms.DeviceValidationForm):  # type: ignore[misc]
    """The wizards' last step: the token sent to the new number."""

    # A token works once: the wizard's final pass must not check it again.
    idempotent = False

    def __init__(self, device: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(device, **kwargs)
        self.request = request

    def clean_token(self) -> int:
        if not two_factor.sends(self.device):
            checked: int = super().clean_token()
            return checked
        token: int = self.cleaned_data["token"]
        # Two-factor's field is a number: put back the leading zeros.
        _judge(self.device, f"{token:0{totp_digits()}d}", self.request)
        return token


class AuthenticationTokenForm(two_factor_forms.AuthenticationTokenForm):  # type: ignore[misc]
    """The login's token step."""

    def __init__(
        self, user: Any, initial_device: Any, request: HttpRequest, **kwargs: Any
    ) -> None:
        super().__init__(user, initial_device, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        if not two_factor.sends(self.initial_device):
            cleaned: dict[str, Any] = super().clean()
            return cleaned
        cleaned_data: dict[str, Any] = self.cleaned_data
        token = cleaned_data.get("otp_token")
        if token is None:  # the field says why
            return cleaned_data
        self.user.otp_device = None
        try:
            _judge(self.initial_device, token, self.request)
        except ValidationError:
            otp_verification_failed.send(sender=type(self), user=self.user)
            raise
        self.user.otp_device = self.initial_device
        return cleaned_data


#: two-factor's forms and the ones that replace them.
FORMS = {
    two_factor_forms.DeviceValidationForm: DeviceValidationForm,
    two_factor_forms.AuthenticationTokenForm: AuthenticationTokenForm,
}


class TokenCheckMixin(IdempotentSessionWizardView):  # type: ignore[misc]
    """A two-factor wizard whose SMS tokens the OTP core judges.

    The request is kept at hand while the view answers, so the gateway
    remembers in the session which challenge it sent, middleware or not.
    """

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        with answering(request):
            response: HttpResponseBase = super().dispatch(request, *args, **kwargs)
        return response

    def get_form_list(self) -> Any:
        form_list = super().get_form_list()
        for step, form in form_list.items():
            form_list[step] = FORMS.get(form, form)
        return form_list


class LoginView(TokenCheckMixin, BaseLoginView):  # type: ignore[misc]
    """two-factor's ``LoginView``."""


class SetupView(TokenCheckMixin, BaseSetupView):  # type: ignore[misc]
    """two-factor's ``SetupView``."""


class PhoneSetupView(TokenCheckMixin, BasePhoneSetupView):  # type: ignore[misc]
    """two-factor's ``PhoneSetupView`` (a backup phone)."""

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = super().get_form_kwargs(step)
        if step == "validation":
            kwargs["request"] = self.request
        return kwargs
