"""What the code page tells the user: the real validity, and a way back."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from django_turkeysms.models import VerifiedPhone

pytestmark = pytest.mark.django_db

LOGIN = reverse("turkeysms:login")
LOGIN_CONFIRM = reverse("turkeysms:login-confirm")
VERIFY = reverse("turkeysms:verify-phone")
VERIFY_CONFIRM = reverse("turkeysms:verify-phone-confirm")


@pytest.fixture
def ayse():
    user = get_user_model().objects.create_user("ayse")
    VerifiedPhone.objects.create(user=user, phone="+905321234567")
    return user


def minutes_in_sms(outbox):
    return int(re.search(r"expires in (\d+) minute", outbox[-1].text).group(1))


@pytest.mark.parametrize(("ttl", "minutes"), [(300, 5), (600, 10), (90, 1)])
def test_the_page_and_the_sms_state_the_same_minutes(
    client, ayse, settings, sms_outbox, ttl, minutes
):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_TTL": ttl}
    client.post(LOGIN, {"phone": "0532 123 45 67"})
    page = client.get(LOGIN_CONFIRM).content.decode()
    unit = "minute" if minutes == 1 else "minutes"
    assert f"It is valid for {minutes} {unit}." in page
    assert "few minutes" not in page
    assert minutes_in_sms(sms_outbox) == minutes


def test_the_login_code_page_offers_another_number(client, ayse, sms_outbox):
    client.post(f"{LOGIN}?next=/orders/", {"phone": "0532 123 45 67"})
    page = client.get(LOGIN_CONFIRM).content.decode()
    link = re.search(r'<a href="([^"]*)" id="use-another-number">([^<]*)</a>', page)
    assert link.group(2) == "Use another number"
    assert link.group(1) == f"{LOGIN}?next=%2Forders%2F"
    again = client.get(link.group(1))
    assert again.status_code == 200 and b'name="next" value="/orders/"' in again.content


def test_the_verify_code_page_offers_another_number(client, sms_outbox):
    client.force_login(get_user_model().objects.create_user("mehmet"))
    client.post(VERIFY, {"phone": "0542 123 45 67"})
    page = client.get(VERIFY_CONFIRM).content.decode()
    assert f'<a href="{VERIFY}" id="use-another-number">' in page
