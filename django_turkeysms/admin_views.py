"""Two admin pages of the send log: compose an SMS, and the dashboard."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from django_turkeysms import dashboard, sending
from django_turkeysms.conf import conf
from django_turkeysms.encoding import encoding_tables
from django_turkeysms.exceptions import TurkeySmsError
from django_turkeysms.message import Category

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ComposeFormView = FormView["ComposeForm"]
else:
    _ComposeFormView = FormView

_SEPARATORS = re.compile(r"[\n,;]+")


class ComposeForm(forms.Form):
    recipients = forms.CharField(
        label=_("Recipients"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Phone numbers, one per line or separated by commas."),
    )
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 6, "id": "sms-text"})
    )
    sender = forms.ChoiceField(label=_("Sender ID"), required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[(c.value, c.label) for c in Category if c != Category.OTP],
    )
    backend = forms.ChoiceField(label=_("Backend"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django_turkeysms.admin import configured_senders

        super().__init__(*args, **kwargs)
        senders = [("", gettext("The backend's default"))] + [
            (s, s) for s in configured_senders()
        ]
        self.fields["sender"].choices = senders  # type: ignore[attr-defined]
        self.fields["backend"].choices = [(a, a) for a in conf.BACKENDS]  # type: ignore[attr-defined]

    def clean_recipients(self) -> list[str]:
        numbers = [
            item.strip() for item in _SEPARATORS.split(self.cleaned_data["recipients"])
        ]
        return [number for number in numbers if number]


class _AdminPageMixin:
    """Admin chrome (site header, breadcrumbs) and permission checks."""

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

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        assert self.model_admin is not None  # noqa: S101 - set by get_urls()
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.update(
            self.model_admin.admin_site.each_context(self.request),
            opts=self.model_admin.model._meta,
            title=self.title,
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
        context["encoding_tables"] = encoding_tables()
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
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        counts = Counter(str(log.get_status_display()) for log in logs)
        summary = ", ".join(f"{count} {status}" for status, count in counts.items())
        messages.success(
            self.request,
            gettext("Message logged for %(count)d recipient(s): %(summary)s.")
            % {"count": len(logs), "summary": summary},
        )
        return HttpResponseRedirect(reverse("admin:django_turkeysms_smslog_changelist"))


class DashboardView(_AdminPageMixin, TemplateView):
    """The last 30 days: messages by status, delivery rate, credits; the balance."""

    template_name = "admin/django_turkeysms/smslog/dashboard.html"
    permission = "django_turkeysms.view_smslog"
    title = _("SMS dashboard")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        days = dashboard.daily_stats()
        whole = dashboard.total_of(days)
        rate_points = dashboard.rate_points(days)
        context.update(
            days=days,
            width=dashboard.WIDTH,
            height=dashboard.HEIGHT,
            status_bars=dashboard.status_bars(days),
            credit_bars=dashboard.credit_bars(days),
            rate_points=rate_points,
            rate_line=" ".join(f"{x:.1f},{y:.1f}" for x, y, _label in rate_points),
            legend=[
                (status.label, colour)
                for status, colour in dashboard.STATUS_COLOURS.items()
            ],
            total=whole.total,
            credits=whole.credits,
            delivery_rate=None
            if whole.delivery_rate is None
            else 100 * whole.delivery_rate,
        )
        return context
