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
from decimal import Decimal, InvalidOperation
from typing import Any

from .exceptions import MalformedResponse

TRUE_VALUES = frozenset({"true", "1"})
FALSE_VALUES = frozenset({"false", "0", ""})

_PRINT_R_LINE = re.compile(r"^\s*\[(?P<key>[^\]]+)\] => ?(?P<value>.*)$")
# A counter has a few digits; a longer run is not a counter (and int() refuses
# more than 4,300 digits). Real answers group thousands ("1.500" in Turkish,
# "1,500" in English): a separator followed by three digits is grouping, one
# followed by other digits is a fraction, which a counter has not.
_LEADING_INT = re.compile(
    r"^\s*(?P<int>-?(?:[1-9]\d{0,2}(?P<sep>[.,])\d{3}(?:(?P=sep)\d{3}){0,4}|\d{1,18}))"
    r"(?!\d|[.,]\d)"
)
# The first group of a number written with thousands separators.
_GROUP_HEAD = re.compile(r"-?[1-9]\d{0,2}")
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
    if match is None:
        return None
    digits = match["int"]
    return int(digits.replace(match["sep"], "") if match["sep"] else digits)


def as_otp_code(value: object, *, digits: int) -> str:
    """A provider-generated code of exactly ``digits`` digits.

    The provider documents its codes as ``digits`` long with leading zeros kept
    ("[000000]"), and the SMS shows them so. A code that arrives as a JSON number
    (``12345`` for ``digits=6``) has lost only its leading zeros in the encoding,
    so it is left-padded back to what the SMS says; refusing it would throw away
    a code the user already holds. Anything that cannot be that code — more
    digits than asked, a negative or fractional number, a string of another
    length — is refused: the user could never type it.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = f"{value:0{digits}d}"
    code = value.strip() if isinstance(value, str) else ""
    if len(code) != digits or not (code.isascii() and code.isdigit()):
        raise MalformedResponse(
            f"The OTP response has no usable {digits}-digit otp_code."
        )
    return code


def as_decimal(value: object) -> Decimal:
    """A money amount in Turkish lira, written either way round.

    ``"12.50"``, ``12.5``, ``"12,50"``, ``"1.500"``, ``"1.500,50"`` and
    ``"1,500.50"`` all read as the provider meant them. The last separator
    decides: followed by three digits it groups thousands (a lira amount has two
    decimals, kuruş, so three digits after a decimal mark are not an amount);
    otherwise it is the decimal mark, and the other separator groups thousands.
    """
    text = as_text(value)
    try:
        amount = Decimal(_plain_amount(text))
    except (InvalidOperation, ValueError) as exc:
        raise MalformedResponse(f"Unexpected amount: {text[:40]!r}.") from exc
    if not amount.is_finite():
        raise MalformedResponse(f"Unexpected amount: {text[:40]!r}.")
    return amount


def _plain_amount(text: str) -> str:
    """``text`` with thousands separators dropped and a ``.`` decimal mark."""
    last = max(text.rfind("."), text.rfind(","))
    if last < 0:
        return text
    head, mark, tail = text[:last], text[last], text[last + 1 :]
    if len(tail) == 3 and tail.isdigit() and _grouped(text, mark):
        return text.replace(mark, "")
    grouping = "," if mark == "." else "."
    if mark in head or not _grouped(head, grouping):
        raise ValueError(text)
    return f"{head.replace(grouping, '')}.{tail}"


def _grouped(text: str, separator: str) -> bool:
    """Whether ``separator`` in ``text`` only ever groups digits by three."""
    first, *groups = text.split(separator)
    if not groups:
        return True
    return _GROUP_HEAD.fullmatch(first) is not None and all(
        len(group) == 3 and group.isdigit() for group in groups
    )
