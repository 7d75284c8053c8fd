"""The provider's wire format: response bodies and field values.

TurkeySMS answers in JSON when asked (``response_type=json``) and otherwise in
PHP ``print_r`` text; real traffic mixes the two, and the same field may come
as a JSON number, a numeric string, or a string with a unit (``"1 SMS"``). These
functions turn any of that into plain Python values or raise
:class:`~django_turkeysms.exceptions.MalformedResponse` — never ``KeyError``,
``JSONDecodeError`` or ``AttributeError``.

The ``print_r`` reader is hand-written: it is PHP's debug rendering of an array,
for which no Python library exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .exceptions import MalformedResponse

TRUE_VALUES = frozenset({"true", "1"})
FALSE_VALUES = frozenset({"false", "0", ""})

_PRINT_R_LINE = re.compile(r"^\s*\[(?P<key>[^\]]+)\] => ?(?P<value>.*)$")
# A counter has a few digits; a longer run is not a counter (and int() refuses
# more than 4,300 digits).
_LEADING_INT = re.compile(r"^\s*(-?\d{1,18})(?!\d)")
# Provider answers are flat or one level deep; deeper nesting is not an answer.
MAX_DEPTH = 32


def decode_body(body: bytes) -> str:
    """UTF-8 (a BOM is dropped); bytes that are not UTF-8 are read as ISO-8859-9."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("iso-8859-9")


def parse_body(text: str) -> dict[str, Any]:
    """Parse a JSON object or a ``print_r`` array body into a dict."""
    stripped = text.strip()
    if not stripped:
        raise MalformedResponse("The response body is empty.")
    if stripped.startswith("{"):
        return _parse_json(stripped)
    if stripped.startswith("Array"):
        return _parse_print_r(stripped.splitlines())
    raise MalformedResponse("The response is neither JSON nor a print_r array.")


def _parse_json(text: str) -> dict[str, Any]:
    """Parse text that starts with ``{``: valid JSON there is always an object."""
    try:
        data: dict[str, Any] = json.loads(text)
    except ValueError as exc:
        raise MalformedResponse("The response is not valid JSON.") from exc
    except RecursionError as exc:
        raise MalformedResponse("The JSON response is nested too deeply.") from exc
    return data


def _parse_print_r(lines: list[str]) -> dict[str, Any]:
    """Read ``Array ( [key] => value … )``; nested arrays become nested dicts."""
    result, end = _read_print_r_block(lines, 1, depth=0)
    if end is None:
        raise MalformedResponse("The print_r response is truncated.")
    return result


def _read_print_r_block(
    lines: list[str], start: int, *, depth: int
) -> tuple[dict[str, Any], int | None]:
    """Read from the line after ``Array`` to its closing ``)``; return the next index."""
    if depth > MAX_DEPTH:
        raise MalformedResponse("The print_r response is nested too deeply.")
    if start >= len(lines) or lines[start].strip() != "(":
        return {}, None
    data: dict[str, Any] = {}
    index = start + 1
    while index < len(lines):
        line = lines[index]
        if line.strip() == ")":
            return data, index + 1
        match = _PRINT_R_LINE.match(line)
        index += 1
        if match is None:
            continue
        key, value = match["key"].strip(), match["value"].rstrip()
        if value.strip() == "Array":
            nested, after = _read_print_r_block(lines, index, depth=depth + 1)
            if after is None:
                return data, None
            data[key], index = nested, after
        else:
            data[key] = value
    return data, None


def as_result(value: object) -> bool:
    """The provider's ``result``: true/"true"/1/"1" or false/"false"/0/"0"/""."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        token = value.strip().lower()
        if token in TRUE_VALUES:
            return True
        if token in FALSE_VALUES:
            return False
    # The value itself is not quoted: a broken answer may echo the request's key.
    raise MalformedResponse(
        f"Unexpected 'result' value (a {type(value).__name__} of "
        f"{len(str(value))} characters)."
    )


def as_text(value: object) -> str:
    """A field as a string; identifiers keep their digits (and leading zeros)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def as_count(value: object) -> int | None:
    """A counter given as an int, a numeric string or a string with a unit."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    match = _LEADING_INT.match(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def as_decimal(value: object) -> Decimal:
    """A money amount (``"12.50"``, ``12.5``, ``"12,50"``)."""
    text = as_text(value).replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise MalformedResponse(f"Unexpected amount: {text[:40]!r}.") from exc
    if not amount.is_finite():
        raise MalformedResponse(f"Unexpected amount: {text[:40]!r}.")
    return amount


def masked(data: Mapping[str, Any], secret_keys: frozenset[str]) -> dict[str, Any]:
    """A copy of ``data`` with the values of ``secret_keys`` replaced by ``***``."""
    return {
        key: ("***" if key in secret_keys else value) for key, value in data.items()
    }
