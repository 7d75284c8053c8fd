"""turkeysms_balance, _check, _send, _cleanup and _sandbox management commands."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import tracemalloc
from contextlib import closing
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command, load_command_class
from django.utils import timezone

from django_turkeysms import retention
from django_turkeysms.management.commands import turkeysms_send
from django_turkeysms.management.commands._spool import Spool, read_csv
from django_turkeysms.management.commands._util import one_line
from django_turkeysms.models import REDACTED, OtpChallenge, SmsLog
from django_turkeysms.testing.sandbox import cli
from tests.conftest import ROOT, provider_settings, sandbox_cli
from tests.factories import SmsLogFactory

pytestmark = pytest.mark.django_db

LOCMEM = "django_turkeysms.backends.locmem.SmsBackend"
DUMMY = "django_turkeysms.backends.dummy.SmsBackend"
WRONG_KEY = "sk-live-wrong-0123456789abcdef"


class FakeTerminal(StringIO):
    def isatty(self):
        return True


def run(name, *args, stderr=None):
    """The command's stdout; its stderr goes to ``stderr`` (a fresh StringIO)."""
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=stderr or StringIO())
    return out.getvalue()


def run_for_status(name, *args):
    """The command's stdout and its exit status (a CommandError's returncode)."""
    out = StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=StringIO())
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_backend(settings, path, **options):
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "BACKENDS": {"default": {"BACKEND": path, "OPTIONS": options}},
    }


def assert_one_line_without_key(error):
    message = str(error.value)
    assert "\n" not in message
    assert message
    assert WRONG_KEY not in message


# -- turkeysms_balance -----------------------------------------------------------


def test_balance_text_from_the_sandbox(settings, sandbox):
    sandbox.add_account("sandbox-small-key")
    settings.TURKEYSMS = provider_settings(sandbox, api_key="sandbox-small-key")
    assert run("turkeysms_balance") == (
        "Local balance: 1,000 SMS\nInternational balance: 100.00 TL\n"
    )


def test_balance_json_from_the_sandbox(sandbox):
    assert json.loads(run("turkeysms_balance", "--json")) == {
        "local_sms": 1_000_000,
        "international_tl": "1000.00",
        "backend": "default",
    }


def test_balance_of_another_alias(settings):
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        "BACKENDS": {
            "default": {"BACKEND": DUMMY},
            "tests": {"BACKEND": LOCMEM},
        },
    }
    assert run("turkeysms_balance", "--backend", "tests") == (
        "Local balance: 1,000,000 SMS\nInternational balance: 1,000.00 TL\n"
    )
    balance = json.loads(run("turkeysms_balance", "--backend", "tests", "--json"))
    assert balance["backend"] == "tests"


def test_balance_needs_a_backend_that_has_one(settings):
    use_backend(settings, DUMMY)
    with pytest.raises(CommandError, match="cannot report a balance"):
        run("turkeysms_balance")


def test_balance_unknown_alias():
    with pytest.raises(CommandError, match="no such alias"):
        run("turkeysms_balance", "--backend", "nope")


def test_balance_with_a_rejected_key(settings, sandbox):
    settings.TURKEYSMS = provider_settings(sandbox, api_key=WRONG_KEY)
    with pytest.raises(CommandError) as error:
        run("turkeysms_balance")
    assert_one_line_without_key(error)


# -- turkeysms_check -------------------------------------------------------------


def test_check_against_the_sandbox(sandbox):
    account = sandbox.account(sandbox.api_key)
    out = run("turkeysms_check")
    assert "System checks passed." in out
    assert (
        f"Authenticated as {account.name} (user id {account.user_id})\n"
        "Sender ID: SANDBOX\n"
        "Everything looks fine.\n"
    ) in out
    assert sandbox.api_key not in out


def test_check_with_a_rejected_key(settings, sandbox):
    settings.TURKEYSMS = provider_settings(sandbox, api_key=WRONG_KEY)
    with pytest.raises(CommandError) as error:
        run("turkeysms_check")
    assert_one_line_without_key(error)


def test_check_refuses_an_unregistered_sender(settings, sandbox):
    settings.TURKEYSMS = provider_settings(sandbox, senders=["OTHER"])
    with pytest.raises(CommandError, match="not registered"):
        run("turkeysms_check")


def test_check_refuses_a_malformed_sender(settings, sandbox):
    settings.TURKEYSMS = provider_settings(sandbox, sender="MUCH-TOO-LONG-SENDER")
    with pytest.raises(CommandError, match="is invalid"):
        run("turkeysms_check")
    assert sandbox.request_count == 1  # the authentication only


def test_check_names_the_address_of_a_provider_that_is_down(settings, sandbox):
    port = closed_port()
    base_url = f"http://127.0.0.1:{port}"
    settings.TURKEYSMS = provider_settings(sandbox, base_url=base_url)
    with pytest.raises(CommandError) as error:
        run("turkeysms_check")
    assert str(error.value) == (
        f"ConnectionError: could not connect to http://127.0.0.1:{port}"
    )
    assert error.value.returncode == 1


def test_check_lists_system_check_errors(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "NOT_A_SETTING": 1}
    err = StringIO()
    with pytest.raises(CommandError, match=r"^System checks found 1 error\.$"):
        run("turkeysms_check", stderr=err)
    assert "ERROR django_turkeysms.E001: TURKEYSMS has an unknown key" in err.getvalue()


def test_check_without_a_provider_account(settings):
    use_backend(settings, LOCMEM)
    out = run("turkeysms_check")
    assert "Authenticated" not in out
    assert out.endswith("Sender ID: (none)\nEverything looks fine.\n")


# -- turkeysms_send --------------------------------------------------------------


def test_send_to_numbers(sandbox):
    out = run(
        "turkeysms_send",
        "--to",
        "0532 123 45 67",
        "--to",
        "+905421234567",
        "--text",
        "Merhaba",
    )
    assert out == "Sent 2, queued 0, failed 0, unknown 0, cancelled 0.\n"
    assert sorted(SmsLog.objects.values_list("status", flat=True)) == ["sent"] * 2
    assert sorted(message.number for message in sandbox.messages) == [
        "905321234567",
        "905421234567",
    ]


def test_send_with_sender_and_category(settings, sms_outbox):
    out = run(
        "turkeysms_send",
        "--to",
        "05321234567",
        "--text",
        "Kampanya",
        "--sender",
        "BRAND",
        "--category",
        "commercial",
    )
    assert out.startswith("Sent 1,")
    [message] = sms_outbox
    assert (message.sender, message.content_type) == ("BRAND", 2)


def test_send_counts_what_the_provider_did_not_confirm(sandbox):
    sandbox.inject("http_500", number="905421234567")
    out, status = run_for_status(
        "turkeysms_send", "--to", "05321234567", "--to", "05421234567", "--text", "Hi"
    )
    assert out.startswith("Sent 1, queued 0, failed 0, unknown 1, cancelled 0.\n")
    assert "1 message may or may not have been sent (HTTP 500" in out
    assert "turkeysms_status --unknown" in out
    assert status == 5


def test_send_in_async_mode_queues(settings, sms_outbox):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "ASYNC": True}
    out = run("turkeysms_send", "--to", "05321234567", "--text", "Merhaba")
    assert out == (
        "Sent 0, queued 1, failed 0, unknown 0, cancelled 0.\n"
        "1 message was handed to the task workers.\n"
    )


def test_send_with_the_provider_down_says_when_it_retries(settings, sandbox):
    port = closed_port()
    settings.TURKEYSMS = provider_settings(sandbox, base_url=f"http://127.0.0.1:{port}")
    out, status = run_for_status(
        "turkeysms_send", "--to", "05321234567", "--text", "Merhaba"
    )
    row = SmsLog.objects.get()
    retry_at = timezone.localtime(row.next_attempt_at).isoformat(
        sep=" ", timespec="seconds"
    )
    assert status == 3
    assert out == (
        "Sent 0, queued 1, failed 0, unknown 0, cancelled 0.\n"
        "1 message could not be sent yet (ConnectionError: could not connect to "
        f"http://127.0.0.1:{port}). It waits for a retry from {retry_at}: run "
        "“manage.py turkeysms_retry” then, or from cron every minute. Otherwise "
        "the sweeper (“manage.py turkeysms_status --sweep”) sends it 10 minutes "
        "after that.\n"
    )
    assert sandbox.api_key not in out


def test_retry_sends_what_waits_once_its_time_has_come(settings, sandbox):
    settings.TURKEYSMS = provider_settings(
        sandbox, base_url=f"http://127.0.0.1:{closed_port()}"
    )
    run_for_status("turkeysms_send", "--to", "05321234567", "--text", "Merhaba")
    row = SmsLog.objects.get()
    settings.TURKEYSMS = provider_settings(sandbox)  # the provider is back
    SmsLog.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    out, status = run_for_status("turkeysms_retry")
    assert (status, sandbox.messages) == (3, [])  # not yet: it says when
    assert out.startswith("Retried 0 messages. Sent 0, queued 0,")
    assert "1 more message waits for a later retry; the next retry is due" in out

    SmsLog.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    out, status = run_for_status("turkeysms_retry")
    assert (out, status) == (
        "Retried 1 message. Sent 1, queued 0, failed 0, unknown 0, cancelled 0.\n",
        0,
    )
    row.refresh_from_db()
    assert (row.status, row.attempts) == (SmsLog.Status.SENT, 2)
    assert [message.text for message in sandbox.messages] == ["Merhaba"]


def test_retry_with_nothing_waiting():
    assert run_for_status("turkeysms_retry") == (
        "Retried 0 messages. Sent 0, queued 0, failed 0, unknown 0, cancelled 0.\n",
        0,
    )


def test_send_refused_by_the_provider_fails_for_good(sandbox):
    sandbox.account(sandbox.api_key).local_balance = 0
    out, status = run_for_status(
        "turkeysms_send", "--to", "05321234567", "--text", "Merhaba"
    )
    assert status == 4
    assert "1 message failed for good and will not be retried" in out
    assert "[TS-1027]" in out


@pytest.mark.parametrize("command", ["turkeysms_send", "turkeysms_retry"])
def test_exit_statuses_are_in_the_help(command):
    help_text = load_command_class("django_turkeysms", command).help
    assert "3 some wait for a retry" in help_text and "5 some may" in help_text


def test_send_refuses_an_invalid_number_before_any_call(sandbox):
    with pytest.raises(CommandError) as error:
        run("turkeysms_send", "--to", "05321234567", "--to", "123", "--text", "Hi")
    assert "\n" not in str(error.value)
    assert sandbox.request_count == 0
    assert not SmsLog.objects.exists()


def test_send_unknown_backend():
    with pytest.raises(CommandError, match="SMS backend 'nope': no such alias"):
        run(
            "turkeysms_send", "--to", "05321234567", "--text", "Hi", "--backend", "nope"
        )


def test_send_to_needs_a_text():
    with pytest.raises(CommandError, match="--text is required"):
        run("turkeysms_send", "--to", "05321234567")


def test_send_needs_to_or_csv():
    with pytest.raises(CommandError, match="one of the arguments --to --csv"):
        run("turkeysms_send", "--text", "Hi")


def write_csv(tmp_path, text):
    path = tmp_path / "recipients.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_send_csv_with_texts_per_row(tmp_path, sandbox):
    path = write_csv(
        tmp_path,
        "phone,text\n"
        "05321234567,Siparişiniz yolda\n"
        "05421234567,Siparişiniz yolda\n"
        "0532 765 43 21,\n"
        "not a number,Siparişiniz yolda\n"
        "05551234567,Randevunuz yarın\n",
    )
    err = StringIO()
    out = run("turkeysms_send", "--csv", path, "--text", "Merhaba", stderr=err)
    assert out == (
        "Sent 4, queued 0, failed 0, unknown 0, cancelled 0.\nSkipped 1 invalid row.\n"
    )
    [report] = err.getvalue().splitlines()
    assert report.startswith("Line 5 skipped: ")
    bodies = dict(SmsLog.objects.values_list("recipient", "body"))
    assert bodies == {
        "+905321234567": "Siparişiniz yolda",
        "+905421234567": "Siparişiniz yolda",
        "+905327654321": "Merhaba",
        "+905551234567": "Randevunuz yarın",
    }
    assert SmsLog.objects.values("batch").distinct().count() == 3  # one per text


def test_send_csv_skips_bad_rows_and_texts(tmp_path, settings, sms_outbox):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "MAX_SEGMENTS": 1}
    path = write_csv(
        tmp_path,
        "Phone ,Text\n"
        "05321234567,Hi\n"
        "+90 532 123 45 67,Hi\n"
        "05421234567,\n"
        f"05551234567,{'a' * 161}\n"
        "+12025550123,Hi\n",
    )
    err = StringIO()
    out = run("turkeysms_send", "--csv", path, stderr=err)
    assert out.splitlines() == [
        "Sent 1, queued 0, failed 0, unknown 0, cancelled 0.",
        "Skipped 4 invalid rows.",
    ]
    lines = err.getvalue().splitlines()
    assert [line.split(" skipped: ")[0] for line in lines] == [
        "Line 3",
        "Line 4",
        "Line 5",
        "Line 6",
    ]
    assert "already gets this text (line 2)" in lines[0]
    assert "--text was not given" in lines[1]
    assert "2 SMS segments" in lines[2]
    assert len(sms_outbox) == 1


def test_send_csv_in_batches(tmp_path, monkeypatch, sms_outbox):
    monkeypatch.setattr(turkeysms_send, "BATCH_SIZE", 2)
    rows = "".join(f"0532123456{digit}\n" for digit in range(5))
    path = write_csv(tmp_path, "phone\n" + rows)
    out = run("turkeysms_send", "--csv", path, "--text", "Merhaba")
    assert out == "Sent 5, queued 0, failed 0, unknown 0, cancelled 0.\n"
    assert SmsLog.objects.values("batch").distinct().count() == 3


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("number,text\n05321234567,Hi\n", "has no phone column"),
        ("phone\n05321234567\n", "has no text column"),
        ("phone,text\nnope,Hi\n", "No row of"),
    ],
)
def test_send_csv_refusals(tmp_path, content, error):
    with pytest.raises(CommandError, match=error):
        run("turkeysms_send", "--csv", write_csv(tmp_path, content))
    assert not SmsLog.objects.exists()


def test_send_csv_unreadable_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("turkeysms_send", "--csv", str(tmp_path / "missing.csv"), "--text", "Hi")


def test_send_csv_refuses_a_bad_sender_before_sending(tmp_path, sandbox):
    path = write_csv(tmp_path, "phone,text\n05321234567,A\n05421234567,B\n")
    with pytest.raises(CommandError, match="is invalid"):
        run("turkeysms_send", "--csv", path, "--sender", "FAR-TOO-LONG-SENDER")
    assert sandbox.request_count == 0
    assert not SmsLog.objects.exists()


def spool_peak(tmp_path, rows):
    """Peak Python memory of both passes over a CSV file of ``rows`` recipients."""
    path = tmp_path / f"{rows}.csv"
    path.write_text(
        "phone,text\n" + "".join(f"+90532{n:07d},Merhaba\n" for n in range(rows)),
        encoding="utf-8",
    )
    tracemalloc.start()
    try:
        with closing(Spool()) as spool:
            read_csv(str(path), None, spool, lambda line, reason: None)
            for _text, _numbers in spool.batches(500):
                pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_send_csv_memory_does_not_grow_with_the_file(tmp_path):
    spool_peak(tmp_path, 100)  # imports and caches of the first run
    small, large = spool_peak(tmp_path, 1_000), spool_peak(tmp_path, 10_000)
    # Ten times the rows: the same peak, give or take (a dictionary of the
    # whole file would hold over a megabyte here).
    assert large < small + 200_000, (small, large)


def test_send_csv_sends_in_file_order_text_by_text(tmp_path, sms_outbox):
    path = write_csv(
        tmp_path,
        "phone,text\n05421234567,B\n05321234567,A\n05551234567,B\n05321234567,B\n",
    )
    run("turkeysms_send", "--csv", path)
    logged = SmsLog.objects.order_by("pk").values_list("body", "recipient")
    assert [(text, str(number)) for text, number in logged] == [
        ("B", "+905421234567"),
        ("B", "+905551234567"),
        ("B", "+905321234567"),
        ("A", "+905321234567"),
    ]
    assert len(sms_outbox) == 4


def test_send_dry_run(tmp_path, sandbox):
    path = write_csv(
        tmp_path,
        f"phone,text\n05321234567,{'a' * 161}\n05421234567,{'a' * 161}\n"
        "05551234567,Şeker\n",
    )
    out = run("turkeysms_send", "--csv", path, "--dry-run")
    assert out.splitlines() == [
        f'"{"a" * 39}…": encoding GSM7, segments 2, recipients 2, estimated credits 4',
        '"Şeker": encoding TURKISH, segments 1, recipients 1, estimated credits 1',
        "Total: recipients 3, estimated credits 5. Dry run: nothing was sent.",
    ]
    assert sandbox.request_count == 0
    assert not SmsLog.objects.exists()


def test_send_dry_run_with_to(sandbox):
    out = run("turkeysms_send", "--to", "05321234567", "--text", "Hi", "--dry-run")
    assert out.endswith(
        "Total: recipients 1, estimated credits 1. Dry run: nothing was sent.\n"
    )
    assert sandbox.request_count == 0


def test_send_progress_only_on_a_terminal(tmp_path, sms_outbox):
    path = write_csv(tmp_path, "phone\n05321234567\n05421234567\n")
    quiet = StringIO()
    run("turkeysms_send", "--csv", path, "--text", "Hi", stderr=quiet)
    assert quiet.getvalue() == ""
    terminal = FakeTerminal()
    run("turkeysms_send", "--csv", path, "--text", "Hi", stderr=terminal)
    assert terminal.getvalue() == "\rSending [" + "#" * 30 + "] 2/2\n"


# -- turkeysms_cleanup -----------------------------------------------------------


def days_ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def old_and_new():
    """Old rows in every status, a recent one, and OTP challenges."""
    old = {
        status: SmsLogFactory(
            status=status,
            created_at=days_ago(200),
            tag="promo",
            metadata={"customer": 7},
            provider_response={"sms_id": "1"},
        )
        for status in SmsLog.Status.values
    }
    recent = SmsLogFactory(created_at=days_ago(10))
    for days in (200, 10):
        OtpChallenge.objects.create(
            phone="+905321234567", purpose="login", expires_at=days_ago(days)
        )
    return old, recent


def test_cleanup_deletes_old_final_rows(old_and_new):
    old, recent = old_and_new
    out = run("turkeysms_cleanup", "--older-than", "180d")
    assert out == "Deleted 6 SMS log rows and 1 OTP challenge.\n"
    assert set(SmsLog.objects.values_list("pk", flat=True)) == {
        old["queued"].pk,
        old["sending"].pk,
        recent.pk,
    }
    assert OtpChallenge.objects.count() == 1


def test_cleanup_anonymises(old_and_new):
    old, recent = old_and_new
    out = run("turkeysms_cleanup", "--older-than", "26w", "--anonymise")
    assert out == "Anonymised 6 SMS log rows and deleted 1 OTP challenge.\n"
    assert SmsLog.objects.count() == len(SmsLog.Status.values) + 1
    row = SmsLog.objects.get(pk=old["delivered"].pk)
    assert (row.body, str(row.recipient), row.metadata, row.provider_response) == (
        REDACTED,
        "",
        {},
        {},
    )
    assert (row.tag, row.status, row.segments) == ("", "delivered", 1)
    for kept in (old["queued"], old["sending"], recent):
        kept.refresh_from_db()
        assert (kept.body, kept.tag) == ("Merhaba", "promo" if kept != recent else "")
    again = run("turkeysms_cleanup", "--older-than", "26w", "--anonymise")
    assert again == "Anonymised 0 SMS log rows and deleted 0 OTP challenges.\n"


def test_cleanup_anonymises_rows_of_one_idempotent_call():
    for number in ("+905321234567", "+905421234567"):
        SmsLogFactory(
            recipient=number, idempotency_key="order-17", created_at=days_ago(400)
        )
    out = run("turkeysms_cleanup", "--older-than", "1w", "--anonymize")
    assert out.startswith("Anonymised 2 SMS log rows")


def test_cleanup_dry_run_changes_nothing(old_and_new):
    assert run("turkeysms_cleanup", "--older-than", "180d", "--dry-run") == (
        "Would delete 6 SMS log rows and 1 OTP challenge.\n"
    )
    assert run(
        "turkeysms_cleanup", "--older-than", "180d", "--dry-run", "--anonymise"
    ) == ("Would anonymise 6 SMS log rows and delete 1 OTP challenge.\n")
    assert SmsLog.objects.exclude(body="Merhaba").count() == 0
    assert OtpChallenge.objects.count() == 2


def test_cleanup_in_batches(monkeypatch):
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    SmsLogFactory.create_batch(5, created_at=days_ago(3))
    assert run("turkeysms_cleanup", "--older-than", "2d", "--anonymise") == (
        "Anonymised 5 SMS log rows and deleted 0 OTP challenges.\n"
    )
    assert run("turkeysms_cleanup", "--older-than", "2d") == (
        "Deleted 5 SMS log rows and 0 OTP challenges.\n"
    )
    assert not SmsLog.objects.exists()


def test_cleanup_formats_thousands(monkeypatch):
    SmsLogFactory.create_batch(3, created_at=days_ago(3))
    monkeypatch.setattr(retention, "delete", lambda queryset: 1234)
    monkeypatch.setattr(retention, "delete_logs", lambda queryset: 1234)
    assert run("turkeysms_cleanup", "--older-than", "1d") == (
        "Deleted 1,234 SMS log rows and 1,234 OTP challenges.\n"
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("23h", "at least 1 day"),
        ("0d", "at least 1 day"),
        ("six months", "Invalid duration"),
    ],
)
def test_cleanup_refuses_short_or_bad_periods(value, error):
    SmsLogFactory(created_at=days_ago(3))
    with pytest.raises(CommandError, match=error):
        run("turkeysms_cleanup", "--older-than", value)
    assert SmsLog.objects.count() == 1


# -- turkeysms_sandbox -----------------------------------------------------------


def test_sandbox_command_serves_until_sigint():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(ROOT),
    }
    argv = ["-m", "django", "turkeysms_sandbox", "--port", "0"]
    with sandbox_cli(argv, env=env) as url:
        address = urlsplit(url)
        connection = http.client.HTTPConnection(
            address.hostname, address.port, timeout=5
        )
        connection.request("GET", "/inbox")
        assert connection.getresponse().status == 200
        connection.close()


def test_sandbox_command_in_process(monkeypatch):
    def interrupted():
        raise KeyboardInterrupt

    before = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(cli, "wait_forever", interrupted)
    out = run("turkeysms_sandbox", "--port", "0", "--latency", "0.5")
    assert out.startswith("TurkeySMS sandbox listening on http://127.0.0.1:")
    assert out.count("\n") == 4
    assert signal.getsignal(signal.SIGINT) is before


def test_sandbox_command_busy_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError, match=f"Cannot listen on 127.0.0.1:{port}"):
            run("turkeysms_sandbox", "--port", str(port))


# -- helpers ---------------------------------------------------------------------


def test_one_line_masks_secrets():
    error = ValueError(f"bad\n  key {WRONG_KEY}")
    assert one_line(error, secrets=(WRONG_KEY, "")) == "bad key ***"
    encoded = ValueError("GET /x?k=sk%2Blive%2F1 failed")
    assert one_line(encoded, secrets=("sk+live/1",)) == "GET /x?k=*** failed"
    assert one_line(ValueError()) == "ValueError"
