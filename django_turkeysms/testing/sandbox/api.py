"""The provider endpoints: request parameters in, response fields out."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django_turkeysms.testing.sandbox.numbers import country_of, operator_of
from django_turkeysms.testing.sandbox.quirks import turkish_amount, turkish_count
from django_turkeysms.testing.sandbox.segments import count_segments
from django_turkeysms.testing.sandbox.state import (
    Account,
    SentMessage,
    State,
    now_in_istanbul,
)
from django_turkeysms.testing.sandbox.validation import (
    ApiError,
    authorise,
    charge,
    check_rate,
    check_recipient,
    check_sender,
    parse_choice,
    parse_schedule,
)
from django_turkeysms.testing.sandbox.wire import MESSAGES, OPERATION_SUCCESS, Fields

Params = dict[str, str]

SMS_LANG_NAMES = {0: "English", 1: "Turkish", 2: "Arabic"}
CONTENT_TYPE_NAMES = {0: "Transactional", 1: "High Quality", 2: "Advertising"}
DEFAULT_LANG = 2
OTP_DIGIT_CHOICES = (4, 5, 6)
OTP_SENDER = "TURKEYSMS"
OTP_TEMPLATES = {
    0: "Your verification code is {code}",
    1: "Doğrulama kodunuz: {code}",
    2: "رمز التحقق الخاص بك هو {code}",
}
PENDING = ("Message is pending", "TS-1064")
STATUS_TEXTS = {
    "scheduled": PENDING,
    "pending": PENDING,
    "delivered": ("Number received the message", "TS-1024"),
    "undelivered": (MESSAGES["TS-1022"], "TS-1022"),
    "out_of_coverage": (MESSAGES["TS-1023"], "TS-1023"),
}
#: Statuses of messages that did not reach the phone (yet).
UNARRIVED = ("undelivered", "out_of_coverage")


@dataclass(frozen=True)
class Draft:
    """A message about to be checked, charged and recorded."""

    number: str
    text: str
    sender: str
    sms_lang: int
    content_type: int
    kind: str
    via: str


@dataclass(frozen=True)
class SendStyle:
    """How one send endpoint names its fields and which permission it needs."""

    via: str  # also the permission name: "post" or "get"
    number_field: str
    lang_field: str


POST_SEND = SendStyle(via="post", number_field="sentto", lang_field="sms_lang")
GET_SEND = SendStyle(via="get", number_field="mobile", lang_field="lang")


def _submit(
    state: State, account: Account, draft: Draft, params: Params
) -> tuple[SentMessage, int]:
    """Check, charge and record ``draft``; return it and the last-minute count."""
    number = check_recipient(account, draft.number, draft.text)
    now = now_in_istanbul()
    scheduled = parse_schedule(params, now)
    tick = time.monotonic()
    try:
        recent = check_rate(account, tick)
    except ApiError:
        state.rate_limited_at.append(time.time())
        raise
    segments = count_segments(draft.text, draft.sms_lang)
    charge(account, number, segments)
    account.recent_sends.append(tick)
    message = _record(state, account, draft, number, segments, now, scheduled)
    return message, recent + 1


def _record(
    state: State,
    account: Account,
    draft: Draft,
    number: str,
    segments: int,
    created: datetime,
    scheduled: datetime | None,
) -> SentMessage:
    sms_id, outcome = state.locked_next_id(number)
    message = SentMessage(
        sms_id=sms_id,
        number=number,
        sender=draft.sender,
        text=draft.text,
        sms_lang=draft.sms_lang,
        content_type=draft.content_type,
        segments=segments,
        credits=segments,
        country=country_of(number),
        operator=operator_of(number),
        created=created,
        kind=draft.kind,
        via=draft.via,
        api_key=account.api_key,
        outcome=outcome,
        scheduled=scheduled,
    )
    return state.locked_record(message)


def _language(raw: str) -> int:
    return parse_choice(raw, default=DEFAULT_LANG, choices=tuple(SMS_LANG_NAMES))


def send_sms(state: State, params: Params, style: SendStyle) -> Fields:
    with state.lock:
        account = authorise(state, params.get("api_key", ""), style.via)
        title = params.get("title", "")
        check_sender(account, title)
        draft = Draft(
            number=params.get(style.number_field, ""),
            text=params.get("text", ""),
            sender=title,
            sms_lang=_language(params.get(style.lang_field, "")),
            content_type=parse_choice(
                params.get("content_type", ""),
                default=0,
                choices=tuple(CONTENT_TYPE_NAMES),
            ),
            kind="sms",
            via=style.via,
        )
        message, recent = _submit(state, account, draft, params)
    return _without_id(state, _sent_fields(message, recent))


def _sent_fields(message: SentMessage, recent: int) -> Fields:
    return {
        "result": True,
        "sms_id": int(message.sms_id),
        "total_has_sent_last_1_min": recent,
        "number_of_sms": message.segments,
        "result_code": "TS-1024",
        "result_message": MESSAGES["TS-1024"],
        "sms_lang": SMS_LANG_NAMES[message.sms_lang],
        "content_type": CONTENT_TYPE_NAMES[message.content_type],
        "country": message.country,
    }


def _without_id(state: State, fields: Fields) -> Fields:
    """The answer to a send, without ``sms_id`` under the ``no_sms_id`` quirk."""
    if "no_sms_id" in state.quirks:
        del fields["sms_id"]
    return fields


def send_post(state: State, params: Params) -> Fields:
    return send_sms(state, params, POST_SEND)


def send_get(state: State, params: Params) -> Fields:
    return send_sms(state, params, GET_SEND)


def send_otp(state: State, params: Params) -> Fields:
    with state.lock:
        account = authorise(state, params.get("api_key", ""), "get")
        lang = _language(params.get("lang", ""))
        digits = parse_choice(
            params.get("digits", ""), default=4, choices=OTP_DIGIT_CHOICES
        )
        code = _new_code(digits, numeric="numeric_otp_code" in state.quirks)
        draft = Draft(
            number=params.get("mobile", ""),
            text=OTP_TEMPLATES[lang].format(code=code),
            sender=OTP_SENDER,
            sms_lang=lang,
            content_type=0,
            kind="otp",
            via="otp",
        )
        message, _ = _submit(state, account, draft, {})
    return _without_id(state, _otp_fields(message, code, state.quirks))


def _new_code(digits: int, *, numeric: bool) -> str:
    """A random code; under ``numeric_otp_code`` one that starts with 0."""
    if numeric:
        return f"0{secrets.randbelow(10 ** (digits - 1)):0{digits - 1}d}"
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def _otp_fields(message: SentMessage, code: str, quirks: frozenset[str]) -> Fields:
    return {
        "result": True,
        # A number loses the leading zero the SMS shows.
        "otp_code": int(code) if "numeric_otp_code" in quirks else code,
        "sms_id": int(message.sms_id),
        "number_of_sms": message.segments,
        "result_code": "TS-1024",
        "result_message": MESSAGES["TS-1024"],
        "sms_lang": SMS_LANG_NAMES[message.sms_lang],
        "country": message.country,
    }


def _find_message(state: State, account: Account, sms_id: str) -> SentMessage:
    if not sms_id:
        raise ApiError("TS-1052")
    message = state.by_id.get(sms_id)
    if message is None or message.api_key != account.api_key:
        raise ApiError("TS-1033")
    return message


def message_status(state: State, params: Params) -> Fields:
    with state.lock:
        account = authorise(state, params.get("api_key", ""), "status")
        message = _find_message(state, account, params.get("sms_id", ""))
    status = message.status(now_in_istanbul(), state.delivery_delay)
    text, code = STATUS_TEXTS[status]
    return {
        "result": not _answers_false(state, status),
        "sender_id": message.sender,
        "date_of_sending": message.sent_at.strftime("%Y-%m-%d"),
        "time_of_sending": message.sent_at.strftime("%H:%M:%S"),
        "sms_status": text,
        "sms_status_code": code,
        "sms_balance": f"{message.credits} SMS",
        "operator": message.operator,
    }


def _answers_false(state: State, status: str) -> bool:
    """Under ``status_result_false``, a message that did not arrive answers false."""
    return "status_result_false" in state.quirks and status in UNARRIVED


def balance(state: State, params: Params) -> Fields:
    with state.lock:
        account = authorise(state, params.get("api_key", ""), "balance")
        local, international = account.local_balance, account.international_balance
    turkish = "turkish_numbers" in state.quirks
    return {
        "result": True,
        "result_code": "TS-1040",
        "result_message": OPERATION_SUCCESS,
        "api_key": account.api_key,
        "local_balance_sms": turkish_count(local) if turkish else local,
        "international_balance_tl": (
            turkish_amount(international) if turkish else f"{international:.2f}"
        ),
    }


def login(state: State, params: Params) -> Fields:
    with state.lock:
        account = authorise(state, params.get("api_key", ""), None)
        return {
            "result": True,
            "result_code": "TS-1046",
            "result_message": OPERATION_SUCCESS,
            "user_id": account.user_id,
            "account_name": account.name,
        }


@dataclass(frozen=True)
class Endpoint:
    """One provider URL: allowed methods, handler, and the recipient field if any."""

    methods: tuple[str, ...]
    handler: Callable[[State, Params], Fields]
    number_field: str | None = None


ENDPOINTS = {
    "/api/v3/authenticate/login": Endpoint(("GET", "POST"), login),
    "/api/v3/gonder/add-content": Endpoint(("POST",), send_post, "sentto"),
    "/api/v3/get/get.php": Endpoint(("GET",), send_get, "mobile"),
    "/api/v3/otp/otp_get.php": Endpoint(("GET",), send_otp, "mobile"),
    "/api/v3/sms-durumu/sms_durumu.php": Endpoint(("GET", "POST"), message_status),
    "/api/v3/bakiye_sorgulama/add-content": Endpoint(("POST",), balance),
}
