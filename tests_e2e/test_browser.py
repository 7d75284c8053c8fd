"""The example project in a real browser: OTP login, phone verification, the admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from django_turkeysms.models import SmsLog, VerifiedPhone
from tests.factories import SmsLogFactory

pytestmark = pytest.mark.django_db(transaction=True)

CODE = re.compile(r"\b(\d{6})\b")


def code_from_inbox(page: Page, sandbox, shoot=None) -> str:
    """Open the sandbox inbox in a new tab and read the newest code."""
    inbox = page.context.new_page()
    inbox.goto(f"{sandbox.base_url}/inbox")
    first_message = inbox.locator("tbody tr").first
    expect(first_message).to_contain_text("verification code")
    if shoot:
        shoot("03-sandbox-inbox", inbox)
    match = CODE.search(first_message.inner_text())
    assert match is not None
    code = match.group(1)
    inbox.close()
    return code


def start_login(
    page: Page, site, phone: str = "0532 111 22 33", path: str = "/protected/"
) -> None:
    page.goto(f"{site.url}{path}")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.fill("#id_phone", phone)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/login/confirm/$"))


def test_full_otp_login_lands_on_next(page, site, ayse, turkeysms_sandbox, shoot):
    page.goto(f"{site.url}/protected/")
    page.fill("#id_phone", "0532 111 22 33")
    shoot("01-login-phone")
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Enter the code we sent you")
    expect(page.locator("main")).to_contain_text("+90 532 *** ** 33")
    expect(page.locator("#id_code")).to_have_attribute("autocomplete", "one-time-code")
    shoot("02-login-code")
    code = code_from_inbox(page, turkeysms_sandbox, shoot)
    page.fill("#id_code", code)
    page.click("main form:first-of-type button[type=submit]")
    expect(page).to_have_url(f"{site.url}/protected/")
    expect(page.locator("#who")).to_contain_text("Hello, ayse")
    shoot("04-logged-in")


def test_wrong_codes_then_the_lockout(page, site, ayse, turkeysms_sandbox, shoot):
    start_login(page, site)
    code = code_from_inbox(page, turkeysms_sandbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        page.fill("#id_code", wrong)
        page.click("main form:first-of-type button[type=submit]")
        expect(page.locator("#code-errors")).to_contain_text("That code is not correct")
    page.fill("#id_code", code)
    page.click("main form:first-of-type button[type=submit]")
    expect(page.locator("#code-errors")).to_contain_text("Too many attempts")
    shoot("05-lockout")
    page.goto(f"{site.url}/")
    expect(page.locator("#who")).to_contain_text("Not logged in")


def test_resend_countdown(page, site, ayse, turkeysms_sandbox, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "OTP_RESEND_COOLDOWN": 3}
    start_login(page, site)
    resend = page.locator("#resend")
    expect(resend).to_be_disabled()
    expect(page.locator("#resend-countdown")).to_contain_text(
        re.compile(r"in [123] second")
    )
    expect(resend).to_be_enabled(timeout=6_000)
    expect(page.locator("#resend-countdown")).to_have_text("")
    resend.click()
    expect(page.locator(".messages")).to_contain_text("We sent you a new code.")
    assert turkeysms_sandbox.sends_for("905321112233") == 2


def test_phone_verification_for_a_logged_in_user(page, site, turkeysms_sandbox, shoot):
    get_user_model().objects.create_user(
        "mehmet", password="mehmet-password", is_staff=True
    )
    page.goto(f"{site.url}/admin/login/?next=/")
    page.fill("#id_username", "mehmet")
    page.fill("#id_password", "mehmet-password")
    page.click("input[type=submit]")
    expect(page.locator("#who")).to_contain_text("Logged in as mehmet")
    page.goto(f"{site.url}/accounts/verify-phone/")
    page.fill("#id_phone", "0542 123 45 67")
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("+90 542 *** ** 67")
    page.fill("#id_code", code_from_inbox(page, turkeysms_sandbox))
    page.click("main form:first-of-type button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Your phone number is verified.")
    shoot("06-phone-verified")
    assert (
        str(VerifiedPhone.objects.get(user__username="mehmet").phone) == "+905421234567"
    )


def test_admin_changelist_and_refresh_action(
    admin_user_in_browser, site, turkeysms_sandbox, shoot
):
    page = admin_user_in_browser
    from django_turkeysms.sending import send_sms

    send_sms("Merhaba", ["05321234567", "05421234567"])
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text("+90 532 *** ** 67")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "refresh_statuses")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text(
        "Looked up 2 message(s): 2 delivered."
    )
    expect(page.locator("#result_list")).to_contain_text("Delivered")
    shoot("07-admin-changelist")
    assert SmsLog.objects.filter(status="delivered").count() == 2


def test_compose_counter_follows_the_text(admin_user_in_browser, site, shoot):
    page = admin_user_in_browser
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/send/")
    page.fill("#id_recipients", "05321234567\n05421234567")
    counter = page.locator("#sms-counter")
    page.fill("#sms-text", "Hello")
    expect(counter).to_have_attribute("data-lang", "GSM7")
    expect(counter).to_contain_text(
        "5 characters · GSM7 (sms_lang 0) · 1 segments · 2 recipients · 2 credits"
    )
    page.fill("#sms-text", "Şeker ğ ı")
    expect(counter).to_have_attribute("data-lang", "TURKISH")
    page.fill("#sms-text", "مرحبا بك")
    expect(counter).to_have_attribute("data-lang", "UCS2")
    page.fill("#sms-text", "م" * 71)
    expect(counter).to_have_attribute("data-count", "2")
    page.fill("#sms-text", "a" * 160)
    expect(counter).to_have_attribute("data-count", "1")
    page.type("#sms-text", "€")  # an extension character: two septets
    expect(counter).to_have_attribute("data-count", "2")
    shoot("08-admin-compose")


def seed_thirty_days() -> None:
    """A month of traffic with a weekly rhythm, for the charts and the screenshot."""
    now = timezone.now()
    for day in range(30):
        when = now - timedelta(days=day)
        volume = 20 + (day * 7) % 23 + (10 if when.weekday() < 5 else 0)
        statuses = ["delivered"] * (volume - 5) + [
            "sent",
            "undelivered",
            "undelivered",
            "failed",
            "unknown",
        ]
        SmsLogFactory.create_batch(1, status="delivered", created_at=when, credits=1)
        for index, status in enumerate(statuses[1:]):
            SmsLogFactory(status=status, created_at=when, credits=1 + index % 3 // 2)


def test_dashboard_charts_render(admin_user_in_browser, site, shoot):
    page = admin_user_in_browser
    seed_thirty_days()
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/dashboard/")
    expect(page.locator("#chart-status rect")).to_have_count(30 * 5)
    expect(page.locator("#chart-credits rect")).to_have_count(30)
    expect(page.locator("#chart-rate circle")).to_have_count(30)
    expect(page.locator("#chart-rate polyline")).to_have_count(1)
    box = page.locator("#chart-status").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 50
    shoot("09-admin-dashboard")
