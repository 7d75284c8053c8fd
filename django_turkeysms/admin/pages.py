"""Two admin pages of the send log: compose an SMS, and the dashboard."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from django_turkeysms import _compat, maintenance, sending, validation
from django_turkeysms.admin import dashboard
from django_turkeysms.admin.filters import configured_senders
from django_turkeysms.conf import conf
from django_turkeysms.encoding import encoding_tables
from django_turkeysms.exceptions import (
    CountryNotAllowed,
    EmptyMessage,
    InvalidPhoneNumber,
    InvalidSender,
    MessageTooLong,
    MissingSender,
    TooManyRecipients,
    TurkeySmsError,
)
from django_turkeysms.maintenance import refresh_status
from django_turkeysms.message import Category, SmsStatus

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ComposeFormView = FormView["ComposeForm"]
else:
    _ComposeFormView = FormView

_SEPARATORS = re.compile(r"[\n,;]+")
#: The compose field a validation error of ``send_sms`` belongs to; errors of
#: other kinds are shown above the form.
_ERROR_FIELDS: tuple[tuple[type[TurkeySmsError], str], ...] = (
    (InvalidPhoneNumber, "recipients"),
    (TooManyRecipients, "recipients"),
    (EmptyMessage, "text"),
    (MessageTooLong, "text"),
    (MissingSender, "sender"),
    (InvalidSender, "sender"),
)
#: The alphabets an SMS is encoded in, in plain words (the detail page; the
#: compose counter's template names them the same).
ENCODING_NAMES = {
    "GSM7": _("standard (GSM 7-bit)"),
    "TURKISH": _("Turkish (national language shift)"),
    "UCS2": _("Unicode (UCS-2)"),
}
#: Outcomes of a status lookup that are not statuses.
_LOOKUP_OUTCOMES = {
    "skipped": _("not looked up"),
    "error": _("lookup failed"),
    "waiting": _("left for the next run"),
}
#: How long an admin button waits for the lookups' slots in all: the rest of
#: the batch is left for the ``refresh_statuses`` task, not a hung request.
REQUEST_LOOKUP_SECONDS = 5.0


def status_summary(counts: Mapping[str, int]) -> str:
    """ "Delivered: 2, Sent: 1": each status by its label, with its count."""
    labels = {**dict(SmsStatus.choices), **_LOOKUP_OUTCOMES}
    return ", ".join(
        f"{labels.get(key, key)}: {count}" for key, count in sorted(counts.items())
    )


def page_context(
    model_admin: ModelAdmin[Any], request: HttpRequest, title: Any
) -> dict[str, Any]:
    """The admin chrome of an extra page of the send log."""
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        "breadcrumbs_as_list": _compat.ADMIN_BREADCRUMBS_LIST,
    }


def refresh_and_report(
    model_admin: ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    """Look up the newest ``STATUS_BATCH_SIZE`` rows of ``queryset``; say what came
    back (the changelist action and the dashboard's button)."""
    limit = conf.STATUS_BATCH_SIZE
    rows = list(queryset.order_by("-created_at")[:limit])
    counts = refresh_status(rows, seconds=REQUEST_LOOKUP_SECONDS)
    _report_lookups(model_admin, request, counts)
    if queryset.count() > limit:
        model_admin.message_user(
            request,
            gettext("Only the newest %(limit)d were looked up; run it again for more.")
            % {"limit": limit},
            messages.WARNING,
        )


def _report_lookups(
    model_admin: ModelAdmin[Any], request: HttpRequest, counts: Mapping[str, int]
) -> None:
    """ "Looked up 3 messages (Delivered: 2, …)": those left waiting for a slot
    are named, not counted as looked up."""
    looked_up = sum(n for outcome, n in counts.items() if outcome != "waiting")
    text = ngettext(
        "Looked up %(count)d message (%(summary)s).",
        "Looked up %(count)d messages (%(summary)s).",
        looked_up,
    )
    summary = status_summary(counts) or "—"
    model_admin.message_user(request, text % {"count": looked_up, "summary": summary})


class SmsTextarea(forms.Textarea):
    """The text box with the live counter under it."""

    template_name = "django_turkeysms/widgets/sms_text.html"


class ComposeForm(forms.Form):
    recipients = forms.CharField(
        label=_("Recipients"),
        widget=forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
        help_text=_("Phone numbers, one per line or separated by commas."),
    )
    text = forms.CharField(
        label=_("Text"),
        widget=SmsTextarea(
            attrs={"rows": 6, "id": "sms-text", "class": "vLargeTextField"}
        ),
    )
    sender = forms.ChoiceField(label=_("Sender ID"), required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[(c.value, c.label) for c in Category if c != Category.OTP],
    )
    backend = forms.ChoiceField(label=_("Backend"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        senders = [("", gettext("The backend's default"))] + [
            (s, s) for s in configured_senders()
        ]
        self.fields["sender"].choices = senders  # type: ignore[attr-defined]
        self.fields["backend"].choices = [(a, a) for a in conf.BACKENDS]  # type: ignore[attr-defined]

    def clean_recipients(self) -> list[str]:
        """The numbers; every one that cannot be sent to is reported, with why."""
        numbers = [
            item.strip() for item in _SEPARATORS.split(self.cleaned_data["recipients"])
        ]
        numbers = [number for number in numbers if number]
        problems = []
        for number in numbers:
            try:
                validation.normalize_recipient(number)
            except InvalidPhoneNumber as exc:
                problems.append(
                    forms.ValidationError(
                        recipient_problem(number, exc), code=exc.reason
                    )
                )
        if problems:
            raise forms.ValidationError(problems)
        return numbers


#: What is wrong with a refused number, by the reason phone.parse_phone gives.
#: The exception's own text is English for developers (it names settings);
#: the compose page says it in the admin's language.
_RECIPIENT_PROBLEMS = {
    "invalid_characters": _(
        "%(number)s contains characters that cannot be in a phone number."
    ),
    "too_short": _("%(number)s is too short to be a mobile number."),
    "too_long": _("%(number)s is too long to be a mobile number."),
    "not_mobile": _(
        "%(number)s is not a mobile number. SMS can only be sent to mobile numbers."
    ),
}


def recipient_problem(number: str, error: InvalidPhoneNumber) -> str:
    """Why ``number`` cannot be sent to, for the compose page."""
    if isinstance(error, CountryNotAllowed):
        text = gettext(
            "%(number)s is from a country messages are not sent to. The "
            "ALLOWED_COUNTRIES setting lists the countries that are."
        )
    else:
        text = str(
            _RECIPIENT_PROBLEMS.get(
                error.reason, _("%(number)s is not a valid phone number.")
            )
        )
    return text % {"number": repr(number[:40])}


def error_field(error: TurkeySmsError) -> str | None:
    """The compose field ``error`` is about, or None for the whole form."""
    for kind, name in _ERROR_FIELDS:
        if isinstance(error, kind):
            return name
    return None


class _AdminPageMixin:
    """Admin chrome (site header, breadcrumbs, balance) and permission checks."""

    model_admin: ModelAdmin[Any] | None = None
    permission = ""
    title: Any = ""
    request: HttpRequest

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]

    @property
    def admin(self) -> ModelAdmin[Any]:
        assert self.model_admin is not None  # noqa: S101 - set by get_urls()
        return self.model_admin

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(
            page_context(self.admin, self.request, self.title),
            balance=dashboard.cached_balance(),
        )
        return context


class ComposeView(_AdminPageMixin, _ComposeFormView):
    """ "Send SMS": recipients, text, sender, category, with a live segment counter."""

    form_class = ComposeForm
    template_name = "admin/django_turkeysms/smslog/compose.html"
    permission = "django_turkeysms.send_sms"
    title = _("Send SMS")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context["form"]
        fieldsets = [(None, {"fields": list(form.fields)})]
        context.update(
            adminform=helpers.AdminForm(form, fieldsets, {}, model_admin=self.admin),
            encoding_tables=encoding_tables(),
        )
        return context

    def form_valid(self, form: ComposeForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            logs = sending.send_sms(
                data["text"],
                data["recipients"],
                sender=data["sender"] or None,
                category=data["category"],
                backend=data["backend"],
            )
        except TurkeySmsError as exc:
            form.add_error(error_field(exc), str(exc))
            return self.form_invalid(form)
        counts = Counter(str(log.status) for log in logs)
        text = ngettext(
            "Message logged for %(count)d recipient (%(summary)s).",
            "Message logged for %(count)d recipients (%(summary)s).",
            len(logs),
        )
        summary = status_summary(counts)
        messages.success(self.request, text % {"count": len(logs), "summary": summary})
        return HttpResponseRedirect(reverse("admin:django_turkeysms_smslog_changelist"))


class DashboardView(_AdminPageMixin, TemplateView):
    """The last 30 days: messages by status, delivery rate, credits; the balance.

    A POST looks up the status of the window's messages still awaiting a delivery
    report (the provider reports delivery only when asked).
    """

    template_name = "admin/django_turkeysms/smslog/dashboard.html"
    permission = "django_turkeysms.view_smslog"
    title = _("SMS dashboard")
    days = 30

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        days = dashboard.daily_stats(self.days)
        whole = dashboard.total_of(days)
        rate = whole.delivery_rate
        context.update(
            days=days,
            frame=dashboard.FRAME,
            point_radius=dashboard.POINT_RADIUS,
            status_chart=dashboard.status_chart(days),
            credit_chart=dashboard.credit_chart(days),
            rate_chart=dashboard.rate_chart(days),
            legend=[
                (status.label, colour)
                for status, colour in dashboard.STATUS_COLOURS.items()
            ],
            total=whole.total,
            credits=whole.credits,
            awaiting=dashboard.awaiting_report(days),
            lookup_since=dashboard.lookup_since(),
            lookups_per_minute=round(maintenance.lookups_per_minute()),
            delivery_rate=None if rate is None else 100 * rate,
            drift=dashboard.cached_drift(),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """One batch of the status refresh: the newest messages due a lookup."""
        limit = conf.STATUS_BATCH_SIZE
        batches = maintenance.refresh_due(limit=limit, seconds=REQUEST_LOOKUP_SECONDS)
        _report_lookups(self.admin, request, maintenance.refresh_totals(batches))
        return HttpResponseRedirect(request.path)
