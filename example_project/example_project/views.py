from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    phones = request.user.verified_phones.all() if request.user.is_authenticated else []
    return render(request, "home.html", {"phones": phones})


@login_required
def protected(request: HttpRequest) -> HttpResponse:
    return render(request, "protected.html")
