from __future__ import annotations

from django.urls import path

from django_turkeysms.api import views

app_name = "turkeysms_api"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/confirm/", views.LoginConfirmView.as_view(), name="login-confirm"),
    path("verify-phone/", views.VerifyPhoneView.as_view(), name="verify-phone"),
    path(
        "verify-phone/confirm/",
        views.VerifyPhoneConfirmView.as_view(),
        name="verify-phone-confirm",
    ),
    path("csrf/", views.CsrfView.as_view(), name="csrf"),
    path("openapi.json", views.OpenApiView.as_view(), name="openapi"),
]
