from __future__ import annotations

from django_turkeysms.integrations.allauth import AccountAdapter, ConfirmLoginCodeForm


class FieldAdapter(AccountAdapter):
    """Numbers in the user model's own fields instead of VerifiedPhone."""

    phone_field = "phone"
    phone_verified_field = "phone_verified"


class LoginCodeForm(ConfirmLoginCodeForm):
    """A project's own form on top of ours: still ours to judge the codes."""
