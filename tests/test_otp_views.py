"""The OTP views through the test client (security-and-reliability §3.1 items 21–41)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from django_turkeysms.models import OtpChallenge, VerifiedPhone
from django_turkeysms.views import LOGIN_SESSION_KEY
from tests.conftest import provider_settings

pytestmark = pytest.mark.django_db

PHONE = "+905321234567"
LOGIN = reverse("turkeysms:login")
LOGIN_CONFIRM = reverse("turkeysms:login-confirm")
VERIFY = reverse("turkeysms:verify-phone")
VERIFY_CONFIRM = reverse("turkeysms:verify-phone-confirm")
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def ayse():
    user = get_user_model().objects.create_user("ayse", password="not-used-here")
    VerifiedPhone.objects.create(user=user, phone=PHONE)
    return user


def code_in(outbox):
    return re.search(r"\b(\d{6})\b", outbox[-1].text).group(1)


def start_login(client, phone="0532 123 45 67", next_url=None):
    url = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    return client.post(url, {"phone": phone})


# -- the happy paths -----------------------------------------------------------------------


def test_full_login_against_the_sandbox(client, ayse, settings, turkeysms_sandbox):
    settings.TURKEYSMS = {
        **provider_settings(turkeysms_sandbox),
        "OTP_DELIVERY": "inline",
    }
    response = start_login(client, next_url="/orders/")
    assert response.status_code == 302 and response["Location"] == LOGIN_CONFIRM
    page = client.get(LOGIN_CONFIRM)
    assert b"+90 532 *** ** 67" in page.content
    assert (
        b'autocomplete="one-time-code"' in page.content
        and b'inputmode="numeric"' in page.content
    )
    [sms] = turkeysms_sandbox.messages
    code = re.search(r"\d{6}", sms.text).group()
    old_session = client.session.session_key
    response = client.post(LOGIN_CONFIRM, {"code": code})
    assert response.status_code == 302 and response["Location"] == "/orders/"
    assert int(client.session[SESSION_KEY]) == ayse.pk
    assert client.session.session_key != old_session  # 40: rotated
    assert LOGIN_SESSION_KEY not in client.session  # the number is not kept
    assert client.get("/").content == b"home: ayse"


def test_the_owner_of_a_number_is_one_statement(ayse, django_assert_num_queries):
    with django_assert_num_queries(1):
        owner = VerifiedPhone.objects.owner(PHONE)
    assert owner == ayse and owner.username == "ayse"  # a whole user, no lazy fields
    assert VerifiedPhone.objects.owner("+905329999999") is None


def test_a_deactivated_owner_is_not_logged_in(client, ayse, sms_outbox):
    start_login(client)
    type(ayse).objects.filter(pk=ayse.pk).update(is_active=False)
    response = client.post(LOGIN_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.status_code == 400 and SESSION_KEY not in client.session


def test_unsafe_next_is_ignored(client, ayse, sms_outbox):
    start_login(client, next_url="https://evil.example/steal")
    response = client.post(LOGIN_CONFIRM, {"code": code_in(sms_outbox)})
    assert response["Location"] == "/"


def test_wrong_code_then_lockout_message(client, ayse, sms_outbox):
    start_login(client)
    code = code_in(sms_outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        response = client.post(LOGIN_CONFIRM, {"code": wrong})
        assert response.status_code == 400
        assert b"That code is not correct" in response.content
    response = client.post(LOGIN_CONFIRM, {"code": code})  # 33: correct, but too late
    assert response.status_code == 400
    assert b"Too many attempts" in response.content
    assert SESSION_KEY not in client.session


def test_resend_countdown_and_a_new_code(
    client, ayse, sms_outbox, settings, monkeypatch
):
    from django_turkeysms import otp

    codes = iter([111111, 222222])
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: next(codes))
    start_login(client)
    page = client.get(LOGIN_CONFIRM)
    assert re.search(rb'data-wait="(5\d|60)" disabled', page.content)
    assert b"You can ask for a new code in" in page.content
    refused = client.post(LOGIN_CONFIRM, {"resend": "1"})
    assert refused.status_code == 429
    assert b"Too many requests. Try again in" in refused.content
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 0}
    cache.clear()
    old = code_in(sms_outbox)
    response = client.post(LOGIN_CONFIRM, {"resend": "1"})
    assert response.status_code == 302
    assert len(sms_outbox) == 2
    new = code_in(sms_outbox)
    assert (old, new) == ("111111", "222222")
    assert client.post(LOGIN_CONFIRM, {"code": old}).status_code == 400  # 32
    assert client.post(LOGIN_CONFIRM, {"code": new}).status_code == 302


def test_confirm_without_a_started_login_goes_back(client):
    assert client.get(LOGIN_CONFIRM)["Location"] == LOGIN
    assert client.post(LOGIN_CONFIRM, {"code": "123456"})["Location"] == LOGIN


# -- bad input on the code form (21–27, 29) ---------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["", "12345", "1234567", "abcdef", "1" * 10_000, "12345\x00"],
    ids=["empty", "five", "seven", "letters", "10kb", "nul"],
)
def test_malformed_codes_are_refused_without_touching_the_challenge(
    client, ayse, sms_outbox, typed
):
    start_login(client)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(LOGIN_CONFIRM, {"code": typed})
    assert response.status_code == 400
    assert b"errorlist" in response.content
    assert not any("otpchallenge" in query["sql"] for query in queries.captured_queries)
    assert OtpChallenge.objects.get().attempts == 0


@pytest.mark.parametrize("shape", ["spaced", "newline", "fullwidth"])
def test_typed_shapes_of_a_correct_code(client, ayse, sms_outbox, shape):
    start_login(client)
    code = code_in(sms_outbox)
    typed = {
        "spaced": f"{code[:2]} {code[2:4]} {code[4:]}",
        "newline": f"{code}\n",
        "fullwidth": code.translate(
            str.maketrans("0123456789", "０１２３４５６７８９")
        ),
    }[shape]
    assert client.post(LOGIN_CONFIRM, {"code": typed}).status_code == 302


def test_leading_zero_codes(client, ayse, sms_outbox, monkeypatch):  # 26
    from django_turkeysms import otp

    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: 12345)
    start_login(client)
    assert code_in(sms_outbox) == "012345"
    assert client.post(LOGIN_CONFIRM, {"code": "012345"}).status_code == 302


def test_tampered_fields_are_ignored(client, ayse, sms_outbox):  # 29
    start_login(client)
    for value in ["not-a-uuid", "5f0c2ac9-6c47-4c4b-9a3e-0d5c8d2f7b11", "' OR 1=1 --"]:
        response = client.post(
            LOGIN_CONFIRM,
            {"code": "000000", "challenge": value, "phone": "+905421234567"},
        )
        assert response.status_code == 400
    assert client.session[LOGIN_SESSION_KEY]["phone"] == PHONE
    assert OtpChallenge.objects.get().attempts == 3


def test_get_never_verifies_and_post_needs_csrf(ayse, sms_outbox):  # 38
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    token = (
        re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
        .group(1)
        .decode()
    )
    client.post(LOGIN, {"phone": "05321234567", "csrfmiddlewaretoken": token})
    code = code_in(sms_outbox)
    assert client.get(LOGIN_CONFIRM, {"code": code}).status_code == 200
    assert OtpChallenge.objects.get().verified_at is None
    assert client.post(LOGIN_CONFIRM, {"code": code}).status_code == 403
    assert OtpChallenge.objects.get().verified_at is None


# -- no enumeration (36) ---------------------------------------------------------------------


def comparable(response, digits=b"542"):
    """Status, redirect, cookie names and body, with CSRF tokens and the number's
    differing digits blanked out."""
    body = CSRF.sub(b"", response.content).replace(digits, b"532")
    return (
        response.status_code,
        response.get("Location"),
        sorted(response.cookies),
        body,
    )


def test_known_and_unknown_numbers_look_the_same(ayse, sms_outbox):  # 36
    known, unknown = Client(), Client()
    steps = [
        lambda c, phone: start_login(c, phone),
        lambda c, phone: c.get(LOGIN_CONFIRM),
        lambda c, phone: c.post(LOGIN_CONFIRM, {"code": "000000"}),
    ]
    for step in steps:
        assert comparable(step(known, "05321234567")) == comparable(
            step(unknown, "05421234567")
        )
    assert len(sms_outbox) == 1  # only the known number got an SMS


def test_throttling_looks_the_same_for_unknown_numbers(ayse, sms_outbox):
    known, unknown = Client(), Client()
    start_login(known, "05321234567")
    start_login(unknown, "05421234567")
    again = [start_login(known, "05321234567"), start_login(unknown, "05421234567")]
    assert comparable(again[0]) == comparable(again[1])
    assert again[0].status_code == 429


def test_invalid_number_on_the_login_form(client):
    response = start_login(client, "12")
    assert response.status_code == 400
    assert b"Enter a valid mobile number" in response.content


# -- phone verification, re-auth and the old number (40, 41) ----------------------------------------


def test_verify_phone_flow(client, sms_outbox):
    user = get_user_model().objects.create_user("mehmet")
    client.force_login(user)
    response = client.post(VERIFY, {"phone": "0542 123 45 67"})
    assert response["Location"] == VERIFY_CONFIRM
    old_session = client.session.session_key
    response = client.post(VERIFY_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.status_code == 302
    assert str(VerifiedPhone.objects.get(user=user).phone) == "+905421234567"
    assert client.session.session_key != old_session


def test_verify_phone_requires_login(client):
    response = client.get(VERIFY)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_changing_a_number_needs_a_fresh_login_and_tells_the_old_number(
    client, ayse, sms_outbox, mailoutbox
):
    ayse.set_unusable_password()  # logs in by phone only
    ayse.email = "ayse@example.com"
    ayse.save()
    client.force_login(ayse)
    session = client.session
    session["turkeysms_auth_time"] = 0  # logged in long ago
    session.save()
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?{urlencode({'next': VERIFY})}"
    start_login(client)  # logs in again through the old number
    client.post(LOGIN_CONFIRM, {"code": code_in(sms_outbox)})
    client.post(VERIFY, {"phone": "0542 123 45 67"})
    response = client.post(VERIFY_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.status_code == 302
    assert [str(p.phone) for p in VerifiedPhone.objects.filter(user=ayse)] == [
        "+905421234567"
    ]
    notice = sms_outbox[-1]
    assert notice.to == PHONE
    assert "+90 542 *** ** 67" in notice.text and "changed" in notice.text
    [mail] = mailoutbox
    assert mail.to == ["ayse@example.com"]
    assert mail.subject == "Your phone number was changed"
    assert "+90 542 *** ** 67" in mail.body


def test_a_number_of_another_account_cannot_be_taken(client, ayse, sms_outbox):
    other = get_user_model().objects.create_user("ali")
    client.force_login(other)
    client.post(VERIFY, {"phone": "0532 123 45 67"})
    response = client.post(VERIFY_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.status_code == 400
    assert b"cannot be added" in response.content
    assert VerifiedPhone.objects.get(phone=PHONE).user == ayse


def test_verify_confirm_shows_verification_errors(client, sms_outbox):
    client.force_login(get_user_model().objects.create_user("zeynep"))
    client.post(VERIFY, {"phone": "0542 123 45 67"})
    response = client.post(VERIFY_CONFIRM, {"code": "000000"})
    assert (
        response.status_code == 400 and b"That code is not correct" in response.content
    )


def test_verify_phone_resend(client, sms_outbox, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 0}
    client.force_login(get_user_model().objects.create_user("zeynep"))
    client.post(VERIFY, {"phone": "0542 123 45 67"})
    assert client.post(VERIFY_CONFIRM, {"resend": "1"}).status_code == 302
    assert len(sms_outbox) == 2


def test_verify_phone_throttled(client, sms_outbox):
    client.force_login(get_user_model().objects.create_user("zeynep"))
    client.post(VERIFY, {"phone": "0542 123 45 67"})
    response = client.post(VERIFY, {"phone": "0542 123 45 67"})
    assert response.status_code == 429


# -- language ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [("tr", "Telefonunuzla giriş yapın"), ("ar", "سجّل الدخول برقم هاتفك")],
)
def test_pages_are_translated(client, language, text):
    with translation.override(language):
        response = client.get(LOGIN, headers={"accept-language": language})
    assert text in response.content.decode()
