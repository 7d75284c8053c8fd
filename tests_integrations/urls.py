from __future__ import annotations

from django.urls import include, path
from django_otp.views import LoginView as OtpLoginView

from django_turkeysms.integrations.two_factor_urls import (
    urlpatterns as two_factor_urls,
)
from tests.urls import urlpatterns as core_urls
from tests_integrations.hooks import WhoAmI

urlpatterns = [
    *core_urls,
    path("allauth/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("", include(two_factor_urls)),
    path("otp/login/", OtpLoginView.as_view(), name="otp-login"),
    path("drf/whoami/", WhoAmI.as_view(), name="whoami"),
]
