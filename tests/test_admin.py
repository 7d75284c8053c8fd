"""The admin through the test client: list, filters, search, actions, compose,
dashboard, permissions, and no secrets on any page."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation

from django_turkeysms import paginator as paginators
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


# -- actions -----------------------------------------------------------------------------------


def test_refresh_action_reports_counts(admin_client, sms_outbox):
    rows = SmsLogFactory.create_batch(3)
    response = admin_client.post(
        CHANGELIST,
        {"action": "refresh_statuses", "_selected_action": [r.pk for r in rows]},
        follow=True,
    )
    assert "Looked up 3 message(s): 3 delivered." in response.content.decode()
    assert SmsLog.objects.filter(status=SmsLog.Status.DELIVERED).count() == 3


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
    assert "Skipped 1 not failed or unknown, 1 whose text is not stored." in text
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
    response = admin_client.post(
        SEND,
        {
            "recipients": "0532 123 45 67\n05421234567",
            "text": "Merhaba",
            "sender": "",
            "category": "transactional",
            "backend": "default",
        },
        follow=True,
    )
    assert "Message logged for 2 recipient(s): 2 Sent." in response.content.decode()
    assert len(sms_outbox) == 2


def test_compose_shows_validation_errors(admin_client, sms_outbox):
    response = admin_client.post(
        SEND,
        {
            "recipients": "12",
            "text": "Merhaba",
            "category": "transactional",
            "backend": "default",
        },
    )
    assert response.status_code == 200 and "is too short" in response.content.decode()
    assert SmsLog.objects.count() == 0


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
    assert "3 Delivered" in page and "<polyline" in page
    assert "Last 30 days: 4 messages, 4 credits." in page
    assert "Delivery rate 75.0 %." in page
    assert "cdn" not in page.lower()


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
