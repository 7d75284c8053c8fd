"""The JSON API through the test client: the flows the pages have, in JSON."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse
from openapi_spec_validator import validate

from django_turkeysms.api.views import OPENAPI
from django_turkeysms.flows import LOGIN_SESSION_KEY
from django_turkeysms.models import OtpChallenge, VerifiedPhone

pytestmark = pytest.mark.django_db

PHONE = "+905321234567"
LOGIN = reverse("turkeysms_api:login")
LOGIN_CONFIRM = reverse("turkeysms_api:login-confirm")
VERIFY = reverse("turkeysms_api:verify-phone")
VERIFY_CONFIRM = reverse("turkeysms_api:verify-phone-confirm")
SPEC = json.loads(OPENAPI.read_text())


def post(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def code_in(outbox, index=-1):
    return re.search(r"\b(\d{6})\b", outbox[index].text).group(1)


def conforms(response, schema):
    """The body matches its schema in the shipped OpenAPI description."""
    jsonschema.validate(
        response.json(),
        {"$ref": f"#/components/schemas/{schema}", "components": SPEC["components"]},
    )
    return True


@pytest.fixture
def ayse():
    user = get_user_model().objects.create_user("ayse", email="ayse@example.com")
    VerifiedPhone.objects.create(user=user, phone=PHONE)
    return user


@pytest.fixture
def no_cooldown(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 0}


# -- login ---------------------------------------------------------------------------


def test_login_by_code(client, ayse, sms_outbox):
    response = post(client, LOGIN, {"phone": "0532 123 45 67"})
    assert response.status_code == 202
    assert response.json() == {
        "phone": "+90 532 *** ** 67",
        "expires_in": 300,
        "resend_after": 60,
    }
    assert conforms(response, "CodeSent")
    session_before = client.session.session_key
    response = post(client, LOGIN_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.status_code == 200
    assert response.json() == {"user": {"id": str(ayse.pk)}}
    assert conforms(response, "LoggedIn")
    assert int(client.session[SESSION_KEY]) == ayse.pk
    assert client.session.session_key != session_before


def test_a_wrong_code_is_an_error_in_the_documented_shape(client, ayse, sms_outbox):
    post(client, LOGIN, {"phone": PHONE})
    response = post(client, LOGIN_CONFIRM, {"code": "000000"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "wrong_code",
        "message": "That code is not correct. Check the SMS and try again.",
        "retry_after": None,
    }
    assert conforms(response, "Error")
    assert SESSION_KEY not in client.session


def test_resend_gives_a_new_code_and_the_old_one_stops_working(
    client, ayse, sms_outbox, no_cooldown
):
    post(client, LOGIN, {"phone": PHONE})
    old = code_in(sms_outbox)
    response = post(client, LOGIN_CONFIRM, {"resend": True})
    assert response.status_code == 202 and len(sms_outbox) == 2
    new = code_in(sms_outbox)
    if old != new:
        assert post(client, LOGIN_CONFIRM, {"code": old}).json()["code"] == (
            "wrong_code"
        )
    assert post(client, LOGIN_CONFIRM, {"code": new}).status_code == 200


def test_limits_answer_429_with_retry_after(client, ayse, sms_outbox):
    post(client, LOGIN, {"phone": PHONE})
    response = post(client, LOGIN_CONFIRM, {"resend": True})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled" and 55 <= body["retry_after"] <= 60
    assert response["Retry-After"] == str(body["retry_after"])
    assert (
        body["message"]
        == f"Too many requests. Try again in {body['retry_after']} seconds."
    )
    assert conforms(response, "Error")


def test_the_code_is_bound_to_the_session_that_asked(ayse, sms_outbox, no_cooldown):
    attacker, victim = Client(), Client()
    post(attacker, LOGIN, {"phone": PHONE})
    post(victim, LOGIN, {"phone": PHONE})
    response = post(attacker, LOGIN_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.status_code == 400
    assert post(victim, LOGIN_CONFIRM, {"code": code_in(sms_outbox)}).status_code == 200


def test_the_pages_and_the_api_share_one_flow(client, ayse, sms_outbox):
    """A login started on the page can be finished in JSON: one session state."""
    client.post(reverse("turkeysms:login"), {"phone": PHONE})
    assert client.session[LOGIN_SESSION_KEY]["phone"] == PHONE
    assert post(client, LOGIN_CONFIRM, {"code": code_in(sms_outbox)}).status_code == 200


def test_known_and_unknown_numbers_get_the_same_answers(ayse, sms_outbox):
    known, unknown = Client(), Client()
    for step in (
        lambda c, number: post(c, LOGIN, {"phone": number}),
        lambda c, number: post(c, LOGIN_CONFIRM, {"code": "000000"}),
        lambda c, number: post(c, LOGIN, {"phone": number}),  # throttled alike
    ):
        answers = [step(known, PHONE), step(unknown, "+905421234567")]
        shapes = [
            (a.status_code, a.content.replace(b"542", b"532"), sorted(a.cookies))
            for a in answers
        ]
        assert shapes[0] == shapes[1]
    assert len(sms_outbox) == 1


def test_no_code_asked_yet(client):
    response = post(client, LOGIN_CONFIRM, {"code": "123456"})
    assert (response.status_code, response.json()["code"]) == (400, "no_code")


def test_the_token_hook_adds_to_a_successful_login(client, ayse, sms_outbox, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "API_TOKEN_HOOK": "tests.test_api.hook"}
    post(client, LOGIN, {"phone": PHONE})
    response = post(client, LOGIN_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.json() == {"user": {"id": str(ayse.pk)}, "token": "t-ayse"}
    assert conforms(response, "LoggedIn")


def hook(*, request, user):
    assert request.user == user  # called after the session logged in
    return {"token": f"t-{user.username}"}


# -- verify-phone ----------------------------------------------------------------------


def test_verify_phone(client, sms_outbox, mailoutbox):
    mehmet = get_user_model().objects.create_user("mehmet", email="m@example.com")
    client.force_login(mehmet)
    response = post(client, VERIFY, {"phone": "0542 123 45 67"})
    assert response.status_code == 202 and conforms(response, "CodeSent")
    response = post(client, VERIFY_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.status_code == 200
    assert response.json() == {"phone": "+90 542 *** ** 67"}
    assert conforms(response, "Verified")
    assert str(VerifiedPhone.objects.get(user=mehmet).phone) == "+905421234567"
    assert [mail.subject for mail in mailoutbox] == [
        "A phone number was added to your account"
    ]


def test_verify_phone_needs_a_login_and_a_recent_one(client, sms_outbox):
    assert post(client, VERIFY, {"phone": PHONE}).json()["code"] == (
        "not_authenticated"
    )
    client.force_login(get_user_model().objects.create_user("mehmet"))
    post(client, VERIFY, {"phone": "0542 123 45 67"})
    session = client.session
    session["turkeysms_auth_time"] = 0
    session.save()
    for url, data in ((VERIFY, {"phone": PHONE}), (VERIFY_CONFIRM, {"resend": True})):
        response = post(client, url, data)
        assert response.status_code == 403
        assert response.json()["code"] == "reauthentication_required"
    response = post(client, VERIFY_CONFIRM, {"code": code_in(sms_outbox)})
    assert response.json()["code"] == "reauthentication_required"
    assert len(sms_outbox) == 1 and not VerifiedPhone.objects.exists()


def test_a_number_of_another_account_cannot_be_taken(client, ayse, sms_outbox):
    client.force_login(get_user_model().objects.create_user("ali"))
    post(client, VERIFY, {"phone": PHONE})
    response = post(client, VERIFY_CONFIRM, {"code": code_in(sms_outbox)})
    assert (response.status_code, response.json()["code"]) == (400, "phone_taken")
    assert VerifiedPhone.objects.get(phone=PHONE).user == ayse


# -- CSRF, methods, the description -------------------------------------------------------


def test_csrf_for_browser_clients(ayse, sms_outbox):
    browser = Client(enforce_csrf_checks=True)
    refused = post(browser, LOGIN, {"phone": PHONE})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed" and conforms(refused, "Error")
    assert not OtpChallenge.objects.exists()
    token = browser.get(reverse("turkeysms_api:csrf")).json()["csrf_token"]
    assert "csrftoken" in browser.cookies
    response = post(browser, LOGIN, {"phone": PHONE}, headers={"x-csrftoken": token})
    assert response.status_code == 202


def test_other_methods_are_refused_in_json(client):
    response = client.get(LOGIN)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response.json()["code"] == "method_not_allowed"
    assert client.post(reverse("turkeysms_api:csrf")).status_code == 405


def test_the_openapi_description_is_valid_and_served(client):
    response = client.get(reverse("turkeysms_api:openapi"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    spec = response.json()
    validate(spec)
    names = {
        operation["operationId"]
        for item in spec["paths"].values()
        for operation in item.values()
    }
    for name in names:  # every operation is a URL of the API, at its path
        path = reverse(f"turkeysms_api:{name}").removeprefix("/api/otp")
        assert path in spec["paths"], name


def test_a_wrong_code_on_verify_phone(client, sms_outbox):
    client.force_login(get_user_model().objects.create_user("mehmet"))
    post(client, VERIFY, {"phone": "0542 123 45 67"})
    response = post(client, VERIFY_CONFIRM, {"code": "000000"})
    assert (response.status_code, response.json()["code"]) == (400, "wrong_code")
    assert not VerifiedPhone.objects.exists()


def test_a_right_code_for_a_user_deactivated_meanwhile(client, ayse, sms_outbox):
    post(client, LOGIN, {"phone": PHONE})
    ayse.is_active = False
    ayse.save()
    response = post(client, LOGIN_CONFIRM, {"code": code_in(sms_outbox)})
    assert (response.status_code, response.json()["code"]) == (400, "wrong_code")
    assert SESSION_KEY not in client.session
