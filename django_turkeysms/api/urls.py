from __future__ import annotations

from django.urls import path

from django_turkeysms.api import views
from django_turkeysms.urls import flow_patterns

app_name = "turkeysms_api"

urlpatterns = [
    *flow_patterns(views),
    path("csrf/", views.CsrfView.as_view(), name="csrf"),
    path("openapi.json", views.OpenApiView.as_view(), name="openapi"),
]
