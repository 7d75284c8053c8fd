"""Account enumeration on phone-number login (security-and-reliability §3.1
items 36–37), on the page and on the JSON API: a known and an unknown number get
the same answer, and about the same time, on PostgreSQL with the default background delivery and a sandbox that
takes 20 ms to answer. The sandbox runs in its own process, as the provider
does: its work must not be counted against the requests measured here.

Timing is reported, not asserted (timings on a shared machine drift): p50 and
p95 of each side and their gaps go into the reliability figures.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from django_turkeysms import otp_delivery
from django_turkeysms.models import OtpChallenge, VerifiedPhone
from django_turkeysms.sandbox.process import SandboxProcess
from tests import figures
from tests.conftest import provider_settings

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = reverse("turkeysms:login")
API_LOGIN = reverse("turkeysms_api:login")
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
MASKED = re.compile(rb"\+90 5\d\d")  # the API echoes the masked number
REQUESTS = figures.runs(ci=200, long=1000)


def known_users(count: int) -> list[str]:
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"user{n}") for n in range(count)
    )
    phones = [f"+90532{n:07d}" for n in range(count)]
    VerifiedPhone.objects.bulk_create(
        VerifiedPhone(user=user, phone=phone)
        for user, phone in zip(users, phones, strict=True)
    )
    return phones


def page_login(client: Client, phone: str) -> Any:
    return client.post(LOGIN, {"phone": phone})


def api_login(client: Client, phone: str) -> Any:
    return client.post(
        API_LOGIN, json.dumps({"phone": phone}), content_type="application/json"
    )


Face = Callable[[Client, str], Any]


def answer(
    phone: str, index: int, face: Face = page_login
) -> tuple[tuple[object, ...], float]:
    """What a fresh visitor sees after submitting ``phone``, and how long it took."""
    client = Client(
        REMOTE_ADDR=f"10.{index // 65536}.{index // 256 % 256}.{index % 256}"
    )
    started = time.perf_counter()
    response = face(client, phone)
    elapsed = time.perf_counter() - started
    shape = (
        response.status_code,
        response.get("Location"),
        MASKED.sub(b"", CSRF.sub(b"", response.content)),
        sorted(response.cookies),
    )
    return shape, elapsed


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1]


@pytest.fixture
def provider(settings):
    with SandboxProcess(latency=0.02) as sandbox:
        settings.TURKEYSMS = {
            **provider_settings(sandbox),
            "OTP_DELIVERY": "background",
            "OTP_IP_MAX_SENDS": 10**6,
            "OTP_PREFIX_MIN_SENDS": 10**6,
        }
        yield sandbox


@pytest.mark.parametrize(
    ("face", "name"),
    [(page_login, "login"), (api_login, "JSON API login")],
    ids=["page", "api"],
)
def test_known_and_unknown_numbers_look_the_same(provider, face, name):
    known = known_users(REQUESTS)
    unknown = [f"+90542{n:07d}" for n in range(REQUESTS)]
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for index in range(REQUESTS):  # interleaved, so drift hits both sides alike
        known_shape, times_known = answer(known[index], 2 * index, face)
        unknown_shape, times_unknown = answer(unknown[index], 2 * index + 1, face)
        assert known_shape == unknown_shape
        times["known"].append(times_known)
        times["unknown"].append(times_unknown)
    otp_delivery.wait_for_background()
    sends = provider.stats()["sends_by_number"]
    assert sorted(sends) == sorted(phone[1:] for phone in known)  # only known ones
    assert OtpChallenge.objects.count() == 2 * REQUESTS  # the same work for both
    gaps = {
        share: abs(
            percentile(times["known"], share) - percentile(times["unknown"], share)
        )
        for share in (0.5, 0.95)
    }
    figures.note(
        f"enumeration: known vs unknown number on {name}",
        f"{REQUESTS:,} requests each, identical status, body and cookies; "
        f"p50 {statistics.median(times['known']) * 1000:.1f} vs "
        f"{statistics.median(times['unknown']) * 1000:.1f} ms (gap {gaps[0.5] * 1000:.2f} ms), "
        f"p95 gap {gaps[0.95] * 1000:.2f} ms",
    )
