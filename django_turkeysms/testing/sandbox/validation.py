"""The provider's request checks; each raises ``ApiError`` with the TS code."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal

from django_turkeysms.testing.sandbox.numbers import canonical_number, is_turkish
from django_turkeysms.testing.sandbox.state import ISTANBUL, Account, State

PERMISSION_CODES = {
    "post": "TS-1061",
    "get": "TS-1062",
    "status": "TS-1063",
    "balance": "TS-1065",
}
INTERNATIONAL_PRICE = Decimal("0.50")  # TL per segment
RATE_WINDOW = 60.0  # seconds
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}")


class ApiError(Exception):
    """An application error: HTTP 200 with ``result`` false and this code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def authorise(state: State, api_key: str, permission: str | None) -> Account:
    """Find the active account for ``api_key`` allowed to do ``permission``."""
    if not api_key:
        raise ApiError("TS-1050")
    account = state.accounts.get(api_key)
    if account is None:
        raise ApiError("TS-1031")
    if not account.active:
        raise ApiError("TS-1030")
    if permission is not None and not account.allows(permission):
        raise ApiError(PERMISSION_CODES[permission])
    return account


def check_sender(account: Account, title: str) -> None:
    if not title:
        raise ApiError("TS-1051")
    active = account.senders.get(title)
    if active is None:
        raise ApiError("TS-1029")
    if not active:
        raise ApiError("TS-1028")


def parse_choice(raw: str, *, default: int, choices: tuple[int, ...]) -> int:
    """An integer option: empty means ``default``; anything unlisted is TS-1033."""
    if raw == "":
        return default
    if raw.isascii() and raw.isdigit() and int(raw) in choices:
        return int(raw)
    raise ApiError("TS-1033")


def check_recipient(account: Account, raw: str, text: str) -> str:
    """Return the canonical number, checking number, text and reach in order."""
    if not raw:
        raise ApiError("TS-1025")
    if not text:
        raise ApiError("TS-1026")
    number = canonical_number(raw)
    if number is None:
        raise ApiError("TS-1034")
    if not is_turkish(number) and not account.international:
        raise ApiError("TS-1032")
    return number


def _parse_date(raw: str) -> date:
    if not _DATE.fullmatch(raw):
        raise ApiError("TS-1070")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApiError("TS-1070") from None


def _parse_time(raw: str) -> time:
    if not _TIME.fullmatch(raw):
        raise ApiError("TS-1071")
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise ApiError("TS-1071") from None


def parse_schedule(params: dict[str, str], now: datetime) -> datetime | None:
    """``scheduled_sms=1`` with a future ``scheduled_date`` and ``scheduled_time``."""
    if params.get("scheduled_sms", "") != "1":
        return None
    day = _parse_date(params.get("scheduled_date", ""))
    moment = _parse_time(params.get("scheduled_time", ""))
    scheduled = datetime.combine(day, moment, tzinfo=ISTANBUL)
    if scheduled < now:
        raise ApiError("TS-1072")
    return scheduled


def check_rate(account: Account, now: float) -> int:
    """Enforce the per-minute limit; return how many were sent in the last minute."""
    recent = account.recent_sends
    while recent and recent[0] <= now - RATE_WINDOW:
        recent.popleft()
    limit = account.rate_limit_per_minute
    if limit is not None and len(recent) >= limit:
        raise ApiError("TS-1060")
    return len(recent)


def charge(account: Account, number: str, segments: int) -> None:
    """Take local SMS credits (Turkey) or TL (international), or raise TS-1027."""
    if is_turkish(number):
        if account.local_balance < segments:
            raise ApiError("TS-1027")
        account.local_balance -= segments
        return
    cost = INTERNATIONAL_PRICE * segments
    if account.international_balance < cost:
        raise ApiError("TS-1027")
    account.international_balance -= cost
