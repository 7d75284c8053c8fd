"""A screenshot of every page a user sees: the OTP pages, the sandbox inbox and the
admin pages, at 1,280 px and at a phone's 390 px, the admin pages in the light and
the dark theme. They land in artifacts/screenshots/<Django version>/<width>/.

Along the way: no request of any page answers 404 (a missing favicon, say), and
no page is wider than the window.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Page, expect

from django_turkeysms.maintenance import refresh_status
from django_turkeysms.models import OtpChallenge, OtpLock, SmsLog, VerifiedPhone
from django_turkeysms.sending import send_sms
from example_project.sample_data import replace_sample_data
from tests.factories import SmsLogFactory
from tests_e2e.conftest import (
    DESKTOP,
    PHONE,
    admin_login,
    code_from_inbox,
    screenshot,
)

pytestmark = pytest.mark.django_db(transaction=True)

SUBMIT_CODE = "main form:first-of-type button[type=submit]"


def watch(page: Page, missing: list[str]) -> Page:
    """Collect the URLs that answer 404 while ``page`` is used."""
    page.on(
        "response",
        lambda response: (
            missing.append(response.url) if response.status == 404 else None
        ),
    )
    return page


def assert_fits(page: Page) -> None:
    """Nothing sticks out sideways: the page is no wider than the window (a page
    without a mobile viewport is laid out 980 px wide on a phone, and fails)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert page.viewport_size is not None
    window = page.viewport_size["width"]
    assert width <= window, f"{page.url} is {width} px wide in a {window} px window"


def assert_icon(page: Page) -> None:
    """The page names its icon: a browser then never asks for /favicon.ico,
    which the example site does not serve (headless Chromium never asks)."""
    icon = page.locator("head link[rel~=icon]")
    expect(icon).to_have_count(1)
    assert (icon.get_attribute("href") or "").startswith("data:image/svg+xml,")


def shot(page: Page, name: str) -> None:
    assert_fits(page)
    assert_icon(page)
    screenshot(page, name)


def assert_columns_fit(page: Page) -> None:
    """A list shows all its columns without scrolling sideways."""
    hidden = page.locator("#changelist .results").evaluate(
        "element => element.scrollWidth - element.clientWidth"
    )
    assert hidden <= 0, f"{page.url}: {hidden} px of the list are scrolled away"


def otp_pages(page: Page, site, sandbox) -> None:
    """Log in with the phone, then verify another number."""
    page.goto(f"{site.url}/protected/")
    page.fill("#id_phone", "0532 111 22 33")
    shot(page, "01-login-phone")
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Enter the code we sent you")
    shot(page, "02-login-code")
    code = code_from_inbox(page, sandbox, lambda inbox: shot(inbox, "03-sandbox-inbox"))
    page.fill("#id_code", "000000" if code != "000000" else "111111")
    page.click(SUBMIT_CODE)
    expect(page.locator("#code-errors")).to_contain_text("That code is not correct")
    shot(page, "02-login-code-error")
    page.fill("#id_code", code)
    page.click(SUBMIT_CODE)
    expect(page).to_have_url(f"{site.url}/protected/")
    page.goto(f"{site.url}/")
    expect(page.locator("#verified-phone")).to_contain_text("+90 532 111 22 33")
    shot(page, "04-logged-in")
    page.goto(f"{site.url}/accounts/verify-phone/")
    page.fill("#id_phone", "0542 123 45 67")
    shot(page, "10-verify-phone")
    page.click("main button[type=submit]")
    expect(page.locator("#use-another-number")).to_be_visible()
    shot(page, "11-verify-phone-code")
    page.fill("#id_code", code_from_inbox(page, sandbox))
    page.click(SUBMIT_CODE)
    expect(page.locator(".messages")).to_contain_text("Your phone number is verified.")
    expect(page.locator("#verified-phone")).to_contain_text("+90 542 123 45 67")
    shot(page, "06-phone-verified")


def fill_the_log() -> None:
    """A few real sends through the sandbox, most looked up, and one failure."""
    rows = send_sms(
        "Merhaba! Siparişiniz yola çıktı; takip numarası 4711.",
        ["0532 123 45 67", "0542 765 43 21", "0505 111 22 33", "0533 444 55 66"],
        tag="orders",
    )
    refresh_status(rows[:3])
    send_sms("Your appointment is tomorrow at 10:30.", ["0544 222 33 44"])
    SmsLogFactory(
        recipient="+905551234567",
        status=SmsLog.Status.UNDELIVERED,
        provider_id="1000009001",
        operator="Türk Telekom",
    )
    SmsLogFactory(
        recipient="+905551234568",
        status=SmsLog.Status.FAILED,
        provider_id="",
        result_code="TS-1034",
        result_message="The number is not valid.",
    )


def admin_pages(page: Page, site, theme: str) -> None:
    base = f"{site.url}/admin"
    page.goto(f"{base}/")
    expect(page.locator("#content-main .app-django_turkeysms")).to_contain_text(
        "SMS dashboard"
    )
    shot(page, f"20-admin-index{theme}")
    page.goto(f"{base}/django_turkeysms/smslog/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(10)  # 3 of them from the OTP pages
    assert_columns_fit(page)
    shot(page, f"07-admin-changelist{theme}")
    newest = SmsLog.objects.filter(status=SmsLog.Status.DELIVERED).latest("pk")
    page.goto(f"{base}/django_turkeysms/smslog/{newest.pk}/change/")
    shot(page, f"12-admin-detail{theme}")
    compose_pages(page, base, theme)
    otp_admin_pages(page, base, theme)


def compose_pages(page: Page, base: str, theme: str) -> None:
    page.goto(f"{base}/django_turkeysms/smslog/send/")
    page.fill("#id_recipients", "0532 123 45 67\n0542 123 45 67")
    page.fill("#sms-text", "Kargonuz yola çıktı. İyi günler dileriz!")
    expect(page.locator("#sms-counter")).to_contain_text("Recipients: 2")
    shot(page, f"08-admin-compose{theme}")
    page.fill("#id_recipients", "12\n0532 123 45 67\n0212 123 45 67")
    page.click("#compose-form input[type=submit]")
    expect(page.locator(".field-recipients .errorlist li")).to_have_count(2)
    shot(page, f"13-admin-compose-errors{theme}")


def otp_admin_pages(page: Page, base: str, theme: str) -> None:
    page.goto(f"{base}/django_turkeysms/otpchallenge/")
    assert_columns_fit(page)
    shot(page, f"14-admin-otp-challenges{theme}")
    challenge = OtpChallenge.objects.latest("created_at")
    page.goto(f"{base}/django_turkeysms/otpchallenge/{challenge.pk}/change/")
    shot(page, f"15-admin-otp-challenge{theme}")
    page.goto(f"{base}/django_turkeysms/verifiedphone/")
    assert_columns_fit(page)
    shot(page, f"16-admin-verified-phones{theme}")
    page.goto(f"{base}/django_turkeysms/verifiedphone/add/")
    page.fill("#id_phone", "0555 987 65 43")
    page.click(".field-user .select2-selection")
    page.keyboard.type("ay")
    expect(page.locator(".select2-results__option")).to_have_text(["ayse"])
    shot(page, f"17-admin-verified-phone-add{theme}")
    page.goto(f"{base}/django_turkeysms/otplock/")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    assert_columns_fit(page)
    shot(page, f"19-admin-otp-locks{theme}")


def reauthentication_page(page: Page, site) -> None:
    """The password page that comes before adding or changing a number."""
    page.goto(f"{site.url}/accounts/reauthenticate/?next=/accounts/verify-phone/")
    expect(page.locator("h1")).to_have_text("Confirm it is you")
    page.fill("#id_password", "wrong")
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("That is not your password.")
    field = page.locator("#id_password").bounding_box()
    form = page.locator("main form").bounding_box()
    assert field and form and field["width"] >= form["width"] - 1, (
        "a narrow password box"
    )
    shot(page, "18-reauthenticate")
    page.fill("#id_password", "admin-password")
    page.click("main button[type=submit]")
    expect(page).to_have_url(f"{site.url}/accounts/verify-phone/")


def dashboard_page(page: Page, site, theme: str) -> None:
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/dashboard/")
    expect(page.locator("#chart-rate circle")).to_have_count(30)
    shot(page, f"09-admin-dashboard{theme}")


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_every_page(open_window, site, ayse, superuser, turkeysms_sandbox, width):
    missing: list[str] = []
    otp_pages(watch(open_window(width), missing), site, turkeysms_sandbox)
    fill_the_log()
    OtpLock.objects.create(
        phone="+905551230000", ends_at=timezone.now() + timedelta(hours=1)
    )
    themes = {"": open_window(width), "-dark": open_window(width, dark=True)}
    for theme, page in themes.items():
        admin_login(watch(page, missing), site)
        admin_pages(page, site, theme)
    reauthentication_page(themes[""], site)
    replace_sample_data()
    for theme, page in themes.items():
        dashboard_page(page, site, theme)
    assert missing == []
    assert VerifiedPhone.objects.filter(user=ayse).count() == 1
    assert get_user_model().objects.count() == 2
