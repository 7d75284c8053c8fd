"""A URLconf with two-factor's own views, as a project that has not switched
to ``django_turkeysms.integrations.two_factor_urls`` has (check W014)."""

from __future__ import annotations

from django.urls import include, path
from two_factor.urls import urlpatterns as two_factor_urls

urlpatterns = [path("", include(two_factor_urls))]
