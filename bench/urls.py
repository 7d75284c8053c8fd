"""URLs for the benchmarks: our admin and a stock ModelAdmin on the same table
(bench/admin.py), the app's OTP views and Django's login alone (bench/otp.py)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import include, path

from django_turkeysms.models import SmsLog, VerifiedPhone
from django_turkeysms.views import LOGIN_SESSION_KEY

stock_site = admin.AdminSite(name="stock")


@admin.register(SmsLog, site=stock_site)
class StockSmsLogAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """What a project would write without thinking about a million rows."""

    list_display = [
        "created_at",
        "recipient",
        "sender",
        "status",
        "segments",
        "credits",
        "provider_id",
        "operator",
    ]
    list_filter = ["status", "category", "backend", "sender", "created_at"]
    search_fields = ["recipient", "provider_id"]
    date_hierarchy = "created_at"
    list_per_page = 50
    # Our app's templates would be picked up by name otherwise.
    change_list_template = "admin/change_list.html"


def login_without_code(request: HttpRequest) -> HttpResponse:
    """The login step with no code to check: the user of the number in the
    session, Django's ``login()`` (new session key, ``last_login``), a redirect.
    B5's baseline for what the OTP check itself adds."""
    state = request.session[LOGIN_SESSION_KEY]
    owner = VerifiedPhone.objects.select_related("user").get(phone=state["phone"])
    login(request, owner.user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(state["next"])


urlpatterns = [
    path("login-without-code/", login_without_code, name="login-without-code"),
    path("admin/", admin.site.urls),
    path("stock/", stock_site.urls),
    path("accounts/", include("django_turkeysms.urls")),
]
