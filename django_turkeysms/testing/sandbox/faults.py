"""Fault kinds, their parameters, and the ``X-Sandbox-Fault`` header syntax."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

# Faults that answer before the request is processed: nothing is recorded.
EARLY_KINDS = frozenset(
    {"http_500", "http_502", "http_503", "http_429", "reset_before", "redirect_http"}
)
# Faults that process (and record) the request, then change the answer.
LATE_KINDS = frozenset(
    {
        "latency",
        "malformed_json",
        "print_r",
        "empty",
        "html",
        "reset_after",
        "drip",
        "huge",
        "result_style",
    }
)
KINDS = EARLY_KINDS | LATE_KINDS
RESULT_STYLES = ("string", "bool", "int")

# kind -> {parameter: default}
DEFAULTS: dict[str, dict[str, float | str]] = {
    "latency": {"seconds": 1.0},
    "http_429": {"seconds": 1.0},
    "drip": {"interval": 0.5},
    "result_style": {"style": "string"},
}


@dataclass
class Fault:
    """One fault; ``number`` None means every request, ``times`` None means forever."""

    kind: str
    params: dict[str, float | str] = field(default_factory=dict)
    number: str | None = None
    times: int | None = None

    def seconds(self, name: str) -> float:
        return float(self.params[name])

    def text(self, name: str) -> str:
        return str(self.params[name])


def _convert(name: str, value: object) -> float | str:
    if name == "style":
        if value not in RESULT_STYLES:
            raise ValueError(f"style must be one of {', '.join(RESULT_STYLES)}")
        return str(value)
    try:
        number = float(str(value))
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a non-negative number of seconds")
    return number


def _check_times(times: object) -> int | None:
    if times is None:
        return None
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ValueError("times must be a positive integer or null")
    return times


def make_fault(
    kind: str,
    params: Mapping[str, object],
    *,
    number: str | None = None,
    times: object = None,
) -> Fault:
    """Validate a fault description; raise ``ValueError`` with a readable reason."""
    if kind not in KINDS:
        raise ValueError(
            f"unknown fault kind {kind!r}; known: {', '.join(sorted(KINDS))}"
        )
    defaults = DEFAULTS.get(kind, {})
    unknown = set(params) - set(defaults)
    if unknown:
        raise ValueError(
            f"fault {kind!r} takes no parameter {', '.join(sorted(unknown))}"
        )
    values = dict(defaults)
    values.update({name: _convert(name, value) for name, value in params.items()})
    return Fault(kind, values, number, _check_times(times))


def parse_fault_header(value: str) -> Fault:
    """Parse ``kind`` or ``kind; name=value; name=value``."""
    kind, *pairs = (part.strip() for part in value.split(";"))
    params: dict[str, object] = {}
    for pair in filter(None, pairs):
        name, sep, raw = pair.partition("=")
        if not sep:
            raise ValueError(f"fault parameter {pair!r} is not name=value")
        params[name.strip()] = raw.strip()
    return make_fault(kind, params)


# Recipient numbers that always trigger a fault (see the package docstring).
RESERVED_FAULTS = {
    "905000000429": make_fault("http_429", {}),
    "905000000444": make_fault("reset_after", {}),
    "905000000500": make_fault("http_500", {}),
    "905000000502": make_fault("http_502", {}),
    "905000000503": make_fault("http_503", {}),
}
