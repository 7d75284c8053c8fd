from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import LogoutView
from django.urls import include, path

from example_project import views

urlpatterns = [
    path("", views.home, name="home"),
    path("protected/", views.protected, name="protected"),
    path("accounts/", include("django_turkeysms.urls")),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("api/otp/", include("django_turkeysms.api.urls")),
    path("admin/", admin.site.urls),
]

if settings.EXAMPLE_ALLAUTH:
    urlpatterns.append(path("allauth/", include("allauth.urls")))

if settings.EXAMPLE_TWO_FACTOR:
    from django_turkeysms.integrations.two_factor_urls import (
        urlpatterns as two_factor_urls,
    )

    urlpatterns.append(path("2fa/", include(two_factor_urls)))

if settings.EXAMPLE_DJANGO_OTP:
    from django_otp.views import LoginView as OtpLoginView

    urlpatterns.append(
        path(
            "otp/login/",
            OtpLoginView.as_view(template_name="otp_login.html"),
            name="otp-login",
        )
    )
