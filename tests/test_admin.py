"""The admin through the test client: list, filters, search, actions, compose,
dashboard, permissions, and no secrets on any page."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.admin import AdminSite
from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from django_turkeysms.admin import VerifiedPhoneAdmin, dashboard
from django_turkeysms.admin import paginator as paginators
from django_turkeysms.models import REDACTED, OtpChallenge, SmsLog, VerifiedPhone
from tests.conftest import provider_settings
from tests.factories import SmsLogFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:django_turkeysms_smslog_changelist")
SEND = reverse("admin:django_turkeysms_smslog_send")
DASHBOARD = reverse("admin:django_turkeysms_smslog_dashboard")


def ids_on(response):
    return sorted(
        int(pk)
        for pk in re.findall(
            r'name="_selected_action" value="(\d+)"', response.content.decode()
        )
    )


def staff(*codenames, username="operator"):
    user = get_user_model().objects.create_user(username, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


# -- the changelist --------------------------------------------------------------------------


def test_changelist_columns(admin_client):
    row = SmsLogFactory(
        recipient="+905321234567",
        status=SmsLog.Status.DELIVERED,
        segments=2,
        credits=2,
        operator="Turkcell",
    )
    page = admin_client.get(CHANGELIST).content.decode()
    assert "+90 532 *** ** 67" in page and "+905321234567" not in page
    assert "Delivered</span>" in page and "2 / 2" in page and "Turkcell" in page
    assert row.provider_id in page
    assert "date_hierarchy" not in page


def test_changelist_query_count_is_bounded(admin_client, django_assert_max_num_queries):
    SmsLogFactory.create_batch(120)
    with django_assert_max_num_queries(6):
        assert admin_client.get(CHANGELIST).status_code == 200
    with django_assert_max_num_queries(6):
        assert (
            admin_client.get(CHANGELIST, {"status__exact": "sent", "p": 2}).status_code
            == 200
        )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": "failed"}, "failed"),
        ({"category__exact": "otp"}, "otp"),
        ({"backend": "bulk"}, "bulk"),
        ({"sender": "OTHER"}, "other"),
        ({"created": "1d"}, "recent"),
    ],
    ids=repr,
)
def test_filters(admin_client, settings, params, expected):
    settings.TURKEYSMS = {
        "BACKENDS": {
            "default": {"BACKEND": "django_turkeysms.backends.locmem.SmsBackend"},
            "bulk": {
                "BACKEND": "django_turkeysms.backends.turkeysms.SmsBackend",
                "OPTIONS": {
                    "api_key": "k",
                    "sender": "SANDBOX",
                    "senders": ["SANDBOX", "OTHER"],
                },
            },
        }
    }
    old = timezone.now() - timedelta(days=3)
    rows = {
        "failed": SmsLogFactory(status=SmsLog.Status.FAILED, created_at=old),
        "otp": SmsLogFactory(category="otp", body=REDACTED, created_at=old),
        "bulk": SmsLogFactory(backend="bulk", created_at=old),
        "other": SmsLogFactory(sender="OTHER", created_at=old),
        "recent": SmsLogFactory(sender="X"),
    }
    response = admin_client.get(CHANGELIST, params)
    assert ids_on(response) == [rows[expected].pk]


def test_filter_options_need_no_table_scan(admin_client, settings):
    settings.TURKEYSMS = {
        "BACKENDS": {
            "default": {
                "BACKEND": "django_turkeysms.backends.turkeysms.SmsBackend",
                "OPTIONS": {"api_key": "k", "sender": "BRAND"},
            }
        }
    }
    page = admin_client.get(CHANGELIST).content.decode()
    assert (
        "?sender=BRAND" in page and "?backend=default" in page and "?created=7d" in page
    )


@pytest.mark.parametrize(
    "term", ["05321234567", "+90 532 123 45 67", "٠٥٣٢١٢٣٤٥٦٧", "905321234567"]
)
def test_search_by_any_form_of_a_phone(admin_client, term):
    wanted = SmsLogFactory(recipient="+905321234567")
    SmsLogFactory(recipient="+905421234567")
    assert ids_on(admin_client.get(CHANGELIST, {"q": term})) == [wanted.pk]


def test_search_by_provider_id_and_nonsense(admin_client):
    wanted = SmsLogFactory(provider_id="1000007721")
    SmsLogFactory()
    assert ids_on(admin_client.get(CHANGELIST, {"q": "1000007721"})) == [wanted.pk]
    assert ids_on(admin_client.get(CHANGELIST, {"q": "merhaba"})) == []


def test_no_add_change_or_delete(admin_client):
    row = SmsLogFactory()
    assert (
        admin_client.get(reverse("admin:django_turkeysms_smslog_add")).status_code
        == 403
    )
    detail = admin_client.get(
        reverse("admin:django_turkeysms_smslog_change", args=[row.pk])
    )
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert (
        admin_client.post(
            reverse("admin:django_turkeysms_smslog_delete", args=[row.pk])
        ).status_code
        == 403
    )


def test_detail_shows_the_masked_provider_response(admin_client):
    row = SmsLogFactory(
        provider_response={
            "sms_id": "1000007721",
            "api_key": "***",
            "result_code": "TS-1024",
        }
    )
    page = admin_client.get(
        reverse("admin:django_turkeysms_smslog_change", args=[row.pk])
    ).content.decode()
    assert "&quot;result_code&quot;: &quot;TS-1024&quot;" in page
    assert "Refresh status" in page


def test_otp_bodies_are_not_shown(admin_client):
    row = SmsLogFactory(category="otp", body=REDACTED)
    page = admin_client.get(
        reverse("admin:django_turkeysms_smslog_change", args=[row.pk])
    ).content.decode()
    assert "[not stored]" in page


def detail_page(client, row):
    url = reverse("admin:django_turkeysms_smslog_change", args=[row.pk])
    return client.get(url).content.decode()


def test_detail_shows_each_field_once_in_fieldsets(admin_client):
    row = SmsLogFactory(recipient="+905321234567", status=SmsLog.Status.DELIVERED)
    page = detail_page(admin_client, row)
    headings = re.findall(
        r'<h2 id="fieldset-[^"]*" class="fieldset-heading">([^<]*)</h2>', page
    )
    assert headings == ["Message", "Delivery", "Provider", "Timing", "Labels"]
    labels = re.findall(r"<label>([^<]*):</label>", page)
    assert len(labels) == len(set(labels)) == 28
    assert labels.count("Recipient") == labels.count("Status") == 1
    assert '<div class="readonly">standard (GSM 7-bit)</div>' in page


def test_detail_masks_the_number_everywhere(admin_client):
    row = SmsLogFactory(recipient="+905321234567")
    page = detail_page(admin_client, row)
    assert "+90 532 *** ** 67" in page
    assert "5321234567" not in page


def test_changelist_counts_entries_with_a_plural(admin_client):
    SmsLogFactory.create_batch(3)
    page = admin_client.get(CHANGELIST).content.decode()
    assert "3 SMS log entries" in page and "3 SMS log\n" not in page
    SmsLog.objects.exclude(pk=SmsLog.objects.first().pk).delete()
    assert "1 SMS log entry" in admin_client.get(CHANGELIST).content.decode()


def test_retry_confirmation_counts_skipped_with_a_plural(admin_client):
    failed = SmsLogFactory(status=SmsLog.Status.FAILED)
    sent = SmsLogFactory(status=SmsLog.Status.SENT)
    page = admin_client.post(
        CHANGELIST, {"action": "retry", "_selected_action": [failed.pk, sent.pk]}
    ).content.decode()
    assert "1 selected message is not failed or unknown" in page
    assert "(s)" not in page


# -- actions -----------------------------------------------------------------------------------


def test_refresh_action_reports_counts(admin_client, sms_outbox):
    rows = SmsLogFactory.create_batch(3)
    response = admin_client.post(
        CHANGELIST,
        {"action": "refresh_statuses", "_selected_action": [r.pk for r in rows]},
        follow=True,
    )
    assert "Looked up 3 messages (Delivered: 3)." in response.content.decode()
    assert SmsLog.objects.filter(status=SmsLog.Status.DELIVERED).count() == 3


def test_refresh_action_counts_in_the_singular(admin_client, sms_outbox):
    row = SmsLogFactory()
    response = admin_client.post(
        CHANGELIST,
        {"action": "refresh_statuses", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "Looked up 1 message (Delivered: 1)." in response.content.decode()


def test_refresh_action_is_bounded(admin_client, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_BATCH_SIZE": 2}
    rows = SmsLogFactory.create_batch(3)
    response = admin_client.post(
        CHANGELIST,
        {"action": "refresh_statuses", "_selected_action": [r.pk for r in rows]},
        follow=True,
    )
    assert "Only the newest 2 were looked up" in response.content.decode()
    assert SmsLog.objects.filter(status=SmsLog.Status.DELIVERED).count() == 2


def test_retry_asks_first_then_sends_failed_and_unknown_only(admin_client, sms_outbox):
    failed = SmsLogFactory(status=SmsLog.Status.FAILED, provider_id="")
    unknown = SmsLogFactory(status=SmsLog.Status.UNKNOWN, provider_id="")
    redacted = SmsLogFactory(status=SmsLog.Status.FAILED, body=REDACTED, provider_id="")
    sent = SmsLogFactory(status=SmsLog.Status.SENT)
    selected = [failed.pk, unknown.pk, redacted.pk, sent.pk]
    page = admin_client.post(
        CHANGELIST, {"action": "retry", "_selected_action": selected}
    )
    assert page.status_code == 200
    assert b"may have been delivered already" in page.content
    assert (
        SmsLog.objects.filter(status=SmsLog.Status.FAILED).count() == 2
    )  # nothing yet
    response = admin_client.post(
        CHANGELIST,
        {"action": "retry", "_selected_action": selected, "confirm": "yes"},
        follow=True,
    )
    text = response.content.decode()
    assert "2 messages queued again." in text
    assert "1 message skipped: it has neither failed nor an unknown status." in text
    assert "1 message skipped: its text is not stored." in text
    failed.refresh_from_db()
    unknown.refresh_from_db()
    assert (failed.status, unknown.status) == ("sent", "sent")
    assert len(sms_outbox) == 2


def test_retry_needs_the_send_permission(client):
    client.force_login(staff("view_smslog"))
    row = SmsLogFactory(status=SmsLog.Status.FAILED)
    client.post(
        CHANGELIST, {"action": "retry", "_selected_action": [row.pk], "confirm": "yes"}
    )
    assert 'value="retry"' not in client.get(CHANGELIST).content.decode()  # not offered
    row.refresh_from_db()
    assert row.status == SmsLog.Status.FAILED


def test_refresh_button_on_the_detail_page(admin_client, sms_outbox):
    row = SmsLogFactory()
    url = reverse("admin:django_turkeysms_smslog_refresh", args=[row.pk])
    assert admin_client.get(url)["Location"].endswith(f"/{row.pk}/change/")
    response = admin_client.post(url, follow=True)
    assert "Status: Delivered" in response.content.decode()


# -- compose -------------------------------------------------------------------------------------

COMPOSE = {
    "recipients": "0532 123 45 67\n05421234567",
    "text": "Merhaba",
    "sender": "",
    "category": "transactional",
    "backend": "default",
}


def field_row(page, name):
    """The HTML of the admin form row of field ``name``."""
    match = re.search(
        rf'<div class="form-row[^"]*field-{name}[^"]*">(.*?)(?=<div class="form-row|<div class="submit-row)',
        page,
        re.S,
    )
    assert match, f"no form row for {name}"
    return match.group(1)


def test_compose_needs_the_send_permission(client):
    client.force_login(staff("view_smslog"))
    assert client.get(SEND).status_code == 403
    client.force_login(staff("view_smslog", "send_sms", username="sender"))
    assert client.get(SEND).status_code == 200


def test_compose_page_has_the_counter_tables_and_balance(admin_client):
    page = admin_client.get(SEND).content.decode()
    tables = json.loads(
        re.search(
            r'id="sms-encoding-tables" type="application/json">(.*?)</script>',
            page,
            re.S,
        ).group(1)
    )
    assert tables["langs"]["TURKISH"]["single"] == 155
    assert 'id="sms-counter"' in page
    assert "Balance: 1000000 SMS" in page


def test_compose_sends(admin_client, sms_outbox):
    response = admin_client.post(SEND, COMPOSE, follow=True)
    assert "Message logged for 2 recipients (Sent: 2)." in response.content.decode()
    assert len(sms_outbox) == 2


def test_compose_counts_one_recipient_in_the_singular(admin_client, sms_outbox):
    response = admin_client.post(
        SEND, {**COMPOSE, "recipients": "05321234567"}, follow=True
    )
    assert "Message logged for 1 recipient (Sent: 1)." in response.content.decode()


def test_compose_shows_validation_errors(admin_client, sms_outbox):
    response = admin_client.post(SEND, {**COMPOSE, "recipients": "12"})
    assert response.status_code == 200 and "is too short" in response.content.decode()
    assert SmsLog.objects.count() == 0


def test_compose_reports_every_bad_recipient_on_its_field(admin_client, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "ALLOWED_COUNTRIES": ["TR"]}
    recipients = "12\n05321234567\n0212 123 45 67, +49 1512 3456789\nabc"
    response = admin_client.post(SEND, {**COMPOSE, "recipients": recipients})
    form = response.context["form"]
    assert form.non_field_errors() == []
    problems = form.errors["recipients"]
    assert len(problems) == 4
    assert problems == [
        "'12' is too short to be a mobile number.",
        "'0212 123 45 67' is not a mobile number. SMS can only be sent to mobile numbers.",
        "'+49 1512 3456789' is from a country messages are not sent to. The "
        "ALLOWED_COUNTRIES setting lists the countries that are.",
        "'abc' contains characters that cannot be in a phone number.",
    ]
    row = field_row(response.content.decode(), "recipients")
    assert all(escape(problem) in row for problem in problems)
    assert SmsLog.objects.count() == 0


def test_compose_says_what_is_wrong_with_a_number_in_the_admins_language(
    admin_client,
):
    with translation.override("tr"):
        response = admin_client.post(SEND, {**COMPOSE, "recipients": "12"})
    assert response.context["form"].errors["recipients"] == [
        "'12' bir cep telefonu numarası olamayacak kadar kısa."
    ]


def test_compose_puts_a_text_error_on_the_text_field(admin_client, settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "MAX_SEGMENTS": 1}
    response = admin_client.post(SEND, {**COMPOSE, "text": "a" * 200})
    assert "MAX_SEGMENTS" in " ".join(response.context["form"].errors["text"])
    assert SmsLog.objects.count() == 0


def test_compose_uses_the_admin_form_markup(admin_client):
    page = admin_client.get(SEND).content.decode()
    assert "admin/css/forms.css" in page
    assert '<fieldset class="module aligned' in page
    for name in ("recipients", "text", "sender", "category", "backend"):
        assert f"field-{name}" in page
    assert 'id="sms-counter"' in field_row(page, "text")


# -- dashboard ---------------------------------------------------------------------------------------


def test_dashboard_charts(admin_client):
    SmsLogFactory.create_batch(3, status=SmsLog.Status.DELIVERED, credits=1)
    SmsLogFactory(
        status=SmsLog.Status.UNDELIVERED,
        credits=1,
        created_at=timezone.now() - timedelta(days=2),
    )
    page = admin_client.get(DASHBOARD).content.decode()
    assert all(f'id="chart-{name}"' in page for name in ("status", "rate", "credits"))
    assert "Delivered 3</title>" in page and "<polyline" in page
    figures = re.search(r'id="dashboard-figures">(.*?)</dl>', page, re.S).group(1)
    assert re.findall(r"<dd>(.*?)</dd>", figures) == ["4", "4", "75.0 %"]
    # Nothing is loaded from another host (a chart library from a CDN, say).
    assert (
        re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', page) == []
    )


def test_dashboard_charts_have_axes(admin_client):
    SmsLogFactory.create_batch(3, status=SmsLog.Status.DELIVERED, credits=2)
    page = admin_client.get(DASHBOARD).content.decode()
    status_chart = re.search(r'<svg[^>]*id="chart-status".*?</svg>', page, re.S)[0]
    values = re.findall(r'class="turkeysms-value"[^>]*>([^<]*)<', status_chart)
    assert values == ["0", "1", "2", "3", "4"]
    dates = re.findall(r'class="turkeysms-date"[^>]*>([^<]*)<', status_chart)
    today = timezone.localdate()
    assert f"{today.day} {today:%b}" in dates and len(dates) == 5
    rate_chart = re.search(r'<svg[^>]*id="chart-rate".*?</svg>', page, re.S)[0]
    assert "100 %" in rate_chart and "50 %" in rate_chart


def test_dashboard_explains_and_offers_the_status_refresh(admin_client, sms_outbox):
    sent = SmsLogFactory.create_batch(2, status=SmsLog.Status.SENT)
    old = SmsLogFactory(
        status=SmsLog.Status.SENT, created_at=timezone.now() - timedelta(days=40)
    )
    page = admin_client.get(DASHBOARD).content.decode()
    since = dashboard.lookup_since()
    assert f"About 2 messages sent since {since.day} {since:%b} await" in page
    assert "Status lookups over the last five minutes: 0 a minute." in page
    assert 'id="refresh-statuses"' in page and "csrfmiddlewaretoken" in page
    response = admin_client.post(DASHBOARD, follow=True)
    assert "Looked up 2 messages (Delivered: 2)." in response.content.decode()
    for row in sent:
        row.refresh_from_db()
        assert row.status == SmsLog.Status.DELIVERED
    old.refresh_from_db()
    assert old.status == SmsLog.Status.SENT  # older than STATUS_MAX_AGE
    assert 'id="refresh-statuses"' not in response.content.decode()


def test_dashboard_refresh_needs_the_view_permission(client, sms_outbox):
    row = SmsLogFactory(status=SmsLog.Status.SENT)
    client.force_login(staff("send_sms"))
    assert client.post(DASHBOARD).status_code == 403
    row.refresh_from_db()
    assert row.status == SmsLog.Status.SENT


def test_dashboard_refresh_is_a_post_with_csrf(admin_user, sms_outbox):
    SmsLogFactory(status=SmsLog.Status.SENT)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(admin_user)
    assert csrf_client.post(DASHBOARD).status_code == 403
    assert SmsLog.objects.get().status == SmsLog.Status.SENT


def test_dashboard_survives_a_provider_outage(
    admin_client, settings, turkeysms_sandbox
):
    settings.TURKEYSMS = provider_settings(turkeysms_sandbox)
    turkeysms_sandbox.inject("http_503")
    page = admin_client.get(DASHBOARD)
    assert page.status_code == 200
    assert "The balance is not available right now." in page.content.decode()
    assert turkeysms_sandbox.api_key not in page.content.decode()


def test_balance_is_cached_briefly(admin_client, settings, turkeysms_sandbox):
    settings.TURKEYSMS = provider_settings(turkeysms_sandbox)
    admin_client.get(DASHBOARD)
    admin_client.get(DASHBOARD)
    assert turkeysms_sandbox.request_count == 1


def test_dashboard_without_balance_support(admin_client, settings):
    settings.TURKEYSMS = {
        "BACKENDS": {
            "default": {"BACKEND": "django_turkeysms.backends.dummy.SmsBackend"}
        }
    }
    assert "does not report a balance" in admin_client.get(DASHBOARD).content.decode()


# -- OTP tables -----------------------------------------------------------------------------------------


def test_otp_challenges_are_read_only_and_never_show_the_hash(admin_client):
    challenge = OtpChallenge.objects.create(
        phone="+905321234567",
        purpose="login",
        code_hash="a" * 64,
        expires_at=timezone.now(),
    )
    listing = admin_client.get(
        reverse("admin:django_turkeysms_otpchallenge_changelist"),
        {"q": "0532 123 45 67"},
    )
    detail = admin_client.get(
        reverse("admin:django_turkeysms_otpchallenge_change", args=[challenge.pk])
    )
    for page in (listing, detail):
        assert "a" * 64 not in page.content.decode()
        assert "+90 532 *** ** 67" in page.content.decode()
    assert (
        admin_client.get(reverse("admin:django_turkeysms_otpchallenge_add")).status_code
        == 403
    )
    assert b'name="_save"' not in detail.content


def test_verified_phones_search(admin_client):
    user = get_user_model().objects.create_user("ayse")
    VerifiedPhone.objects.create(user=user, phone="+905321234567")
    page = admin_client.get(
        reverse("admin:django_turkeysms_verifiedphone_changelist"), {"q": "05321234567"}
    )
    assert "+905321234567" in page.content.decode()
    empty = admin_client.get(
        reverse("admin:django_turkeysms_verifiedphone_changelist"), {"q": "nope"}
    )
    assert "+905321234567" not in empty.content.decode()


def test_otp_challenge_detail_shows_the_number_once_masked(admin_client):
    challenge = OtpChallenge.objects.create(
        phone="+905321234567", purpose="login", expires_at=timezone.now()
    )
    page = admin_client.get(
        reverse("admin:django_turkeysms_otpchallenge_change", args=[challenge.pk])
    ).content.decode()
    assert "5321234567" not in page
    labels = re.findall(r"<label>([^<]*):</label>", page)
    assert labels.count("Phone number") == 1 and len(labels) == len(set(labels))


VERIFIED_PHONE_ADD = reverse("admin:django_turkeysms_verifiedphone_add")


def test_verified_phone_picks_the_user_with_autocomplete(admin_client):
    page = admin_client.get(VERIFIED_PHONE_ADD).content.decode()
    select = re.search(r'<select name="user"[^>]*>', page)[0]
    assert "admin-autocomplete" in select
    assert "vForeignKeyRawIdAdminField" not in page
    user = get_user_model().objects.create_user("ayse", first_name="Ayşe")
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "ayş",
            "app_label": "django_turkeysms",
            "model_name": "verifiedphone",
            "field_name": "user",
        },
    ).json()
    assert [item["id"] for item in found["results"]] == [str(user.pk)]


def user_widget(site, rf, admin_user):
    """The widget of the user field on a VerifiedPhone form of admin ``site``."""
    request = rf.get("/")
    request.user = admin_user
    model_admin = VerifiedPhoneAdmin(VerifiedPhone, site)
    return model_admin.get_form(request)().fields["user"].widget


def test_verified_phone_falls_back_to_the_raw_id_without_user_search(rf, admin_user):
    site = AdminSite()
    site.register(get_user_model())  # a plain ModelAdmin: no search_fields
    assert isinstance(user_widget(site, rf, admin_user), ForeignKeyRawIdWidget)
    site.unregister(get_user_model())
    site.register(get_user_model(), UserAdmin)
    assert isinstance(user_widget(site, rf, admin_user), AutocompleteSelect)


def test_verified_phone_falls_back_without_a_user_admin(rf, admin_user):
    assert isinstance(user_widget(AdminSite(), rf, admin_user), ForeignKeyRawIdWidget)


def test_verified_phones_are_listed_in_international_format(admin_client):
    user = get_user_model().objects.create_user("ayse")
    VerifiedPhone.objects.create(user=user, phone="+905321234567")
    page = admin_client.get(
        reverse("admin:django_turkeysms_verifiedphone_changelist")
    ).content.decode()
    assert "+90 532 123 45 67" in page


# -- the admin index and breadcrumbs -------------------------------------------------------------------------


def test_index_links_to_the_dashboard_and_send_sms(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    section = re.search(
        r'<div class="app-django_turkeysms module.*?</table>', page, re.S
    )[0]
    assert ">TurkeySMS</a>" in section
    dashboard_link = reverse("admin:django_turkeysms_smsdashboardlink_changelist")
    send_link = reverse("admin:django_turkeysms_sendsmslink_changelist")
    assert f'href="{dashboard_link}"' in section and ">SMS dashboard</a>" in section
    assert f'href="{send_link}"' in section and ">Send SMS</a>" in section
    assert admin_client.get(dashboard_link)["Location"] == DASHBOARD
    assert admin_client.get(send_link)["Location"] == SEND


def test_index_links_follow_the_permissions(client):
    client.force_login(staff("view_smslog"))
    page = client.get(reverse("admin:index")).content.decode()
    assert ">SMS dashboard</a>" in page and ">Send SMS</a>" not in page
    send_link = reverse("admin:django_turkeysms_sendsmslink_changelist")
    assert client.get(send_link).status_code == 403
    client.force_login(staff(username="nobody"))
    page = client.get(reverse("admin:index")).content.decode()
    assert "SMS dashboard" not in page


def breadcrumbs(page):
    return re.search(r'<(ol|div) class="breadcrumbs">(.*?)</\1>', page, re.S)


@pytest.mark.parametrize("url", [SEND, DASHBOARD], ids=["send", "dashboard"])
def test_breadcrumbs_use_the_markup_of_this_django_version(admin_client, url):
    django_own = breadcrumbs(admin_client.get(CHANGELIST).content.decode())
    ours = breadcrumbs(admin_client.get(url).content.decode())
    assert ours.group(1) == django_own.group(1)  # <ol> from 6.1, <div> before
    if ours.group(1) == "ol":
        steps = re.findall(r"<li[^>]*>(.*?)</li>", ours.group(2), re.S)
        assert [re.sub(r"<[^>]+>", "", step).strip() for step in steps] == [
            "Home",
            "TurkeySMS",
            "SMS log entries",
            "Send SMS" if url == SEND else "SMS dashboard",
        ]
    else:
        assert ours.group(2).count("&rsaquo;") == 3


def test_retry_confirmation_breadcrumbs_match_too(admin_client):
    row = SmsLogFactory(status=SmsLog.Status.FAILED)
    page = admin_client.post(
        CHANGELIST, {"action": "retry", "_selected_action": [row.pk]}
    ).content.decode()
    django_own = breadcrumbs(admin_client.get(CHANGELIST).content.decode())
    assert breadcrumbs(page).group(1) == django_own.group(1)


# -- paginator and translations ------------------------------------------------------------------------------


def test_paginator_deep_page_keeps_order():
    rows = SmsLogFactory.create_batch(12)
    queryset = SmsLog.objects.order_by("-created_at", "-id")
    pager = paginators.EstimatedCountPaginator(queryset, 5)
    assert pager.count == 12  # exact on SQLite
    paginators_offset = paginators.DEFERRED_FROM_OFFSET
    try:
        paginators.DEFERRED_FROM_OFFSET = 0
        page = pager.page(2)
    finally:
        paginators.DEFERRED_FROM_OFFSET = paginators_offset
    expected = list(queryset.values_list("pk", flat=True))[5:10]
    assert [row.pk for row in page.object_list] == expected
    assert page.has_next() and page.has_previous()
    assert len(rows) == pager.count


def test_admin_labels_are_translated(admin_client):
    SmsLogFactory(status=SmsLog.Status.DELIVERED)
    with translation.override("tr"):
        page = admin_client.get(
            CHANGELIST, headers={"accept-language": "tr"}
        ).content.decode()
    assert "İletildi" in page
    assert "Yeni kod" not in page
