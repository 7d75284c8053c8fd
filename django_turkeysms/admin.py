"""The Django admin: a read-only send log that stays fast on a year of traffic,
status lookups, a compose page, a dashboard, and the OTP tables.

Fast at a million rows: no full-table ``COUNT`` (an estimate on PostgreSQL), no
``date_hierarchy`` (``DISTINCT date_trunc``), filters whose options come from
settings rather than ``SELECT DISTINCT``, a search that looks up an exact,
indexed value, and deep pages read through their primary keys.
"""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from django_turkeysms import admin_views, otp, phone
from django_turkeysms.conf import conf
from django_turkeysms.dashboard import STATUS_COLOURS
from django_turkeysms.delivery import refresh_status
from django_turkeysms.exceptions import InvalidPhoneNumber
from django_turkeysms.models import (
    REDACTED,
    OtpChallenge,
    OtpLock,
    SmsLog,
    VerifiedPhone,
)
from django_turkeysms.paginator import EstimatedCountPaginator
from django_turkeysms.sending import dispatch

if TYPE_CHECKING:
    LogAdminBase = admin.ModelAdmin[SmsLog]
    ChallengeAdminBase = admin.ModelAdmin[OtpChallenge]
    LockAdminBase = admin.ModelAdmin[OtpLock]
    PhoneAdminBase = admin.ModelAdmin[VerifiedPhone]
else:  # ModelAdmin is generic for type checkers only
    LogAdminBase = ChallengeAdminBase = LockAdminBase = PhoneAdminBase = (
        admin.ModelAdmin
    )

RETRYABLE = (SmsLog.Status.FAILED, SmsLog.Status.UNKNOWN)


# -- filters whose options never need a query -------------------------------------------


class CreatedFilter(admin.SimpleListFilter):
    title = _("created")
    parameter_name = "created"
    ranges = {"1d": 1, "7d": 7, "30d": 30, "90d": 90, "365d": 365}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("1d", _("Last 24 hours")),
            ("7d", _("Last 7 days")),
            ("30d", _("Last 30 days")),
            ("90d", _("Last 90 days")),
            ("365d", _("Last year")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        days = self.ranges.get(self.value() or "")
        if days is None:
            return queryset
        return queryset.filter(created_at__gte=timezone.now() - timedelta(days=days))


class BackendFilter(admin.SimpleListFilter):
    title = _("backend")
    parameter_name = "backend"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(alias, alias) for alias in conf.BACKENDS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(backend=self.value()) if self.value() else queryset


class SenderFilter(admin.SimpleListFilter):
    title = _("sender ID")
    parameter_name = "sender"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(sender, sender) for sender in configured_senders()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(sender=self.value()) if self.value() else queryset


def configured_senders() -> list[str]:
    """Every sender ID named in the backend options (no table scan)."""
    senders: list[str] = []
    for config in conf.BACKENDS.values():
        options = config.get("OPTIONS") or {}
        for sender in [options.get("sender"), *(options.get("senders") or [])]:
            if sender and sender not in senders:
                senders.append(str(sender))
    return senders


# -- the send log -----------------------------------------------------------------------------


@admin.register(SmsLog)
class SmsLogAdmin(LogAdminBase):
    list_display = [
        "created_at",
        "masked_recipient",
        "sender",
        "status_badge",
        "segments_and_credits",
        "provider_id",
        "operator",
    ]
    list_filter = ["status", "category", BackendFilter, SenderFilter, CreatedFilter]
    search_fields = ["recipient", "provider_id"]
    search_help_text = _("An exact phone number (any form) or provider id.")
    ordering = ["-created_at", "-id"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    actions = ["refresh_statuses", "retry"]
    change_list_template = "admin/django_turkeysms/smslog/change_list.html"
    change_form_template = "admin/django_turkeysms/smslog/change_form.html"
    exclude = ["body", "provider_response", "claim", "fingerprint", "metadata"]
    readonly_fields = [
        "created_at",
        "masked_recipient",
        "sender",
        "shown_body",
        "status_badge",
        "result_code",
        "result_message",
        "language",
        "segments",
        "credits",
        "category",
        "content_type",
        "backend",
        "provider_id",
        "operator",
        "country",
        "attempts",
        "next_attempt_at",
        "send_at",
        "claimed_at",
        "sent_at",
        "status_checked_at",
        "delivered_at",
        "tag",
        "idempotency_key",
        "batch",
        "shown_metadata",
        "shown_provider_response",
    ]

    # -- permissions: a log is never added or edited here ---------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_refresh_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("django_turkeysms.view_smslog"))

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("django_turkeysms.send_sms"))

    # -- columns --------------------------------------------------------------------------

    @admin.display(description=_("recipient"), ordering="recipient")
    def masked_recipient(self, obj: SmsLog) -> str:
        return phone.mask(obj.recipient) if obj.recipient else "—"

    def action_checkbox(self, obj: SmsLog) -> str:  # type: ignore[override]
        # Django renders a form widget through the template engine for every row,
        # a third of the page's time at 50 rows; the same markup, built directly.
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: SmsLog) -> str:
        colour = STATUS_COLOURS[SmsLog.Status(obj.status)]
        return format_html(
            '<span style="background:{};color:#fff;border-radius:3px;padding:1px 6px">{}</span>',
            colour,
            obj.get_status_display(),
        )

    @admin.display(description=_("segments / credits"))
    def segments_and_credits(self, obj: SmsLog) -> str:
        credits = "—" if obj.credits is None else str(obj.credits)
        return f"{obj.segments} / {credits}"

    @admin.display(description=_("text"))
    def shown_body(self, obj: SmsLog) -> str:
        return obj.body if obj.body != REDACTED else gettext("[not stored]")

    @admin.display(description=_("metadata"))
    def shown_metadata(self, obj: SmsLog) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.metadata, indent=2, ensure_ascii=False)
        )

    @admin.display(description=_("provider response"))
    def shown_provider_response(self, obj: SmsLog) -> str:
        # Stored with api_key and otp_code already masked by the client.
        return format_html(
            "<pre>{}</pre>",
            json.dumps(obj.provider_response, indent=2, ensure_ascii=False),
        )

    # -- search: exact values only, so an index answers ----------------------------------------

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = Q(provider_id=term[:64])
        with contextlib.suppress(InvalidPhoneNumber):
            condition |= Q(
                recipient=phone.normalize(
                    term, region=conf.DEFAULT_REGION, allowed=None
                )
            )
        return queryset.filter(condition), False

    # -- actions ---------------------------------------------------------------------------------

    @admin.action(description=_("Refresh delivery status"), permissions=["refresh"])
    def refresh_statuses(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        limit = conf.STATUS_BATCH_SIZE
        rows = list(queryset.order_by("-created_at")[:limit])
        counts = refresh_status(rows)
        summary = ", ".join(
            f"{count} {status}" for status, count in sorted(counts.items())
        )
        self.message_user(
            request,
            gettext("Looked up %(count)d message(s): %(summary)s.")
            % {"count": len(rows), "summary": summary or "—"},
        )
        if queryset.count() > limit:
            self.message_user(
                request,
                gettext(
                    "Only the newest %(limit)d were looked up; run it again for more."
                )
                % {"limit": limit},
                messages.WARNING,
            )

    @admin.action(
        description=_("Retry failed or unknown messages"), permissions=["retry"]
    )
    def retry(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        rows = list(queryset.filter(status__in=RETRYABLE))
        if request.POST.get("confirm") == "yes":
            self._retry(request, rows, skipped=queryset.count() - len(rows))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Retry messages?"),
            "rows": rows,
            "skipped": queryset.count() - len(rows),
            "unknown": sum(row.status == SmsLog.Status.UNKNOWN for row in rows),
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/django_turkeysms/smslog/retry_confirmation.html", context
        )

    def _retry(self, request: HttpRequest, rows: list[SmsLog], *, skipped: int) -> None:
        usable = [row.pk for row in rows if row.body != REDACTED]
        note = gettext("Retried from the admin by %(user)s.") % {"user": request.user}
        SmsLog.objects.filter(pk__in=usable, status__in=RETRYABLE).update(
            status=SmsLog.Status.QUEUED,
            claim=None,
            next_attempt_at=None,
            result_message=note[:255],
        )
        if usable:
            dispatch(usable)
        text = ngettext(
            "%(count)d message queued again.",
            "%(count)d messages queued again.",
            len(usable),
        )
        self.message_user(request, text % {"count": len(usable)})
        not_stored = len(rows) - len(usable)
        if skipped or not_stored:
            self.message_user(
                request,
                gettext(
                    "Skipped %(other)d not failed or unknown, %(redacted)d whose text is not stored."
                )
                % {"other": skipped, "redacted": not_stored},
                messages.WARNING,
            )

    # -- extra pages ---------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "send/",
                wrap(admin_views.ComposeView.as_view(model_admin=self)),
                name="django_turkeysms_smslog_send",
            ),
            path(
                "dashboard/",
                wrap(admin_views.DashboardView.as_view(model_admin=self)),
                name="django_turkeysms_smslog_dashboard",
            ),
            path(
                "<path:object_id>/refresh/",
                wrap(self.refresh_view),
                name="django_turkeysms_smslog_refresh",
            ),
            *super().get_urls(),
        ]

    def refresh_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The detail page's "Refresh status" button (POST only)."""
        obj = self.get_object(request, object_id)
        change_url = reverse("admin:django_turkeysms_smslog_change", args=[object_id])
        if (
            request.method != "POST"
            or obj is None
            or not self.has_refresh_permission(request)
        ):
            return HttpResponseRedirect(change_url)
        counts = refresh_status([obj])  # updates obj in place
        self.message_user(
            request,
            gettext("Status: %(status)s (%(outcome)s).")
            % {"status": obj.get_status_display(), "outcome": ", ".join(counts)},
        )
        return HttpResponseRedirect(change_url)


# -- OTP tables -----------------------------------------------------------------------------------


class PhoneSearchMixin:
    """Search by an exact phone number, typed in any form."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        if not search_term.strip():
            return queryset, False
        try:
            e164 = phone.normalize(
                search_term, region=conf.DEFAULT_REGION, allowed=None
            )
        except InvalidPhoneNumber:
            return queryset.none(), False
        return queryset.filter(phone=e164), False


@admin.register(OtpChallenge)
class OtpChallengeAdmin(PhoneSearchMixin, ChallengeAdminBase):
    """Read-only; neither the code nor its hash is ever shown."""

    list_display = [
        "created_at",
        "masked_phone",
        "purpose",
        "mode",
        "sends",
        "attempts",
        "expires_at",
        "verified_at",
    ]
    list_filter = ["purpose", "mode", CreatedFilter]
    search_fields = ["phone"]
    ordering = ["-created_at"]
    exclude = ["code_hash"]
    readonly_fields = [
        "masked_phone",
        "purpose",
        "mode",
        "created_at",
        "expires_at",
        "last_sent_at",
        "verified_at",
        "attempts",
        "sends",
        "client_ip",
        "user",
        "sms_log",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("phone number"), ordering="phone")
    def masked_phone(self, obj: OtpChallenge) -> str:
        return phone.mask(str(obj.phone))

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # ?code_hash__startswith=… would recover the stored hash a character at a time.
        if lookup.split("__")[0] == "code_hash":
            return False
        return bool(super().lookup_allowed(lookup, value, request))


@admin.register(OtpLock)
class OtpLockAdmin(PhoneSearchMixin, LockAdminBase):
    """Phones locked after too many wrong codes; an action ends a lock sooner."""

    list_display = [
        "masked_phone",
        "created_at",
        "ends_at",
        "level",
        "released",
    ]
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
    list_display = ["phone", "user", "is_primary", "verified_at"]
    list_filter = ["is_primary"]
    search_fields = ["phone"]
    raw_id_fields = ["user"]
    ordering = ["-verified_at"]
