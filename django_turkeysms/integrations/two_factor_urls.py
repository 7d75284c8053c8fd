"""two-factor's URLs, with the login, setup and backup-phone views whose SMS
tokens the OTP core judges (:mod:`.two_factor_views`). In place of two-factor's::

    from django_turkeysms.integrations.two_factor_urls import urlpatterns as tf_urls

    urlpatterns = [path("", include(tf_urls))]

Same paths, names and namespace (``two_factor``) as two-factor's.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver
from two_factor.urls import urlpatterns as two_factor_urlpatterns

from django_turkeysms.integrations.two_factor_views import (
    LoginView,
    PhoneSetupView,
    SetupView,
)

#: The views replaced, by URL name.
VIEWS: dict[str, Any] = {
    "login": LoginView,
    "setup": SetupView,
    "phone_create": PhoneSetupView,
}


def _ours(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    """``pattern`` with our view when it names one we replace; a resolver (the
    phone plugin's URLs) with its patterns replaced likewise."""
    if isinstance(pattern, URLResolver):
        return URLResolver(
            pattern.pattern,
            [_ours(p) for p in pattern.url_patterns],
            pattern.default_kwargs,
            pattern.app_name,
            pattern.namespace,
        )
    view = VIEWS.get(pattern.name or "")
    if view is None:
        return pattern
    return URLPattern(
        pattern.pattern, view.as_view(), pattern.default_args, pattern.name
    )


_patterns, _app_name = two_factor_urlpatterns
urlpatterns = ([_ours(p) for p in _patterns], _app_name)
