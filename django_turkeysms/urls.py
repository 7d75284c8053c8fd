from __future__ import annotations

from types import ModuleType

from django.urls import URLPattern, path

from django_turkeysms import views

app_name = "turkeysms"


def flow_patterns(views: ModuleType) -> list[URLPattern]:
    """The four steps of login and phone verification, for a module that has
    their views: the pages' and the JSON API's share routes and names."""
    return [
        path("login/", views.LoginView.as_view(), name="login"),
        path("login/confirm/", views.LoginConfirmView.as_view(), name="login-confirm"),
        path("verify-phone/", views.VerifyPhoneView.as_view(), name="verify-phone"),
        path(
            "verify-phone/confirm/",
            views.VerifyPhoneConfirmView.as_view(),
            name="verify-phone-confirm",
        ),
    ]


urlpatterns = [
    *flow_patterns(views),
    path(
        "reauthenticate/",
        views.ReauthenticateView.as_view(),
        name="reauthenticate",
    ),
]
