"""What became of the messages a command sent: the summary, what happens to
each message that was not sent and when, and an exit status a script can act on.

Exit statuses of ``turkeysms_send`` and ``turkeysms_retry`` (the highest that
applies wins; 1 and 2 are Django's and argparse's):

* 0 – every message was sent, handed to the task workers, or cancelled on purpose;
* 1 – the command could not run: bad input, bad configuration;
* 2 – wrong command-line arguments;
* 3 – some messages wait for a retry (the provider could not be reached): run
  ``turkeysms_retry`` from the time printed;
* 4 – some messages failed for good (the provider refused them): never retried;
* 5 – some messages may or may not have been sent: check them before re-sending.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.management.base import CommandError
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_turkeysms.conf import conf
from django_turkeysms.message import SmsStatus
from django_turkeysms.models import SmsLog

EXIT_WAITING, EXIT_FAILED, EXIT_UNKNOWN = 3, 4, 5

EXIT_STATUS_HELP = (
    "Exit status: 0 every message sent (or handed to the task workers); 1 the "
    "command could not run; 3 some wait for a retry (run turkeysms_retry from the "
    "time printed); 4 some failed for good; 5 some may or may not have been sent "
    "(check them before sending again). The highest that applies wins."
)

#: The summary's group of each status; QUEUED rows that wait for a retry
#: (``WAITING``) are "waiting".
GROUPS: dict[str, str] = {
    SmsStatus.SENT: "sent",
    SmsStatus.DELIVERED: "sent",
    SmsStatus.QUEUED: "queued",
    SmsStatus.SENDING: "queued",
    SmsStatus.FAILED: "failed",
    SmsStatus.UNDELIVERED: "failed",
    SmsStatus.UNKNOWN: "unknown",
    SmsStatus.CANCELLED: "cancelled",
}

#: QUEUED rows that wait for a retry: tried before, or held back by pacing
#: (which gives the attempt back but leaves its result code).
WAITING = Q(attempts__gt=0) | ~Q(result_code="")

#: Rows looked up per query (SQLite limits the parameters of one statement).
BATCH_SIZE = 500


@dataclass
class Report:
    """Counts per group, the first reason seen per group, the earliest retry."""

    counts: Counter[str] = field(default_factory=Counter)
    reasons: dict[str, str] = field(default_factory=dict)
    next_attempt: datetime | None = None
    #: Rows waiting for a retry that were not among those counted.
    waiting_elsewhere: int = 0

    def add(self, ids: Sequence[int]) -> None:
        """Count the rows ``ids`` as they are stored now."""
        for start in range(0, len(ids), BATCH_SIZE):
            rows = SmsLog.objects.filter(pk__in=ids[start : start + BATCH_SIZE])
            for status, attempts, code, next_attempt, reason in rows.values_list(
                "status", "attempts", "result_code", "next_attempt_at", "result_message"
            ):
                waiting = status == SmsStatus.QUEUED and bool(attempts or code)
                group = "waiting" if waiting else GROUPS[status]
                self.counts[group] += 1
                if reason:
                    self.reasons.setdefault(group, reason)
                if waiting and next_attempt:
                    self._retry_at(next_attempt)

    def _retry_at(self, moment: datetime) -> None:
        if self.next_attempt is None or moment < self.next_attempt:
            self.next_attempt = moment

    def add_other_waiting(self, exclude: Sequence[int]) -> None:
        """Note the rows waiting for a retry other than ``exclude``."""
        others = (
            SmsLog.objects.filter(status=SmsStatus.QUEUED)
            .filter(WAITING)
            .exclude(pk__in=list(exclude))
            .aggregate(count=Count("pk"), first=Min("next_attempt_at"))
        )
        if others["first"] is not None:
            self._retry_at(others["first"])
        self.waiting_elsewhere = others["count"]

    def summary(self) -> str:
        return _(
            "Sent %(sent)d, queued %(queued)d, failed %(failed)d, unknown "
            "%(unknown)d, cancelled %(cancelled)d."
        ) % {
            "sent": self.counts["sent"],
            "queued": self.counts["queued"] + self.counts["waiting"],
            "failed": self.counts["failed"],
            "unknown": self.counts["unknown"],
            "cancelled": self.counts["cancelled"],
        }

    def next_steps(self) -> list[str]:
        """One line per group that was not sent: what happens to it, and when."""
        lines = []
        if self.counts["waiting"]:
            lines.append(self._waiting(self.counts["waiting"]))
        if self.counts["queued"]:
            lines.append(_queued(self.counts["queued"]))
        if self.counts["failed"]:
            lines.append(_failed(self.counts["failed"], self._reason("failed")))
        if self.counts["unknown"]:
            lines.append(_unknown(self.counts["unknown"], self._reason("unknown")))
        if self.waiting_elsewhere:
            lines.append(_elsewhere(self.waiting_elsewhere, self.next_attempt))
        return lines

    def _reason(self, group: str) -> str:
        reason = " ".join(self.reasons.get(group, "").split()) or _("no reason given")
        return Truncator(reason).chars(160)

    def _waiting(self, count: int) -> str:
        return ngettext(
            "%(count)d message could not be sent yet (%(reason)s). It waits for "
            "a retry from %(time)s: run “manage.py turkeysms_retry” then, or "
            "from cron every minute. Otherwise the sweeper (“manage.py "
            "turkeysms_status --sweep”) sends it %(minutes)d minutes after that.",
            "%(count)d messages could not be sent yet (%(reason)s). They wait "
            "for a retry from %(time)s: run “manage.py turkeysms_retry” then, or "
            "from cron every minute. Otherwise the sweeper (“manage.py "
            "turkeysms_status --sweep”) sends them %(minutes)d minutes after that.",
            count,
        ) % {
            "count": count,
            "reason": self._reason("waiting"),
            "time": _moment(self.next_attempt),
            "minutes": round(conf.QUEUED_TIMEOUT / 60),
        }

    def exit_status(self) -> int:
        if self.counts["unknown"]:
            return EXIT_UNKNOWN
        if self.counts["failed"]:
            return EXIT_FAILED
        waiting = self.counts["waiting"] or self.waiting_elsewhere
        return EXIT_WAITING if waiting else 0

    def raise_for_status(self) -> None:
        """A ``CommandError`` with the exit status when not everything was sent."""
        status = self.exit_status()
        if status:
            raise CommandError(
                _("Not every message was sent (exit status %(status)d).")
                % {"status": status},
                returncode=status,
            )


def _moment(moment: datetime | None) -> str:
    if moment is None:
        return _("now")
    return timezone.localtime(moment).isoformat(sep=" ", timespec="seconds")


def _elsewhere(count: int, moment: datetime | None) -> str:
    return ngettext(
        "%(count)d more message waits for a later retry; the next retry is due "
        "from %(time)s.",
        "%(count)d more messages wait for a later retry; the next retry is due "
        "from %(time)s.",
        count,
    ) % {"count": count, "time": _moment(moment)}


def _queued(count: int) -> str:
    return ngettext(
        "%(count)d message was handed to the task workers.",
        "%(count)d messages were handed to the task workers.",
        count,
    ) % {"count": count}


def _failed(count: int, reason: str) -> str:
    return ngettext(
        "%(count)d message failed for good and will not be retried (%(reason)s).",
        "%(count)d messages failed for good and will not be retried (%(reason)s).",
        count,
    ) % {"count": count, "reason": reason}


def _unknown(count: int, reason: str) -> str:
    return ngettext(
        "%(count)d message may or may not have been sent (%(reason)s). It is "
        "never re-sent automatically: check with the recipient; “manage.py "
        "turkeysms_status --unknown” lists it.",
        "%(count)d messages may or may not have been sent (%(reason)s). They "
        "are never re-sent automatically: check with the recipients; “manage.py "
        "turkeysms_status --unknown” lists them.",
        count,
    ) % {"count": count, "reason": reason}
