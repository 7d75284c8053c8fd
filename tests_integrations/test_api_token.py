"""``API_TOKEN_HOOK`` with Django REST framework: the JSON API's login returns a
DRF token, which DRF's ``TokenAuthentication`` then accepts."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from django_turkeysms.models import VerifiedPhone

pytestmark = pytest.mark.django_db

PHONE = "+905321234567"


def post(client, name, data):
    return client.post(
        reverse(f"turkeysms_api:{name}"),
        json.dumps(data),
        content_type="application/json",
    )


def test_a_drf_token_after_a_phone_login(client, sms_outbox, settings):
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "API_TOKEN_HOOK": "tests_integrations.hooks.drf_token",
    }
    ayse = get_user_model().objects.create_user("ayse")
    VerifiedPhone.objects.create(user=ayse, phone=PHONE)
    post(client, "login", {"phone": PHONE})
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    body = post(client, "login-confirm", {"code": code}).json()
    assert body == {
        "user": {"id": str(ayse.pk)},
        "token": Token.objects.get(user=ayse).key,
    }
    app = Client()  # no session: the token alone
    response = app.get(
        reverse("whoami"), headers={"authorization": f"Token {body['token']}"}
    )
    assert response.json() == {"username": "ayse"}
