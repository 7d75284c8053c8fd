"""turkeysms_status: status refresh in batches, --since, --limit, --sweep, --unknown."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_turkeysms.management.commands._util import Progress, parse_duration
from django_turkeysms.models import SmsLog
from tests.factories import SmsLogFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("turkeysms_status", *args, stdout=out, stderr=err)
    return out.getvalue()


LOOKED_UP = re.compile(
    r"^Looked up (?P<count>\d+) messages? in \d+\.\d s \([\d,]+ a minute\)(?P<rest>.*)$"
)


def looked_up(output):
    """(count, the outcome summary, the backlog line) of a refresh's output."""
    first, backlog, *rest = output.splitlines()
    match = LOOKED_UP.match(first)
    assert match, first
    return int(match["count"]), match["rest"], backlog, rest


def test_refreshes_sent_messages_in_batches(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_BATCH_SIZE": 2}
    SmsLogFactory.create_batch(5)
    SmsLogFactory(status=SmsLog.Status.DELIVERED)
    count, outcome, backlog, rest = looked_up(run())
    assert (count, outcome, rest) == (5, ": 5 delivered.", [])
    assert backlog == (
        "Backlog: 0 sent messages younger than 72 h await their delivery report."
    )
    assert SmsLog.objects.filter(status=SmsLog.Status.DELIVERED).count() == 6


def test_since_and_limit():
    SmsLogFactory(created_at=timezone.now() - timedelta(days=2))
    SmsLogFactory.create_batch(3)
    assert looked_up(run("--since", "1d", "--limit", "2"))[:2] == (2, ": 2 delivered.")
    assert looked_up(run("--since", "1d"))[:2] == (1, ": 1 delivered.")
    assert looked_up(run())[:2] == (1, ": 1 delivered.")


def test_nothing_to_do():
    assert looked_up(run())[:2] == (0, ".")


def test_the_backlog_counts_sent_messages_young_enough_to_look_up(settings):
    settings.TURKEYSMS = {**settings.TURKEYSMS, "STATUS_MAX_AGE": 3600}
    SmsLogFactory(created_at=timezone.now() - timedelta(minutes=30))
    SmsLogFactory(created_at=timezone.now() - timedelta(hours=2))
    SmsLogFactory(provider_id="")  # nothing to look up with
    out = run("--limit", "0")
    assert looked_up(out)[2] == (
        "Backlog: 1 sent message younger than 1 h awaits its delivery report."
    )


def test_sweep():
    SmsLogFactory(
        status=SmsLog.Status.SENDING,
        provider_id="",
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    assert run("--sweep") == "Swept: 0 reconciled, 1 marked unknown, 0 re-queued.\n"


def test_unknown_lists_messages_with_an_unknown_outcome():
    old = SmsLogFactory(
        status=SmsLog.Status.UNKNOWN,
        recipient="+905321234567",
        result_code="LOCAL-INTERRUPTED",
        result_message="Interrupted while sending.",
        created_at=timezone.now() - timedelta(days=10),
    )
    recent = SmsLogFactory(status=SmsLog.Status.UNKNOWN, result_code="")
    SmsLogFactory(status=SmsLog.Status.SENT)
    lines = run("--unknown").splitlines()
    assert lines[0].startswith(f"#{old.pk}  ")
    assert lines[0].endswith(
        "  +90 532 *** ** 67  LOCAL-INTERRUPTED  Interrupted while sending."
    )
    assert lines[1].startswith(f"#{recent.pk}  ") and "  -  " in lines[1]
    assert lines[2] == "2 message(s) with an unknown outcome."
    assert run("--unknown", "--since", "7d").splitlines()[-1].startswith("1 message")
    assert run("--unknown", "--limit", "1").splitlines()[-1].startswith("1 message")


def test_bad_duration_is_a_command_error():
    with pytest.raises(CommandError, match="Invalid duration '7 days'"):
        run("--since", "7 days")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90s", 90), ("15m", 900), ("24h", 86400), ("2d", 172800), ("1w", 604800)],
)
def test_durations(text, expected):
    assert parse_duration(text) == timedelta(seconds=expected)


class FakeTerminal(StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_only():
    terminal = FakeTerminal()
    progress = Progress(terminal, 4, "Refreshing")
    progress.advance(2)
    progress.finish()
    assert terminal.getvalue() == "\rRefreshing [" + "#" * 15 + "-" * 15 + "] 2/4\n"
    quiet = StringIO()
    Progress(quiet, 4, "Refreshing").advance(4)
    assert quiet.getvalue() == ""
