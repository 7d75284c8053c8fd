"""The example project in a real browser: OTP login, phone verification, the admin."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from django_turkeysms.maintenance import refresh_status
from django_turkeysms.models import SmsLog, VerifiedPhone
from django_turkeysms.sending import send_sms
from example_project.sample_data import replace_sample_data
from tests.factories import SmsLogFactory
from tests_e2e.conftest import code_from_inbox

pytestmark = pytest.mark.django_db(transaction=True)


def start_login(
    page: Page, site, phone: str = "0532 111 22 33", path: str = "/protected/"
) -> None:
    page.goto(f"{site.url}{path}")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.fill("#id_phone", phone)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/login/confirm/$"))


def test_full_otp_login_lands_on_next(page, site, ayse, turkeysms_sandbox):
    page.goto(f"{site.url}/protected/")
    page.fill("#id_phone", "0532 111 22 33")
    page.click("main button[type=submit]")
    expect(page.locator("h1")).to_have_text("Enter the code we sent you")
    expect(page.locator("main")).to_contain_text("+90 532 *** ** 33")
    expect(page.locator("#id_code")).to_have_attribute("autocomplete", "one-time-code")
    code = code_from_inbox(page, turkeysms_sandbox)
    page.fill("#id_code", code)
    page.click("main form:first-of-type button[type=submit]")
    expect(page).to_have_url(f"{site.url}/protected/")
    expect(page.locator("#who")).to_contain_text("Hello, ayse")
    page.goto(f"{site.url}/")
    expect(page.locator("#verified-phone")).to_have_text(
        "Verified phone: +90 532 111 22 33"
    )


def test_log_out_sits_in_line_with_the_links(page, site, ayse, turkeysms_sandbox):
    start_login(page, site)
    page.fill("#id_code", code_from_inbox(page, turkeysms_sandbox))
    page.click("main form:first-of-type button[type=submit]")
    expect(page.locator("#who")).to_contain_text("Hello, ayse")
    links = page.locator("nav a, nav button")
    expect(page.locator("nav button")).to_have_text("Log out")
    boxes = [link.bounding_box() for link in links.all()]
    assert len({round(box["y"]) for box in boxes}) == 1
    assert len({round(box["height"]) for box in boxes}) == 1


def test_code_page_states_the_minutes_and_offers_another_number(
    page, site, ayse, turkeysms_sandbox
):
    start_login(page, site)
    expect(page.locator("main")).to_contain_text("It is valid for 5 minutes.")
    assert "expires in 5 minutes" in turkeysms_sandbox.messages[-1].text
    page.click("#use-another-number")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fprotected%2F$"))
    expect(page.locator("#id_phone")).to_be_empty()


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
    expect(page.locator("#resend-countdown")).to_have_text(
        "You can ask for a new code in 1 second."
    )
    expect(resend).to_be_enabled(timeout=6_000)
    expect(page.locator("#resend-countdown")).to_have_text("")
    resend.click()
    expect(page.locator(".messages")).to_contain_text("We sent you a new code.")
    assert turkeysms_sandbox.sends_for("905321112233") == 2


def test_phone_verification_for_a_logged_in_user(page, site, turkeysms_sandbox):
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
    assert (
        str(VerifiedPhone.objects.get(user__username="mehmet").phone) == "+905421234567"
    )


def test_admin_changelist_and_refresh_action(
    admin_user_in_browser, site, turkeysms_sandbox
):
    page = admin_user_in_browser
    send_sms("Merhaba", ["05321234567", "05421234567"])
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text("+90 532 *** ** 67")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "refresh_statuses")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text(
        "Looked up 2 messages (Delivered: 2)."
    )
    expect(page.locator("#result_list")).to_contain_text("Delivered")
    assert SmsLog.objects.filter(status="delivered").count() == 2


def test_compose_counter_follows_the_text(admin_user_in_browser, site):
    page = admin_user_in_browser
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/send/")
    page.fill("#id_recipients", "05321234567\n05421234567")
    counter = page.locator("#sms-counter")
    page.fill("#sms-text", "Hello")
    expect(counter).to_have_attribute("data-lang", "GSM7")
    expect(counter).to_have_text(
        "Characters: 5 · Encoding: standard (GSM 7-bit) · Segments: 1 · "
        "Recipients: 2 · Credits: 2"
    )
    page.fill("#id_recipients", "05321234567")
    expect(counter).to_contain_text("Segments: 1 · Recipients: 1 · Credits: 1")
    page.fill("#sms-text", "Şeker ğ ı")
    expect(counter).to_have_attribute("data-lang", "TURKISH")
    expect(counter).to_contain_text("Encoding: Turkish (national language shift)")
    page.fill("#sms-text", "مرحبا بك")
    expect(counter).to_have_attribute("data-lang", "UCS2")
    page.fill("#sms-text", "م" * 71)
    expect(counter).to_have_attribute("data-count", "2")
    page.fill("#sms-text", "a" * 160)
    expect(counter).to_have_attribute("data-count", "1")
    page.type("#sms-text", "€")  # an extension character: two septets
    expect(counter).to_have_attribute("data-count", "2")


def test_dashboard_charts_render(admin_user_in_browser, site):
    page = admin_user_in_browser
    replace_sample_data()
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/dashboard/")
    expect(page.locator("#chart-credits rect")).to_have_count(30)
    expect(page.locator("#chart-rate circle")).to_have_count(30)
    expect(page.locator("#chart-rate polyline")).to_have_count(1)
    expect(page.locator("#chart-status .turkeysms-date")).to_have_count(5)
    expect(page.locator("#chart-status .turkeysms-value")).to_have_count(5)
    box = page.locator("#chart-status").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 50
    # Today's messages are still "sent": the page says why, and looks them up.
    expect(page.locator("#awaiting-report")).to_contain_text(
        "await their delivery report"
    )
    page.click("#refresh-statuses")
    expect(page.locator(".messagelist")).to_contain_text("Looked up")


def test_a_full_day_is_not_clipped(admin_user_in_browser, site):
    page = admin_user_in_browser
    SmsLogFactory.create_batch(4, status="delivered", credits=1)
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/dashboard/")
    for chart in ("#chart-rate", "#chart-status", "#chart-credits"):
        frame = page.locator(chart).bounding_box()
        for shape in page.locator(f"{chart} circle, {chart} rect").all():
            box = shape.bounding_box()
            assert box["y"] >= frame["y"] and box["x"] >= frame["x"]
            assert box["y"] + box["height"] <= frame["y"] + frame["height"]
            assert box["x"] + box["width"] <= frame["x"] + frame["width"]


@pytest.mark.parametrize("path", ["send/", "dashboard/"])
def test_breadcrumbs_are_styled(admin_user_in_browser, site, path):
    page = admin_user_in_browser
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/")
    django_own = page.locator(".breadcrumbs").evaluate(BREADCRUMB_STYLE)
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/{path}")
    ours = page.locator(".breadcrumbs").evaluate(BREADCRUMB_STYLE)
    assert ours == django_own and django_own["background"] != "rgba(0, 0, 0, 0)"


BREADCRUMB_STYLE = """element => {
    const style = getComputedStyle(element);
    return {background: style.backgroundColor, padding: style.paddingLeft,
            height: Math.round(element.getBoundingClientRect().height)};
}"""


def test_compose_labels_and_fields_line_up(admin_user_in_browser, site):
    page = admin_user_in_browser
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/send/")
    names = ["recipients", "sms-text", "sender", "category", "backend"]
    fields = [page.locator(f"#id_{name}, #{name}").first for name in names]
    labels = [
        page.locator(f"label[for={field.get_attribute('id')}]") for field in fields
    ]
    label_boxes = [label.bounding_box() for label in labels]
    field_boxes = [field.bounding_box() for field in fields]
    assert len({round(box["x"]) for box in label_boxes}) == 1
    assert len({round(box["x"]) for box in field_boxes}) == 1
    # Beside the label (Django 5.2) or under it (6.x), the same way on every row.
    placements = {
        "beside" if field["x"] >= label["x"] + label["width"] else "under"
        for label, field in zip(label_boxes, field_boxes, strict=True)
    }
    assert len(placements) == 1


def test_compose_reports_every_bad_recipient(admin_user_in_browser, site):
    page = admin_user_in_browser
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/send/")
    page.fill("#id_recipients", "12\n05321234567\nabc")
    page.fill("#sms-text", "Merhaba")
    page.click("#compose-form input[type=submit]")
    errors = page.locator(".field-recipients .errorlist li")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("'12' is too short")
    expect(errors.nth(1)).to_contain_text("'abc'")
    assert SmsLog.objects.count() == 0


def test_changelist_fits_at_1280_px(admin_user_in_browser, site, turkeysms_sandbox):
    page = admin_user_in_browser
    from_sandbox = send_sms("Merhaba", ["05321234567", "05421234567"])
    refresh_status(from_sandbox)
    page.goto(f"{site.url}/admin/django_turkeysms/smslog/")
    overflow = page.locator("#changelist .results").evaluate(
        "element => element.scrollWidth - element.clientWidth"
    )
    assert overflow <= 0
    viewport = page.viewport_size["width"]
    newest = page.locator("#result_list tbody tr").first
    cell = newest.locator("td.field-provider")
    expect(cell).to_contain_text(from_sandbox[-1].provider_id)
    expect(cell).to_contain_text("Vodafone")  # the operator of 0542
    box = cell.bounding_box()
    assert box["x"] + box["width"] <= viewport


def test_admin_index_links_to_send_and_dashboard(admin_user_in_browser, site):
    page = admin_user_in_browser
    page.click("#content-main .app-django_turkeysms a:text-is('SMS dashboard')")
    expect(page).to_have_url(re.compile(r"/smslog/dashboard/$"))
    page.goto(f"{site.url}/admin/")
    page.click("#content-main .app-django_turkeysms a:text-is('Send SMS')")
    expect(page).to_have_url(re.compile(r"/smslog/send/$"))
