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
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from django_turkeysms import admin_views, otp, phone
from django_turkeysms.admin_views import configured_senders
from django_turkeysms.conf import conf
from django_turkeysms.dashboard import STATUS_COLOURS
from django_turkeysms.encoding import SmsLang
from django_turkeysms.exceptions import InvalidPhoneNumber
from django_turkeysms.maintenance import refresh_status
from django_turkeysms.models import (
    REDACTED,
    OtpChallenge,
    OtpLock,
    SendSmsLink,
    SmsDashboardLink,
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


def short_datetime(value: datetime | None) -> str:
    """A list cell's date and time: the short forms keep the columns narrow
    enough to fit a 1,280 px window beside the admin's sidebar and filters; a
    narrow column breaks the line between the date and the time only."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return format_html(
        '<span class="turkeysms-nowrap">{}</span> <span class="turkeysms-nowrap">{}</span>',
        date_format(local, "SHORT_DATE_FORMAT"),
        time_format(local, "TIME_FORMAT"),
    )


# -- the send log -----------------------------------------------------------------------------


@admin.register(SmsLog)
class SmsLogAdmin(LogAdminBase):
    list_display = [
        "created",
        "recipient_and_sender",
        "status_badge",
        "segments_and_credits",
        "provider",
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
    # The detail page: each field once, in the order someone investigating a
    # message reads them. The number is always masked, as in the page title.
    fieldsets = [
        (
            _("Message"),
            {
                "fields": [
                    "masked_recipient",
                    "sender",
                    "shown_body",
                    "category",
                    "encoding",
                    "segments",
                ]
            },
        ),
        (
            _("Delivery"),
            {
                "fields": [
                    "status_badge",
                    "backend",
                    "attempts",
                    "result_code",
                    "result_message",
                ]
            },
        ),
        (
            _("Provider"),
            {
                "fields": [
                    "provider_id",
                    "operator",
                    "country",
                    "credits",
                    "content_type",
                    "shown_provider_response",
                ]
            },
        ),
        (
            _("Timing"),
            {
                "fields": [
                    "created_at",
                    "send_at",
                    "claimed_at",
                    "sent_at",
                    "next_attempt_at",
                    "status_checked_at",
                    "delivered_at",
                ]
            },
        ),
        (
            _("Labels"),
            {"fields": ["tag", "idempotency_key", "batch", "shown_metadata"]},
        ),
    ]
    readonly_fields = flatten_fieldsets(fieldsets)

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

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj: SmsLog) -> str:
        return short_datetime(obj.created_at)

    @admin.display(description=_("recipient"), ordering="recipient")
    def masked_recipient(self, obj: SmsLog) -> str:
        return phone.mask(obj.recipient) if obj.recipient else "—"

    @admin.display(description=_("recipient / sender ID"), ordering="recipient")
    def recipient_and_sender(self, obj: SmsLog) -> str:
        # Two lines in one column, as with the provider: see provider().
        return format_html(
            '<span class="turkeysms-number">{}</span><br><span class="quiet">{}</span>',
            self.masked_recipient(obj),
            obj.sender or "—",
        )

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
            '<span class="turkeysms-badge" style="background:{};color:#fff;border-radius:3px;padding:1px 6px">{}</span>',
            colour,
            obj.get_status_display(),
        )

    @admin.display(description=_("segments / credits"))
    def segments_and_credits(self, obj: SmsLog) -> str:
        credits = "—" if obj.credits is None else str(obj.credits)
        return f"{obj.segments} / {credits}"

    @admin.display(description=_("provider id / operator"), ordering="provider_id")
    def provider(self, obj: SmsLog) -> str:
        # Two values in one column keep the list within a 1,280 px window next
        # to the admin's sidebar and the filters.
        if not obj.operator:
            return obj.provider_id or "—"
        return format_html(
            '{}<br><span class="quiet">{}</span>', obj.provider_id or "—", obj.operator
        )

    @admin.display(description=_("encoding"))
    def encoding(self, obj: SmsLog) -> str:
        return str(admin_views.ENCODING_NAMES[SmsLang(obj.language).name])

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
        admin_views.refresh_and_report(self, request, queryset)

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
            **admin_views.page_context(self, request, gettext("Retry messages?")),
            "rows": rows,
            "skipped": queryset.count() - len(rows),
            "unknown": sum(row.status == SmsLog.Status.UNKNOWN for row in rows),
            "queryset": queryset,
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
            % {
                "status": obj.get_status_display(),
                "outcome": admin_views.status_summary(counts),
            },
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


# -- the pages' entries in the admin index -------------------------------------------------


class PageLinkAdmin(LogAdminBase):
    """An entry in the admin index that opens one of the send log's pages: the
    index lists models only, hence a proxy model per page."""

    page = ""
    permission = ""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm(self.permission))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.open_page), name=name)]

    def open_page(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(reverse(self.page))


@admin.register(SmsDashboardLink)
class SmsDashboardLinkAdmin(PageLinkAdmin):
    page = "admin:django_turkeysms_smslog_dashboard"
    permission = "django_turkeysms.view_smslog"


@admin.register(SendSmsLink)
class SendSmsLinkAdmin(PageLinkAdmin):
    page = "admin:django_turkeysms_smslog_send"
    permission = "django_turkeysms.send_sms"
