"""The send log: read-only, fast on a year of traffic, with status lookups, retries,
and entries in the admin index for the compose page and the dashboard.

Fast at a million rows: no full-table ``COUNT`` (an estimate on PostgreSQL), no
``date_hierarchy`` (``DISTINCT date_trunc``), filters whose options come from
settings rather than ``SELECT DISTINCT``, a search that looks up an exact,
indexed value, and deep pages read through their primary keys.
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from django_turkeysms import phone
from django_turkeysms.admin import pages
from django_turkeysms.admin.columns import short_datetime
from django_turkeysms.admin.dashboard import STATUS_COLOURS
from django_turkeysms.admin.filters import BackendFilter, CreatedFilter, SenderFilter
from django_turkeysms.admin.paginator import EstimatedCountPaginator
from django_turkeysms.admin.permissions import ReadOnly
from django_turkeysms.conf import conf
from django_turkeysms.encoding import SmsLang
from django_turkeysms.exceptions import InvalidPhoneNumber
from django_turkeysms.maintenance import RETRYABLE, queue_again, refresh_status
from django_turkeysms.models import (
    REDACTED,
    SendSmsLink,
    SmsDashboardLink,
    SmsLog,
)
from django_turkeysms.sending import dispatch

if TYPE_CHECKING:
    LogAdminBase = admin.ModelAdmin[SmsLog]
else:  # ModelAdmin is generic for type checkers only
    LogAdminBase = admin.ModelAdmin


@admin.register(SmsLog)
class SmsLogAdmin(ReadOnly, LogAdminBase):
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

    # -- permissions: a log is never added, edited or deleted here ---------------------

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
        # a large share of the page's time (bench B4); the same markup, built here.
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
        return str(pages.ENCODING_NAMES[SmsLang(obj.language).name])

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
        pages.refresh_and_report(self, request, queryset)

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
            **pages.page_context(self, request, gettext("Retry messages?")),
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
        queued = queue_again(usable, note=note)
        if queued:
            dispatch(queued)
        text = ngettext(
            "%(count)d message queued again.",
            "%(count)d messages queued again.",
            len(queued),
        )
        self.message_user(request, text % {"count": len(queued)})
        not_stored = len(rows) - len(usable)
        warnings = [
            ngettext(
                "%(count)d message skipped: it has neither failed nor an unknown status.",
                "%(count)d messages skipped: they have neither failed nor an unknown status.",
                skipped,
            )
            % {"count": skipped},
            ngettext(
                "%(count)d message skipped: its text is not stored.",
                "%(count)d messages skipped: their text is not stored.",
                not_stored,
            )
            % {"count": not_stored},
        ]
        for count, warning in zip((skipped, not_stored), warnings, strict=True):
            if count:
                self.message_user(request, warning, messages.WARNING)

    # -- extra pages ---------------------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "send/",
                wrap(pages.ComposeView.as_view(model_admin=self)),
                name="django_turkeysms_smslog_send",
            ),
            path(
                "dashboard/",
                wrap(pages.DashboardView.as_view(model_admin=self)),
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
        # updates obj in place
        counts = refresh_status([obj], seconds=pages.REQUEST_LOOKUP_SECONDS)
        self.message_user(
            request,
            gettext("Status: %(status)s (%(outcome)s).")
            % {
                "status": obj.get_status_display(),
                "outcome": pages.status_summary(counts),
            },
        )
        return HttpResponseRedirect(change_url)


# -- the pages' entries in the admin index -------------------------------------------------


class PageLinkAdmin(ReadOnly, LogAdminBase):
    """An entry in the admin index that opens one of the send log's pages: the
    index lists models only, hence a proxy model per page."""

    page = ""
    permission = ""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm(self.permission))

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
