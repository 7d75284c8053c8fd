from __future__ import annotations

from django.urls import path

from django_turkeysms import views

app_name = "turkeysms"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/confirm/", views.LoginConfirmView.as_view(), name="login-confirm"),
    path("verify-phone/", views.VerifyPhoneView.as_view(), name="verify-phone"),
    path(
        "verify-phone/confirm/",
        views.VerifyPhoneConfirmView.as_view(),
        name="verify-phone-confirm",
    ),
    path(
        "reauthenticate/",
        views.ReauthenticateView.as_view(),
        name="reauthenticate",
    ),
]
