"""The two forms of the OTP views: a phone number, then a code."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from django_turkeysms import otp
from django_turkeysms.conf import conf
from django_turkeysms.exceptions import InvalidPhoneNumber


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
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(
                _("Enter a valid mobile number, for example 0532 123 45 67."),
                code=exc.reason,
            ) from exc


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
