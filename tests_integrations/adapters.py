from __future__ import annotations

from django_turkeysms.integrations.allauth import AccountAdapter


class FieldAdapter(AccountAdapter):
    """Numbers in the user model's own fields instead of VerifiedPhone."""

    phone_field = "phone"
    phone_verified_field = "phone_verified"
