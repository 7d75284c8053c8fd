"""Masking secrets: API keys and OTP codes in what may be stored, logged or raised.

Pure functions, no Django. A secret is masked two ways:

* **by name** – the value of a field called ``api_key`` or ``otp_code`` at any
  depth of an answer, as JSON text (``"api_key": "…"``), ``print_r`` text
  (``[api_key] => …``) or a query parameter (``api_key=…``), and the ``text``
  parameter of a GET send, which may hold a code;
* **by value** – a known secret wherever it appears, in any field or string, in
  its URL-encoded and JSON-escaped forms too. A code is masked only as a whole run
  of digits, so that an id or a date holding the same digits stays readable.
  Values shorter than :data:`MIN_SECRET_LENGTH` are masked by name only: masking
  them everywhere would mask half of every answer.

Exceptions are scrubbed as a whole chain: a transport error raised ``from`` a
stand-in still holds the original exception, and its URL, in ``__context__``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
SECRET_FIELDS = frozenset({"api_key", "otp_code"})
MIN_SECRET_LENGTH = 4
#: Answers are flat or one level deep; anything nested deeper is masked whole.
MAX_DEPTH = 32

_FIELD_TEXT = re.compile(
    r"(\"(?:api_key|otp_code)\"\s*:\s*\"?|\[(?:api_key|otp_code)\] => )[^\"\n,}]*"
)
# ``text=`` only as a real parameter (after ``?`` or ``&``), not inside ``context=``.
_QUERY = re.compile(r"(?i)((?:api_key|otp_code|(?<=[?&])text)=)[^&\s\"']*")
_SCALARS = (str, int, float, type(None))  # checked first: ABC checks are slow


class Redacted(Exception):
    """Stands in for an exception whose text or attributes could hold a secret."""


def secret_values(data: object, *, depth: int = 0) -> set[str]:
    """The values of the secret fields in ``data`` (an answer), to ``MAX_DEPTH``."""
    found: set[str] = set()
    items: Iterable[tuple[object, object]]
    if depth > MAX_DEPTH:
        return found
    if isinstance(data, Mapping):
        items = data.items()
    elif isinstance(data, (list, tuple)):
        items = enumerate(data)
    else:
        return found
    for key, value in items:
        if key in SECRET_FIELDS:
            found.add(_scalar_text(value))
        if _is_container(value):
            found |= secret_values(value, depth=depth + 1)
    found.discard("")
    return found


def _is_container(value: object) -> bool:
    return not isinstance(value, _SCALARS) and isinstance(value, (Mapping, list, tuple))


def _scalar_text(value: object) -> str:
    """A string or number as text; "" for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with secret fields, secret query parameters and ``secrets`` masked."""
    return _masked_text(text, _value_pattern(frozenset(secrets)))


def _masked_text(text: str, values: re.Pattern[str] | None) -> str:
    # Without these, text has no secret field or parameter to mask by name.
    if "=" in text or "api_key" in text or "otp_code" in text:
        text = _QUERY.sub(rf"\1{MASK}", _FIELD_TEXT.sub(rf"\1{MASK}", text))
    return values.sub(MASK, text) if values is not None else text


@functools.lru_cache(maxsize=256)
def _value_pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    """One pattern for every form of every secret long enough to mask by value.

    A code (all digits) matches only as a whole run of digits.
    """
    forms: set[str] = set()
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            forms.update(_forms(secret))
    if not forms:
        return None
    parts = [
        rf"(?<!\d){form}(?!\d)" if form.isdigit() else re.escape(form)
        for form in sorted(forms, key=len, reverse=True)
    ]
    return re.compile("|".join(parts))


def _forms(secret: str) -> set[str]:
    """The ways a secret is written in text, URLs and JSON."""
    escaped = json.dumps(secret)[1:-1]
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        escaped,
        escaped.replace("/", "\\/"),  # PHP's json_encode
    }


def mask_data(data: Any, secrets: Collection[str] = ()) -> Any:
    """A copy of an answer with secret fields (at any depth) and ``secrets`` masked."""
    return _masked_data(data, _value_pattern(frozenset(secrets)), depth=0)


def _masked_data(data: Any, values: re.Pattern[str] | None, *, depth: int) -> Any:
    if isinstance(data, str):
        return _masked_text(data, values)
    if isinstance(data, bool) or not _is_container(data):
        number = isinstance(data, (int, float)) and not isinstance(data, bool)
        hidden = number and values is not None and values.search(str(data))
        return MASK if hidden else data
    if depth >= MAX_DEPTH:
        return MASK
    if isinstance(data, Mapping):
        return {
            key: MASK
            if key in SECRET_FIELDS
            else _masked_data(value, values, depth=depth + 1)
            for key, value in data.items()
        }
    return [_masked_data(item, values, depth=depth + 1) for item in data]


def loggable_query(path: str, params: Mapping[str, Any]) -> str:
    """``path?params`` as it may be logged: no key, and the text only by its length."""
    shown = []
    for key, value in params.items():
        if key in SECRET_FIELDS:
            value = MASK
        elif key == "text":
            value = f"<{len(str(value))} chars>"
        shown.append(f"{key}={value}")
    return f"{path}?{'&'.join(shown)}"


def stand_in(error: BaseException, secrets: Iterable[str] = ()) -> Redacted:
    """A :class:`Redacted` holding the masked ``repr`` of ``error``, nothing else."""
    return Redacted(mask_text(repr(error), secrets))


def scrub_chain(error: BaseException, secrets: Collection[str] = ()) -> None:
    """Replace every exception chained to ``error`` by a masked stand-in.

    ``raise X from Y`` inside an ``except`` block keeps the handled exception in
    ``X.__context__`` (only hidden from tracebacks), so masking the cause is not
    enough. ``error``'s own notes are masked too.
    """
    suppress = error.__suppress_context__
    for link in ("__cause__", "__context__"):
        linked = getattr(error, link)
        if linked is not None and not isinstance(linked, Redacted):
            setattr(error, link, stand_in(linked, secrets))
    error.__suppress_context__ = suppress
    notes = getattr(error, "__notes__", None)
    if notes:
        error.__notes__ = [mask_text(str(note), secrets) for note in notes]
