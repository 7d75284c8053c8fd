"""The two forms of the OTP views: a phone number, then a code."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from django_turkeysms import otp, phone
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import CountryNotAllowed, InvalidPhoneNumber


class PhoneNumberForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "tel",
                "inputmode": "tel",
                "placeholder": "0532 123 45 67",
            }
        ),
    )

    def clean_phone(self) -> str:
        try:
            return otp.normalize_phone(self.cleaned_data["phone"])
        except CountryNotAllowed as exc:
            raise forms.ValidationError(
                _country_message(exc.country), code=exc.reason
            ) from exc
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(
                _("Enter a valid mobile number, for example 0532 123 45 67."),
                code=exc.reason,
            ) from exc


def _country_message(refused_region: str) -> str:
    """Why a valid number from another country is refused: the allow-list."""
    allowed = sorted(
        {phone.calling_code(code) for code in conf.OTP_ALLOWED_COUNTRIES or []}
    )
    return ngettext(
        "Numbers from this country (%(refused)s) cannot be used here. Use a number that starts with %(allowed)s.",
        "Numbers from this country (%(refused)s) cannot be used here. Use a number that starts with one of %(allowed)s.",
        len(allowed),
    ) % {"refused": phone.calling_code(refused_region), "allowed": ", ".join(allowed)}


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs["maxlength"] = conf.OTP_LENGTH + 4

    def clean_code(self) -> str:
        digits = otp.normalize_code(self.cleaned_data["code"])
        if digits is None:
            raise forms.ValidationError(
                _("Enter the %(length)d-digit code from the SMS."),
                code="format",
                params={"length": conf.OTP_LENGTH},
            )
        return digits


class PasswordForm(forms.Form):
    """The user's current password, to confirm it is them."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "autofocus": True}
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                _("That is not your password."), code="password_incorrect"
            )
        return password
