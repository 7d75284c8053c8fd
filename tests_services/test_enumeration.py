"""Account enumeration on phone-number login (security-and-reliability §3.1
items 36–37), on the page and on the JSON API: a known and an unknown number get
the same answer, and about the same time, on PostgreSQL with the default background delivery and a sandbox that
takes 20 ms to answer. The sandbox runs in its own process, as the provider
does: its work must not be counted against the requests measured here.

Each request is timed on its own, on a quiet site: the background work a known
number starts after its response (the log row, the provider call, and last the
closing of its database connection) is over before the next request, and every
request, known or unknown, is followed by the same pause. What a request finds
behind it still depends on the requests before it (a known number's SMS leaves
the server slower for a while), so the order is a seeded shuffle of the two
sides: a request's past is the same mix whichever side it is on. A fixed order
cannot promise that: counterbalanced pairs (known, unknown, unknown, known, …)
even out the request just before, but then every unknown number has a known one
two requests back and no known number has, and that alone separated the two
sides on the login page.

Timing is reported, not asserted (timings on a shared machine drift): p50 and
p95 of each side, their gaps, and a two-sample Kolmogorov–Smirnov test go into
the reliability figures. That the two requests do the same work is asserted in
tests/test_otp_abuse.py (the same statements and cache operations).
"""

from __future__ import annotations

import http.client
import json
import random
import re
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from django.utils.http import urlencode
from scipy.stats import ks_2samp

from django_turkeysms.models import OtpChallenge, SmsLog, VerifiedPhone
from django_turkeysms.testing.sandbox.process import SandboxProcess
from tests import figures
from tests.conftest import provider_settings
from tests_services.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = reverse("turkeysms:login")
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
API_LOGIN = reverse("turkeysms_api:login")
API_CSRF = reverse("turkeysms_api:csrf")
MASKED = re.compile(rb"\+90 5\d\d")  # the API echoes the masked number
Request = tuple[str, bytes, dict[str, str]]
REQUESTS = figures.runs(ci=300, long=2000)
#: Seconds every request is followed by, known or unknown (see :func:`settle`).
PAUSE = 0.05
#: The order of known and unknown numbers: shuffled, and the same in every run.
ORDER_SEED = 20261129


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


def csrf_from_page(body: bytes) -> str:
    token = CSRF_TOKEN.search(body.decode())
    assert token is not None
    return token.group(1)


def csrf_from_api(body: bytes) -> str:
    return str(json.loads(body)["csrf_token"])


#: How each face is asked: where its CSRF token comes from, and the request.
FACES: dict[str, tuple[str, Callable[[bytes], str], Callable[[str, str], Request]]] = {
    "login": (
        LOGIN,
        csrf_from_page,
        lambda phone, token: (
            LOGIN,
            urlencode({"phone": phone, "csrfmiddlewaretoken": token}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
    ),
    "JSON API login": (
        API_CSRF,
        csrf_from_api,
        lambda phone, token: (
            API_LOGIN,
            json.dumps({"phone": phone}).encode(),
            {"Content-Type": "application/json", "X-CSRFToken": token},
        ),
    ),
}


def answer(base_url: str, phone: str, face: str) -> tuple[tuple[object, ...], float]:
    """What a fresh visitor sees after submitting ``phone``, and how long it took
    to arrive over HTTP: as on a real server, the response is sent before the
    request's background work starts (Django's test client would time that too).

    The request goes out in one write on a connection opened beforehand, so that
    neither the TCP handshake nor Nagle's algorithm is timed.
    """
    host = urlsplit(base_url).netloc
    token_path, read_token, build = FACES[face]
    first = http.client.HTTPConnection(host, timeout=10)
    first.request("GET", token_path)
    page = first.getresponse()
    token = read_token(page.read())
    cookie = page.getheader("Set-Cookie", "").split(";")[0]
    first.close()
    path, body, headers = build(phone, token)
    headers = {**headers, "Cookie": cookie, "Referer": base_url + LOGIN}
    visitor = http.client.HTTPConnection(host, timeout=10)
    visitor.connect()
    started = time.perf_counter()
    visitor.request("POST", path, body=body, headers=headers)
    response = visitor.getresponse()
    content = response.read()
    elapsed = time.perf_counter() - started
    visitor.close()
    shape = (
        response.status,
        response.getheader("Location"),
        MASKED.sub(b"", CSRF.sub(b"", content)),
        sorted(
            header.split("=", 1)[0]
            for header in response.headers.get_all("Set-Cookie") or []
        ),
    )
    return shape, elapsed


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[int(share * 100) - 1]


@pytest.fixture
def provider(settings, monkeypatch):
    with SandboxProcess(latency=0.02) as sandbox:
        settings.TURKEYSMS = {
            **provider_settings(sandbox),
            "OTP_DELIVERY": "background",
            "OTP_IP_MAX_SENDS": 10**6,
            "OTP_PREFIX_MIN_SENDS": 10**6,
        }
        # The site runs in a process of its own, with the same settings.
        monkeypatch.setenv("TURKEYSMS_TEST_CONFIG", json.dumps(settings.TURKEYSMS))
        yield sandbox


def sms_settled(phone: str) -> bool:
    """Whether the SMS of the site's newest code for ``phone`` reached its final
    status: the background work that request started has finished."""
    return SmsLog.objects.filter(recipient=phone, status=SmsLog.Status.SENT).exists()


def site_idle() -> bool:
    """Whether the site holds no database connection: its requests and the
    background jobs they started (which close their connection last) are over."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return bool(cursor.fetchone() == (0,))


def settle() -> None:
    """The same wait after every request: until the site is idle, then a pause
    for what its work leaves behind (connections the database is still ending)."""
    wait_for(site_idle, timeout=30, interval=0.005, message="an idle site")
    time.sleep(PAUSE)


@pytest.mark.parametrize("face", list(FACES), ids=["page", "api"])
def test_known_and_unknown_numbers_look_the_same(provider, workers, face):
    site = workers.start_site()
    known = known_users(REQUESTS)
    unknown = [f"+90542{n:07d}" for n in range(REQUESTS)]
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    numbers = {"known": iter(known), "unknown": iter(unknown)}
    order = ["known", "unknown"] * REQUESTS
    random.Random(ORDER_SEED).shuffle(order)
    shapes: dict[str, list[object]] = {"known": [], "unknown": []}
    for side in order:
        phone = next(numbers[side])
        shape, elapsed = answer(site, phone, face)
        times[side].append(elapsed)
        shapes[side].append(shape)
        if side == "known":  # its SMS is sent before the next request is timed
            wait_for(
                lambda phone=phone: sms_settled(phone),
                timeout=30,
                message="the SMS",
            )
        settle()
    # The n-th numbers of both sides end in the same digits, which the API masks.
    assert shapes["known"] == shapes["unknown"]
    sends = provider.stats()["sends_by_number"]
    assert sorted(sends) == sorted(phone[1:] for phone in known)  # only known ones
    assert OtpChallenge.objects.count() == 2 * REQUESTS  # the same work for both
    gaps = {
        name: abs(
            percentile(times["known"], share) - percentile(times["unknown"], share)
        )
        for name, share in (("p50", 0.5), ("p95", 0.95))
    }
    ks = ks_2samp(times["known"], times["unknown"])
    figures.note(
        f"enumeration: known vs unknown number on {face}",
        f"{REQUESTS:,} requests each, identical status, body and cookies; "
        f"p50 {statistics.median(times['known']) * 1000:.2f} vs "
        f"{statistics.median(times['unknown']) * 1000:.2f} ms (gap {gaps['p50'] * 1000:.2f} ms), "
        f"p95 gap {gaps['p95'] * 1000:.2f} ms; two-sample KS D = {ks.statistic:.3f}, "
        f"p = {ks.pvalue:.3f} ({'not ' if ks.pvalue >= 0.01 else ''}separated at α = 0.01)",
    )
