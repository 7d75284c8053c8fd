"""URLs for bench/admin.py: our admin, and a stock ModelAdmin on the same table."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from django_turkeysms.models import SmsLog

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


urlpatterns = [
    path("admin/", admin.site.urls),
    path("stock/", stock_site.urls),
]
