"""``/_sandbox/*``: drive the sandbox over HTTP from another process."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django_turkeysms.testing.sandbox.faults import make_fault
from django_turkeysms.testing.sandbox.httpio import Reply, Request
from django_turkeysms.testing.sandbox.numbers import number_key
from django_turkeysms.testing.sandbox.quirks import check_quirks
from django_turkeysms.testing.sandbox.state import (
    SentMessage,
    State,
    new_account,
    now_in_istanbul,
)
from django_turkeysms.testing.sandbox.wire import JSON_TYPE

Handler = Callable[[State, Request], Reply]
Data = dict[str, Any]


def json_reply(data: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data, ensure_ascii=False).encode(), JSON_TYPE)


OK = json_reply({"ok": True})


def read_object(request: Request) -> Data:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise ValueError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {value!r}")
    return value


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _optional_integer(value: object) -> int | None:
    return None if value is None else _integer(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _money(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected an amount, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"expected an amount, got {value!r}") from None


def _senders(value: object) -> dict[str, bool]:
    if not isinstance(value, dict):
        raise ValueError("senders must be an object of sender -> active")
    return {_string(name): _flag(active) for name, active in value.items()}


def _permissions(value: object) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ValueError("permissions must be a list or null")
    return [_string(item) for item in value]


ACCOUNT_FIELDS: dict[str, Callable[[object], object]] = {
    "local_balance": _integer,
    "international_balance": _money,
    "senders": _senders,
    "international": _flag,
    "active": _flag,
    "rate_limit_per_minute": _optional_integer,
    "permissions": _permissions,
    "name": _string,
}


def add_account(state: State, request: Request) -> Reply:
    data = read_object(request)
    unknown = set(data) - set(ACCOUNT_FIELDS) - {"api_key"}
    if unknown:
        raise ValueError(f"unknown account field(s) {', '.join(sorted(unknown))}")
    options: Data = {
        name: convert(data[name])
        for name, convert in ACCOUNT_FIELDS.items()
        if name in data
    }
    account = new_account(_string(data.get("api_key")), **options)
    state.add_account(account)
    return json_reply({"ok": True, "user_id": account.user_id})


def add_fault(state: State, request: Request) -> Reply:
    data = read_object(request)
    number = data.get("number")
    params = {} if data.get("params") is None else data["params"]
    if not isinstance(params, dict):
        raise ValueError("params must be an object")
    fault = make_fault(
        _string(data.get("kind")),
        params,
        number=None if number is None else number_key(_string(number)),
        times=data.get("times"),
    )
    state.inject(fault)
    return OK


def clear_faults(state: State, request: Request) -> Reply:
    state.clear_faults()
    return OK


def reset(state: State, request: Request) -> Reply:
    state.reset()
    return OK


def set_outcome(state: State, request: Request) -> Reply:
    data = read_object(request)
    state.set_outcome(_string(data.get("number")), _string(data.get("outcome")))
    return OK


def quirks_data(state: State) -> Data:
    return {"quirks": sorted(state.quirks)}


def list_quirks(state: State, request: Request) -> Reply:
    return json_reply(quirks_data(state))


def set_quirks(state: State, request: Request) -> Reply:
    """Switch exactly the quirks named on (an empty list switches all off)."""
    names = read_object(request).get("quirks")
    if not isinstance(names, list):
        raise ValueError("quirks must be a list of quirk names")
    state.quirks = check_quirks(_string(name) for name in names)
    return json_reply({"ok": True, **quirks_data(state)})


def message_data(message: SentMessage, now: datetime, delay: float) -> Data:
    """One message as ``/_sandbox/messages`` lists it."""
    scheduled = message.scheduled
    return {
        "sms_id": message.sms_id,
        "number": message.number,
        "sender": message.sender,
        "text": message.text,
        "segments": message.segments,
        "credits": message.credits,
        "status": message.status(now, delay),
        "created": message.created.isoformat(),
        "scheduled": scheduled.isoformat() if scheduled else None,
        "kind": message.kind,
        "via": message.via,
        "sms_lang": message.sms_lang,
        "content_type": message.content_type,
        "country": message.country,
        "operator": message.operator,
    }


def list_messages(state: State, request: Request) -> Reply:
    now, delay = now_in_istanbul(), state.delivery_delay
    messages = reversed(state.snapshot())
    return json_reply([message_data(message, now, delay) for message in messages])


def stats(state: State, request: Request) -> Reply:
    return json_reply(state.stats())


def _guarded(handler: Handler) -> Handler:
    """Answer 400 with ``{"error": …}`` when the request data is wrong."""

    def guarded(state: State, request: Request) -> Reply:
        try:
            return handler(state, request)
        except ValueError as error:
            return json_reply({"error": str(error)}, status=400)

    return guarded


ROUTES: dict[str, dict[str, Handler]] = {
    "/_sandbox/reset": {"POST": reset},
    "/_sandbox/faults": {"POST": _guarded(add_fault), "DELETE": clear_faults},
    "/_sandbox/messages": {"GET": list_messages},
    "/_sandbox/stats": {"GET": stats},
    "/_sandbox/outcomes": {"POST": _guarded(set_outcome)},
    "/_sandbox/accounts": {"POST": _guarded(add_account)},
    "/_sandbox/quirks": {"GET": list_quirks, "POST": _guarded(set_quirks)},
}
