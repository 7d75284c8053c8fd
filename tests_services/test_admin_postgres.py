"""The send-log changelist on PostgreSQL: planner estimates instead of COUNT(*),
deep pages through their keys, a bounded number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_turkeysms.admin import paginator
from django_turkeysms.models import SmsLog

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:django_turkeysms_smslog_changelist")


@pytest.fixture
def many_rows():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO django_turkeysms_smslog (recipient, sender, body, language, segments,
                credits, category, content_type, backend, provider_id, status, result_code,
                result_message, attempts, country, operator, created_at, tag, metadata,
                provider_response, idempotency_key, fingerprint)
            SELECT '+90532' || lpad(i::text, 7, '0'), 'SANDBOX', 'Merhaba', 0, 1, 1,
                'transactional', 0, 'default', i::text,
                CASE WHEN i % 10 = 0 THEN 'undelivered' ELSE 'delivered' END, '', '', 1,
                'TR', '', now() - i * interval '1 minute', '', '{}', '{}', '', ''
            FROM generate_series(1, 30000) AS i
            """
        )
        cursor.execute("ANALYZE django_turkeysms_smslog")


def test_large_results_are_estimated_not_counted(many_rows):
    estimate = paginator.planner_estimate(SmsLog.objects.all())
    assert 25_000 < estimate < 35_000
    pager = paginator.EstimatedCountPaginator(SmsLog.objects.all(), 50)
    with CaptureQueriesContext(connection) as queries:
        assert pager.count == estimate
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_small_results_are_counted_exactly(many_rows):
    small = SmsLog.objects.filter(provider_id__in=["1", "2", "3"])
    assert paginator.EstimatedCountPaginator(small, 50).count == 3


@pytest.mark.parametrize(
    "params",
    [{}, {"status__exact": "undelivered"}, {"q": "0532 000 12 34"}, {"p": "300"}],
    ids=["unfiltered", "status", "search", "deep"],
)
def test_changelist_pages_stay_within_five_queries(admin_client, many_rows, params):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(CHANGELIST, params)
    assert response.status_code == 200
    assert len(queries.captured_queries) <= 5


def test_deep_page_rows_are_the_right_ones(admin_client, many_rows):
    response = admin_client.get(CHANGELIST, {"p": "300"})  # offset 14,950
    expected = list(
        SmsLog.objects.order_by("-created_at", "-id").values_list("pk", flat=True)[
            14_950:15_000
        ]
    )
    pattern = r'name="_selected_action" value="(\d+)"'
    shown = [int(pk) for pk in re.findall(pattern, response.content.decode())]
    assert shown == expected
