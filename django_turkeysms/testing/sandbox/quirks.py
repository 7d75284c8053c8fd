"""Quirks: answer shapes that real TurkeySMS traffic gives and the documentation
does not. Each is off until switched on by name, and stays on across ``reset()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

QUIRKS = {
    "status_result_false": (
        "status lookups of undelivered or out-of-coverage messages answer "
        "result false, together with the status fields"
    ),
    "numeric_otp_code": (
        "otp_code is a JSON number, and codes start with 0 so that the lost "
        "leading zero shows"
    ),
    "no_sms_id": "successful sends (SMS and OTP) answer without sms_id",
    "turkish_numbers": (
        "balances use Turkish separators: local_balance_sms 1.500, "
        "international_balance_tl 1.500,50"
    ),
}


def check_quirks(names: Iterable[str]) -> frozenset[str]:
    """The quirks named, or ``ValueError`` naming the ones that do not exist."""
    chosen = frozenset(names)
    unknown = chosen - QUIRKS.keys()
    if unknown:
        raise ValueError(
            f"unknown quirk(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(QUIRKS))}"
        )
    return chosen


def turkish_count(count: int) -> str:
    """``1500`` as ``"1.500"``."""
    return f"{count:,}".replace(",", ".")


def turkish_amount(amount: Decimal) -> str:
    """``Decimal("1500.5")`` as ``"1.500,50"``."""
    return f"{amount:,.2f}".translate(str.maketrans(",.", ".,"))
