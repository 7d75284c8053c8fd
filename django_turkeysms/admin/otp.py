"""The OTP tables: challenges (never a code or its hash), locked phones with an
action that ends a lock, and verified phone numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from django_turkeysms import otp, phone
from django_turkeysms.admin.columns import short_datetime
from django_turkeysms.admin.filters import CreatedFilter, PhoneSearchMixin
from django_turkeysms.models import (
    OtpChallenge,
    OtpLock,
    VerifiedPhone,
)

if TYPE_CHECKING:
    ChallengeAdminBase = admin.ModelAdmin[OtpChallenge]
    LockAdminBase = admin.ModelAdmin[OtpLock]
    PhoneAdminBase = admin.ModelAdmin[VerifiedPhone]
else:  # ModelAdmin is generic for type checkers only
    ChallengeAdminBase = LockAdminBase = PhoneAdminBase = admin.ModelAdmin


@admin.register(OtpChallenge)
class OtpChallengeAdmin(PhoneSearchMixin, ChallengeAdminBase):
    """Read-only; neither the code nor its hash is ever shown."""

    list_display = [
        "created",
        "masked_phone",
        "purpose",
        "sends_and_attempts",
        "expires",
        "verified",
    ]
    list_filter = ["purpose", "mode", CreatedFilter]
    search_fields = ["phone"]
    ordering = ["-created_at"]
    # Listed so that the number appears once, masked; the hash never.
    readonly_fields = [
        "masked_phone",
        "purpose",
        "mode",
        "user",
        "created_at",
        "expires_at",
        "last_sent_at",
        "verified_at",
        "attempts",
        "sends",
        "client_ip",
        "sms_log",
    ]
    fields = tuple(readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("phone number"), ordering="phone")
    def masked_phone(self, obj: OtpChallenge) -> str:
        return phone.mask(str(obj.phone))

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj: OtpChallenge) -> str:
        return short_datetime(obj.created_at)

    @admin.display(description=_("codes sent / wrong attempts"))
    def sends_and_attempts(self, obj: OtpChallenge) -> str:
        return f"{obj.sends} / {obj.attempts}"

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires(self, obj: OtpChallenge) -> str:
        return short_datetime(obj.expires_at)

    @admin.display(description=_("verified"), ordering="verified_at")
    def verified(self, obj: OtpChallenge) -> str:
        return short_datetime(obj.verified_at)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # ?code_hash__startswith=… would recover the stored hash a character at a time.
        if lookup.split("__")[0] == "code_hash":
            return False
        return bool(super().lookup_allowed(lookup, value, request))


@admin.register(OtpLock)
class OtpLockAdmin(PhoneSearchMixin, LockAdminBase):
    """Phones locked after too many wrong codes; an action ends a lock sooner."""

    list_display = ["masked_phone", "locked_at", "locked_until", "level", "released"]
    list_filter = ["released", CreatedFilter]
    search_fields = ["phone"]
    ordering = ["-created_at"]
    readonly_fields = ["masked_phone", "created_at", "ends_at", "level", "released"]
    exclude = ["phone"]
    actions = ["end_locks"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("django_turkeysms.change_otplock"))

    @admin.display(description=_("phone number"), ordering="phone")
    def masked_phone(self, obj: OtpLock) -> str:
        return phone.mask(str(obj.phone))

    @admin.display(description=_("locked at"), ordering="created_at")
    def locked_at(self, obj: OtpLock) -> str:
        return short_datetime(obj.created_at)

    @admin.display(description=_("locked until"), ordering="ends_at")
    def locked_until(self, obj: OtpLock) -> str:
        return short_datetime(obj.ends_at)

    @admin.action(
        description=_("End these locks and clear the failure counts"),
        permissions=["unlock"],
    )
    def end_locks(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        phones = set(queryset.values_list("phone", flat=True))
        for number in phones:
            otp.unlock(str(number))
        self.message_user(
            request,
            ngettext(
                "Unlocked %(count)d phone number.",
                "Unlocked %(count)d phone numbers.",
                len(phones),
            )
            % {"count": len(phones)},
        )


@admin.register(VerifiedPhone)
class VerifiedPhoneAdmin(PhoneSearchMixin, PhoneAdminBase):
    list_display = ["international_phone", "user", "is_primary", "verified"]
    list_filter = ["is_primary"]
    search_fields = ["phone"]
    # The fallback when the user model's admin cannot search (see below).
    raw_id_fields = ["user"]
    ordering = ["-verified_at"]

    @admin.display(description=_("phone number"), ordering="phone")
    def international_phone(self, obj: VerifiedPhone) -> str:
        return str(obj.phone.as_international)

    @admin.display(description=_("verified"), ordering="verified_at")
    def verified(self, obj: VerifiedPhone) -> str:
        return short_datetime(obj.verified_at)

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        """Pick the user by typing a name, where the user admin can search.

        Django's autocomplete needs the user model registered on this admin site
        with ``search_fields``; a project whose user admin has none gets the raw
        id box instead of an autocomplete that could only fail.
        """
        user_model = VerifiedPhone._meta.get_field("user").related_model
        if not self.admin_site.is_registered(user_model):
            return []
        user_admin = self.admin_site.get_model_admin(user_model)
        return ["user"] if user_admin.get_search_fields(request) else []
