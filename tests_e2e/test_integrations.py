"""The integrations in a real browser, against the sandbox: a phone login through
django-allauth's pages, and SMS as the second factor of django-two-factor-auth
(its setup wizard, then a login)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect
from two_factor.plugins.phonenumber.models import PhoneDevice

from django_turkeysms.models import SmsLog
from tests_e2e.conftest import code_from_inbox

pytestmark = pytest.mark.django_db(transaction=True)

SECOND_PHONE = "+905421234567"


def next_step(page: Page) -> None:
    page.get_by_role("button", name="Next").click()


def test_a_phone_login_through_allauths_pages(page, site, ayse, turkeysms_sandbox):
    page.goto(f"{site.url}/")
    page.click("#allauth-login")
    expect(page).to_have_url(re.compile(r"/allauth/login/code/$"))
    page.fill("#id_phone", "0532 111 22 33")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/allauth/login/code/confirm/$"))
    page.fill("#id_code", code_from_inbox(page, turkeysms_sandbox))
    page.click("main form button[type=submit]")
    page.goto(f"{site.url}/")
    expect(page.locator("#who")).to_contain_text("Logged in as ayse")
    assert SmsLog.objects.get().body == "[redacted]"


def test_sms_as_the_second_factor(page, site, turkeysms_sandbox, settings):
    # The login follows the setup within seconds: no resend cooldown between them.
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 0}
    get_user_model().objects.create_user("mehmet", password="mehmet-password")
    login_with_password(page, site)
    expect(page.locator("#who")).to_contain_text("Logged in as mehmet")
    # The setup wizard: SMS, the number, the code from the SMS.
    page.goto(f"{site.url}/2fa/account/two_factor/setup/")
    next_step(page)
    page.check("input[name=method-method][value=sms]")
    next_step(page)
    page.fill("#id_sms-number", SECOND_PHONE)
    next_step(page)
    expect(page.locator("main")).to_contain_text("We sent you a text message")
    page.fill("#id_validation-token", code_from_inbox(page, turkeysms_sandbox))
    next_step(page)
    expect(page).to_have_url(re.compile(r"/2fa/account/two_factor/setup/complete/$"))
    assert PhoneDevice.objects.get().confirmed
    # Log out; the next login asks for the SMS code after the password.
    page.click("nav button[type=submit]")
    login_with_password(page, site)
    expect(page.locator("#id_token-otp_token")).to_be_visible()
    assert turkeysms_sandbox.sends_for(SECOND_PHONE[1:]) == 2
    page.fill("#id_token-otp_token", code_from_inbox(page, turkeysms_sandbox))
    next_step(page)
    page.goto(f"{site.url}/")
    expect(page.locator("#who")).to_contain_text("Logged in as mehmet")


def login_with_password(page: Page, site) -> None:
    page.goto(f"{site.url}/2fa/account/login/?next=/")
    page.fill("#id_auth-username", "mehmet")
    page.fill("#id_auth-password", "mehmet-password")
    next_step(page)
