from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    phones = request.user.verified_phones.all() if request.user.is_authenticated else []
    integrations = {
        "allauth": settings.EXAMPLE_ALLAUTH,
        "two_factor": settings.EXAMPLE_TWO_FACTOR,
        "django_otp": settings.EXAMPLE_DJANGO_OTP,
    }
    return render(request, "home.html", {"phones": phones, **integrations})


@login_required
def protected(request: HttpRequest) -> HttpResponse:
    return render(request, "protected.html")
