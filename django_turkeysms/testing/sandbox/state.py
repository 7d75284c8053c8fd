"""In-memory provider state: accounts, sent messages, faults and counters.

Everything lives behind ``State.lock``; methods whose name starts with ``locked_``
expect the caller to hold it, every other method takes it itself.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from django_turkeysms.testing.sandbox.faults import RESULT_STYLES, Fault
from django_turkeysms.testing.sandbox.numbers import number_key
from django_turkeysms.testing.sandbox.quirks import check_quirks

# Turkey has stayed on UTC+3 all year since 2016; a fixed offset needs no tzdata.
ISTANBUL = timezone(timedelta(hours=3), "Europe/Istanbul")

DEMO_KEY = "sandbox-demo-key"
INTERNATIONAL_KEY = "sandbox-intl-key"
INACTIVE_KEY = "sandbox-inactive-key"
DEMO_SENDER = "SANDBOX"
INACTIVE_SENDER = "INACTIVE"
FIRST_SMS_ID = 1000007721
FIRST_USER_ID = 100001
PERMISSIONS = frozenset({"post", "get", "status", "balance"})

DELIVERED = "delivered"
OUTCOMES = (DELIVERED, "undelivered", "out_of_coverage", "pending")
RESERVED_OUTCOMES = {
    "905000000001": "undelivered",
    "905000000002": "out_of_coverage",
    "905000000003": "pending",
}


def now_in_istanbul() -> datetime:
    return datetime.now(ISTANBUL)


@dataclass(eq=False)
class Account:
    """A provider account; tests may change any field directly."""

    api_key: str
    local_balance: int
    international_balance: Decimal
    senders: dict[str, bool]
    international: bool
    active: bool
    rate_limit_per_minute: int | None
    permissions: frozenset[str] | None
    user_id: str
    name: str
    recent_sends: deque[float] = field(default_factory=deque, repr=False)

    def allows(self, permission: str) -> bool:
        return self.permissions is None or permission in self.permissions


@dataclass(frozen=True)
class SentMessage:
    """One message the sandbox accepted (one recipient)."""

    sms_id: str
    number: str
    sender: str
    text: str
    sms_lang: int
    content_type: int
    segments: int
    credits: int
    country: str
    operator: str
    created: datetime
    kind: str
    via: str
    api_key: str = field(repr=False)
    outcome: str
    scheduled: datetime | None

    @property
    def sent_at(self) -> datetime:
        """When the message leaves (its schedule, or when it was accepted)."""
        return self.scheduled or self.created

    def status(self, now: datetime, delivery_delay: float) -> str:
        """``scheduled``, ``pending`` or the final outcome, as of ``now``."""
        if now < self.sent_at:
            return "scheduled"
        if now < self.sent_at + timedelta(seconds=delivery_delay):
            return "pending"
        return self.outcome


def _permissions(permissions: Iterable[str] | None) -> frozenset[str] | None:
    if permissions is None:
        return None
    chosen = frozenset(permissions)
    if not chosen <= PERMISSIONS:
        unknown = ", ".join(sorted(chosen - PERMISSIONS))
        raise ValueError(f"unknown permission(s) {unknown}")
    return chosen


class State:
    """All mutable sandbox data and configuration."""

    def __init__(
        self,
        *,
        latency: float,
        delivery_delay: float,
        result_style: str,
        quirks: Iterable[str] = (),
    ) -> None:
        if result_style not in RESULT_STYLES:
            raise ValueError(f"result_style must be one of {', '.join(RESULT_STYLES)}")
        self.lock = threading.Lock()
        self.latency = latency
        self.delivery_delay = delivery_delay
        self.result_style = result_style
        self.quirks = check_quirks(quirks)
        self._clear()

    def _clear(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.messages: list[SentMessage] = []
        self.by_id: dict[str, SentMessage] = {}
        self.faults: list[Fault] = []
        self.outcomes: dict[str, str] = dict(RESERVED_OUTCOMES)
        self.request_count = 0
        self.connections_opened = 0
        self.requests_by_number: Counter[str] = Counter()
        self.sends_by_number: Counter[str] = Counter()
        #: When (epoch seconds) each TS-1060 was answered.
        self.rate_limited_at: list[float] = []
        self.next_sms_id = FIRST_SMS_ID
        self.next_user_id = FIRST_USER_ID
        self._add_default_accounts()

    def _add_default_accounts(self) -> None:
        for api_key, name, international, active in (
            (DEMO_KEY, "Sandbox Demo", False, True),
            (INTERNATIONAL_KEY, "Sandbox International", True, True),
            (INACTIVE_KEY, "Sandbox Inactive", False, False),
        ):
            account = new_account(
                api_key,
                local_balance=1_000_000,
                international_balance=Decimal("1000.00"),
                senders={DEMO_SENDER: True, INACTIVE_SENDER: False},
                international=international,
                active=active,
                name=name,
            )
            self._store_account(account)

    def _store_account(self, account: Account) -> Account:
        account.user_id = str(self.next_user_id)
        self.next_user_id += 1
        self.accounts[account.api_key] = account
        return account

    def reset(self) -> None:
        with self.lock:
            self._clear()

    def count_connection(self) -> None:
        with self.lock:
            self.connections_opened += 1

    def add_account(self, account: Account) -> Account:
        """Store ``account`` (replacing one with the same key) and number it."""
        with self.lock:
            return self._store_account(account)

    def account(self, api_key: str) -> Account:
        with self.lock:
            return self.accounts[api_key]

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, number: str | None) -> Fault | None:
        """The first injected fault for ``number`` (else a global one); uses it up."""
        if not self.faults:  # the common case; a race here only delays a fault
            return None
        with self.lock:
            matching = [f for f in self.faults if f.number in (number, None)]
            if not matching:
                return None
            fault = min(matching, key=lambda f: f.number is None)
            if fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
            return fault

    def set_outcome(self, number: str, outcome: str) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
        with self.lock:
            self.outcomes[number_key(number)] = outcome

    def count_request(self) -> None:
        with self.lock:
            self.request_count += 1

    def count_send_request(self, number: str) -> None:
        with self.lock:
            self.requests_by_number[number_key(number)] += 1

    def locked_next_id(self, number: str) -> tuple[str, str]:
        """A new ``sms_id`` and the outcome a message to ``number`` will have."""
        sms_id = str(self.next_sms_id)
        self.next_sms_id += 1
        return sms_id, self.outcomes.get(number, DELIVERED)

    def locked_record(self, message: SentMessage) -> SentMessage:
        self.messages.append(message)
        self.by_id[message.sms_id] = message
        self.sends_by_number[message.number] += 1
        return message

    def snapshot(self) -> list[SentMessage]:
        with self.lock:
            return list(self.messages)

    def stats(self) -> dict[str, object]:
        with self.lock:
            return {
                "requests": self.request_count,
                "connections": self.connections_opened,
                "requests_by_number": dict(self.requests_by_number),
                "sends_by_number": dict(self.sends_by_number),
                "rate_limited_at": list(self.rate_limited_at),
            }


def new_account(
    api_key: str,
    *,
    local_balance: int = 1000,
    international_balance: Decimal | str | int = Decimal("100.00"),
    senders: Mapping[str, bool] | None = None,
    international: bool = False,
    active: bool = True,
    rate_limit_per_minute: int | None = None,
    permissions: Iterable[str] | None = None,
    name: str = "Sandbox Account",
) -> Account:
    """Build an account; ``State.add_account()`` gives it its user id."""
    if not api_key:
        raise ValueError("api_key must not be empty")
    return Account(
        api_key=api_key,
        local_balance=local_balance,
        international_balance=Decimal(international_balance),
        senders=dict({DEMO_SENDER: True} if senders is None else senders),
        international=international,
        active=active,
        rate_limit_per_minute=rate_limit_per_minute,
        permissions=_permissions(permissions),
        user_id="",
        name=name,
    )
