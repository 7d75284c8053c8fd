"""The TurkeySMS sandbox over real HTTP on loopback."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from django_turkeysms.testing.sandbox import Sandbox, cli
from django_turkeysms.testing.sandbox.state import ISTANBUL
from tests.conftest import sandbox_cli

KEY = "sandbox-demo-key"
NUMBER = "905321234567"
SEND = "/api/v3/gonder/add-content"
GET_SEND = "/api/v3/get/get.php"
OTP = "/api/v3/otp/otp_get.php"
STATUS = "/api/v3/sms-durumu/sms_durumu.php"
BALANCE = "/api/v3/bakiye_sorgulama/add-content"
LOGIN = "/api/v3/authenticate/login"
JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def running_sandbox():
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(running_sandbox):
    running_sandbox.reset()
    running_sandbox.latency = 0.0
    running_sandbox.delivery_delay = 0.0
    running_sandbox.result_style = "string"
    running_sandbox.quirks = ()
    return running_sandbox


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode()


def split_url(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def address(sandbox: Sandbox) -> tuple[str, int]:
    return split_url(sandbox.base_url)


def call(sandbox, method, path, *, body=None, headers=None, timeout=5.0):
    connection = http.client.HTTPConnection(*address(sandbox), timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def post(sandbox, path, payload, *, headers=None, **kwargs):
    body = json.dumps(payload).encode()
    return call(
        sandbox, "POST", path, body=body, headers=headers or JSON_HEADERS, **kwargs
    )


def get(sandbox, path, params, **kwargs):
    return call(sandbox, "GET", f"{path}?{urlencode(params)}", **kwargs)


def send(sandbox, *, headers=None, timeout=5.0, **fields):
    payload = {
        "api_key": KEY,
        "title": "SANDBOX",
        "text": "Hello from the sandbox",
        "sentto": NUMBER,
        "report": 1,
        "sms_lang": 0,
        "response_type": "json",
    }
    payload.update(fields)
    headers = {**JSON_HEADERS, **(headers or {})}
    return post(sandbox, SEND, payload, headers=headers, timeout=timeout)


def send_json(sandbox, **fields):
    response = send(sandbox, **fields)
    assert response.status == 200
    return response.json()


def status_of(sandbox, sms_id, **fields):
    params = {"api_key": KEY, "sms_id": sms_id, "response_type": "json", **fields}
    return get(sandbox, STATUS, params).json()


def balance_of(sandbox, api_key=KEY):
    payload = {"api_key": api_key, "report": 1, "response_type": "json"}
    return post(sandbox, BALANCE, payload).json()


def otp(sandbox, **params):
    query = {"api_key": KEY, "mobile": NUMBER, "report": 1, "response_type": "json"}
    return get(sandbox, OTP, {**query, **params}).json()


def code_of(data):
    return (data["result"], data["result_code"])


# -- endpoints: success ----------------------------------------------------------


def test_login_get_json(sandbox):
    response = get(
        sandbox, LOGIN, {"api_key": KEY, "report": 1, "response_type": "json"}
    )
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    data = response.json()
    assert list(data) == [
        "result",
        "result_code",
        "result_message",
        "user_id",
        "account_name",
    ]
    assert data["result"] == "true"
    assert data["result_code"] == "TS-1046"
    assert data["result_message"] == "operation_success"
    assert data["user_id"].isdigit()
    assert data["account_name"] == "Sandbox Demo"


def test_login_post_php(sandbox):
    response = post(sandbox, LOGIN, {"api_key": KEY, "response_type": "php"})
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert response.text.startswith("Array\n(\n    [result] => true\n")
    assert "    [result_code] => TS-1046\n" in response.text


def test_send_post_json(sandbox):
    data = send_json(sandbox)
    assert data == {
        "result": "true",
        "sms_id": 1000007721,
        "total_has_sent_last_1_min": 1,
        "number_of_sms": 1,
        "result_code": "TS-1024",
        "result_message": "The message was sent successfully",
        "sms_lang": "English",
        "content_type": "Transactional",
        "country": "Turkey-TR",
    }
    assert list(data)[:2] == ["result", "sms_id"]
    assert send_json(sandbox)["sms_id"] == 1000007722
    [message, _] = sandbox.messages
    assert (message.sms_id, message.number, message.sender) == (
        "1000007721",
        NUMBER,
        "SANDBOX",
    )
    assert (message.text, message.kind, message.via) == (
        "Hello from the sandbox",
        "sms",
        "post",
    )
    assert (message.segments, message.credits, message.operator) == (1, 1, "Turkcell")
    assert message.created.tzinfo is not None


def test_send_answers_print_r_when_response_type_is_omitted(sandbox):
    payload = {"api_key": KEY, "title": "SANDBOX", "text": "Hi", "sentto": NUMBER}
    response = post(sandbox, SEND, payload)
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert response.text == (
        "Array\n(\n"
        "    [result] => true\n"
        "    [sms_id] => 1000007721\n"
        "    [total_has_sent_last_1_min] => 1\n"
        "    [number_of_sms] => 1\n"
        "    [result_code] => TS-1024\n"
        "    [result_message] => The message was sent successfully\n"
        "    [sms_lang] => Arabic\n"
        "    [content_type] => Transactional\n"
        "    [country] => Turkey-TR\n"
        ")\n"
    )


@pytest.mark.parametrize("response_type", ["php", "array", "JSON"])
def test_other_response_types_answer_print_r(sandbox, response_type):
    response = send(sandbox, response_type=response_type)
    assert response.text.startswith("Array\n(\n    [result] => true\n")


def test_send_accepts_json_without_content_type(sandbox):
    body = json.dumps(
        {"api_key": KEY, "title": "SANDBOX", "text": "Hi", "sentto": NUMBER}
    )
    response = call(sandbox, "POST", SEND, body=body.encode() + b"\n")
    assert "[result_code] => TS-1024" in response.text


def test_send_accepts_numbers_as_json_numbers(sandbox):
    data = send_json(sandbox, sentto=int(NUMBER), sms_lang=1, content_type=2)
    assert (data["sms_lang"], data["content_type"]) == ("Turkish", "Advertising")
    assert sandbox.sends_for(NUMBER) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"api_key=sandbox-demo-key&title=SANDBOX",
        b"[1, 2]",
        b'{"api_key": ',
        b"",
        b"\xff",
    ],
)
def test_send_rejects_bodies_that_are_not_json_objects(sandbox, body):
    response = call(sandbox, "POST", SEND, body=body, headers=JSON_HEADERS)
    assert response.status == 200
    assert "[result_code] => TS-1033" in response.text


def test_send_casts_json_scalars_like_php(sandbox):
    data = send_json(
        sandbox, sms_lang=1.0, content_type=None, report=True, title="SANDBOX"
    )
    assert (data["sms_lang"], data["content_type"]) == ("Turkish", "Transactional")
    assert code_of(send_json(sandbox, sms_lang=False)) == ("true", "TS-1024")
    assert code_of(send_json(sandbox, sms_lang=0.5)) == ("false", "TS-1033")


def test_send_rejects_nested_values(sandbox):
    assert code_of(send_json(sandbox, text=["a"])) == ("false", "TS-1033")


def test_send_get(sandbox):
    params = {
        "api_key": KEY,
        "mobile": NUMBER,
        "title": "SANDBOX",
        "text": "Ödeme alındı",
        "report": 1,
        "lang": 1,
        "response_type": "json",
        "content_type": 1,
    }
    data = get(sandbox, GET_SEND, params).json()
    assert code_of(data) == ("true", "TS-1024")
    assert (data["sms_lang"], data["content_type"]) == ("Turkish", "High Quality")
    assert [m.via for m in sandbox.messages] == ["get"]
    assert sandbox.messages[0].text == "Ödeme alındı"


def test_send_get_php_by_default(sandbox):
    params = {"api_key": KEY, "mobile": NUMBER, "title": "SANDBOX", "text": "Hi"}
    response = get(sandbox, GET_SEND, params)
    assert "    [sms_lang] => Arabic\n" in response.text


def test_otp(sandbox):
    data = otp(sandbox, digits=6, lang=0)
    assert list(data) == [
        "result",
        "otp_code",
        "sms_id",
        "number_of_sms",
        "result_code",
        "result_message",
        "sms_lang",
        "country",
    ]
    assert code_of(data) == ("true", "TS-1024")
    code = data["otp_code"]
    assert isinstance(code, str)
    assert len(code) == 6
    assert code.isdigit()
    [message] = sandbox.messages
    assert message.text == f"Your verification code is {code}"
    assert (message.kind, message.via, message.sender) == ("otp", "otp", "TURKEYSMS")
    assert data["sms_id"] == int(message.sms_id)


def test_otp_defaults_to_four_digits_in_arabic(sandbox):
    data = otp(sandbox, digits="", lang="")
    assert len(data["otp_code"]) == 4
    assert data["sms_lang"] == "Arabic"
    assert sandbox.messages[0].text.endswith(data["otp_code"])
    assert sandbox.messages[0].text.startswith("رمز")


def test_otp_keeps_leading_zeros(sandbox, monkeypatch):
    monkeypatch.setattr(secrets, "randbelow", lambda limit: 42)
    data = otp(sandbox, digits=5, lang=1)
    assert data["otp_code"] == "00042"
    assert sandbox.messages[0].text == "Doğrulama kodunuz: 00042"
    response = get(sandbox, OTP, {"api_key": KEY, "mobile": NUMBER, "digits": 4})
    assert "    [otp_code] => 0042\n" in response.text


@pytest.mark.parametrize("digits", ["3", "7", "six"])
def test_otp_rejects_other_lengths(sandbox, digits):
    assert code_of(otp(sandbox, digits=digits)) == ("false", "TS-1033")
    assert sandbox.messages == []


def test_status_json(sandbox):
    sms_id = send_json(sandbox, text="x" * 200)["sms_id"]
    data = status_of(sandbox, sms_id)
    message = sandbox.messages[0]
    assert data == {
        "result": "true",
        "sender_id": "SANDBOX",
        "date_of_sending": message.created.strftime("%Y-%m-%d"),
        "time_of_sending": message.created.strftime("%H:%M:%S"),
        "sms_status": "Number received the message",
        "sms_status_code": "TS-1024",
        "sms_balance": "2 SMS",
        "operator": "Turkcell",
    }


def test_status_post_json_and_php(sandbox):
    sms_id = send_json(sandbox, sentto="905051234567")["sms_id"]
    data = post(sandbox, STATUS, {"api_key": KEY, "sms_id": sms_id}).text
    assert "    [sms_status_code] => TS-1024\n" in data
    assert "    [operator] => Türk Telekom\n" in data


def test_balance(sandbox):
    data = balance_of(sandbox)
    assert data == {
        "result": "true",
        "result_code": "TS-1040",
        "result_message": "operation_success",
        "api_key": KEY,
        "local_balance_sms": 1_000_000,
        "international_balance_tl": "1000.00",
    }
    response = post(sandbox, BALANCE, {"api_key": KEY})
    assert "    [local_balance_sms] => 1000000\n" in response.text
    assert "    [international_balance_tl] => 1000.00\n" in response.text


def test_the_host_header_does_not_matter(sandbox):
    headers = {**JSON_HEADERS, "Host": "www.turkeysms.com.tr"}
    response = post(
        sandbox, BALANCE, {"api_key": KEY, "response_type": "json"}, headers=headers
    )
    assert response.json()["result_code"] == "TS-1040"


# -- balances, prices, segments ----------------------------------------------------


def test_balance_decreases_by_segments(sandbox):
    assert send_json(sandbox, text="a" * 161)["number_of_sms"] == 2
    assert send_json(sandbox, text="ş" * 78, sms_lang=1)["number_of_sms"] == 2
    assert send_json(sandbox, text="Hello", sms_lang=2)["number_of_sms"] == 1
    assert send_json(sandbox, text="a" * 71, sms_lang=2)["number_of_sms"] == 2
    assert balance_of(sandbox)["local_balance_sms"] == 1_000_000 - 7
    assert sandbox.account(KEY).local_balance == 1_000_000 - 7


def test_international_pricing(sandbox):
    data = send_json(
        sandbox, api_key="sandbox-intl-key", sentto="+447911123456", text="a" * 161
    )
    assert (data["country"], data["number_of_sms"]) == ("United Kingdom-GB", 2)
    balance = balance_of(sandbox, "sandbox-intl-key")
    assert balance["international_balance_tl"] == "999.00"
    assert balance["local_balance_sms"] == 1_000_000
    assert sandbox.messages[0].operator == "International"


def test_unknown_country(sandbox):
    data = send_json(sandbox, api_key="sandbox-intl-key", sentto="88612345678")
    assert data["country"] == "International-XX"


def test_international_balance_runs_out(sandbox):
    sandbox.add_account(
        "abroad", international=True, international_balance=Decimal("0.99")
    )
    assert code_of(send_json(sandbox, api_key="abroad", sentto="966501234567")) == (
        "true",
        "TS-1024",
    )
    assert code_of(send_json(sandbox, api_key="abroad", sentto="966501234567")) == (
        "false",
        "TS-1027",
    )
    assert sandbox.account("abroad").international_balance == Decimal("0.49")


def test_local_balance_runs_out(sandbox):
    sandbox.add_account("poor", local_balance=2)
    assert send_json(sandbox, api_key="poor", text="a" * 161)["result"] == "true"
    assert code_of(send_json(sandbox, api_key="poor")) == ("false", "TS-1027")
    assert sandbox.sends_for(NUMBER) == 1


@pytest.mark.parametrize("number", ["+905321234567", "00905321234567", "5321234567"])
def test_accepted_number_forms_are_stored_canonically(sandbox, number):
    assert send_json(sandbox, sentto=number)["result"] == "true"
    assert sandbox.messages[0].number == NUMBER
    assert sandbox.sends_for(number) == sandbox.sends_for(NUMBER) == 1
    assert sandbox.requests_for(number) == 1


# -- validation codes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"api_key": ""}, "TS-1050"),
        ({"api_key": "nope"}, "TS-1031"),
        ({"api_key": "sandbox-inactive-key"}, "TS-1030"),
        ({"title": ""}, "TS-1051"),
        ({"title": "NOPE"}, "TS-1029"),
        ({"title": "INACTIVE"}, "TS-1028"),
        ({"sms_lang": 3}, "TS-1033"),
        ({"content_type": 9}, "TS-1033"),
        ({"sentto": ""}, "TS-1025"),
        ({"text": ""}, "TS-1026"),
        ({"sentto": "90500000000"}, "TS-1034"),
        ({"sentto": "05321234567"}, "TS-1034"),
        ({"sentto": "+90 532 123 45 67"}, "TS-1034"),
        ({"sentto": "447911123456"}, "TS-1032"),
        ({"api_key": "", "title": "", "sentto": "", "text": ""}, "TS-1050"),
        ({"title": "", "sentto": "", "text": ""}, "TS-1051"),
        ({"sentto": "", "text": ""}, "TS-1025"),
        ({"sentto": "x", "text": ""}, "TS-1026"),
    ],
)
def test_send_validation(sandbox, fields, code):
    data = send_json(sandbox, **fields)
    assert data == {
        "result": "false",
        "result_code": code,
        "result_message": data["result_message"],
    }
    assert data["result_message"]
    assert sandbox.messages == []


def test_error_messages_use_the_documented_wording(sandbox):
    assert (
        send_json(sandbox, api_key="nope")["result_message"] == "The api-key is invalid"
    )
    response = send(sandbox, sentto="", response_type="php")
    assert response.text == (
        "Array\n(\n    [result] => false\n    [result_code] => TS-1025\n"
        "    [result_message] => The mobile number has not been entered. "
        "The phone number is empty\n)\n"
    )


@pytest.mark.parametrize(
    ("permissions", "path", "code"),
    [
        ({"get", "status", "balance"}, SEND, "TS-1061"),
        ({"post", "status", "balance"}, GET_SEND, "TS-1062"),
        ({"post", "status", "balance"}, OTP, "TS-1062"),
        ({"post", "get", "balance"}, STATUS, "TS-1063"),
        ({"post", "get", "status"}, BALANCE, "TS-1065"),
    ],
)
def test_permissions(sandbox, permissions, path, code):
    sandbox.add_account("limited", permissions=permissions)
    params = {
        "api_key": "limited",
        "title": "SANDBOX",
        "text": "Hi",
        "sentto": NUMBER,
        "mobile": NUMBER,
        "sms_id": "1000007721",
        "response_type": "json",
    }
    if path in (SEND, BALANCE):
        data = post(sandbox, path, params).json()
    else:
        data = get(sandbox, path, params).json()
    assert code_of(data) == ("false", code)


def test_get_send_validation_uses_get_field_names(sandbox):
    params = {"api_key": KEY, "title": "SANDBOX", "text": "Hi", "response_type": "json"}
    assert code_of(get(sandbox, GET_SEND, params).json()) == ("false", "TS-1025")
    params |= {"mobile": NUMBER, "lang": "5"}
    assert code_of(get(sandbox, GET_SEND, params).json()) == ("false", "TS-1033")


def test_otp_validation(sandbox):
    assert code_of(otp(sandbox, api_key="")) == ("false", "TS-1050")
    assert code_of(otp(sandbox, mobile="")) == ("false", "TS-1025")
    assert code_of(otp(sandbox, mobile="12")) == ("false", "TS-1034")
    assert code_of(otp(sandbox, mobile="447911123456")) == ("false", "TS-1032")
    assert code_of(otp(sandbox, lang=4)) == ("false", "TS-1033")


def test_status_validation(sandbox):
    sms_id = send_json(sandbox)["sms_id"]
    assert code_of(status_of(sandbox, "")) == ("false", "TS-1052")
    assert code_of(status_of(sandbox, "42")) == ("false", "TS-1033")
    assert code_of(status_of(sandbox, sms_id, api_key="sandbox-intl-key")) == (
        "false",
        "TS-1033",
    )
    assert code_of(status_of(sandbox, sms_id, api_key="")) == ("false", "TS-1050")


def test_balance_validation(sandbox):
    assert code_of(balance_of(sandbox, "")) == ("false", "TS-1050")
    assert code_of(balance_of(sandbox, "nope")) == ("false", "TS-1031")
    assert code_of(balance_of(sandbox, "sandbox-inactive-key")) == ("false", "TS-1030")


def test_rate_limit(sandbox):
    sandbox.add_account("slow", rate_limit_per_minute=2)
    counts = [
        send_json(sandbox, api_key="slow").get("total_has_sent_last_1_min")
        for _ in range(2)
    ]
    assert counts == [1, 2]
    before = time.time()
    assert code_of(send_json(sandbox, api_key="slow")) == ("false", "TS-1060")
    assert sandbox.sends_for(NUMBER) == 2
    assert sandbox.requests_for(NUMBER) == 3
    [refused_at] = sandbox.rate_limited_at
    assert before <= refused_at <= time.time()
    sandbox.account("slow").rate_limit_per_minute = 3
    assert send_json(sandbox, api_key="slow")["total_has_sent_last_1_min"] == 3


def test_rate_limit_forgets_sends_older_than_a_minute(sandbox):
    sandbox.add_account("slow", rate_limit_per_minute=1)
    sandbox.account("slow").recent_sends.append(time.monotonic() - 61)
    assert send_json(sandbox, api_key="slow")["total_has_sent_last_1_min"] == 1


def test_changing_an_account_changes_answers(sandbox):
    sandbox.account(KEY).senders["NEWS"] = True
    assert send_json(sandbox, title="NEWS")["result"] == "true"
    sandbox.account(KEY).active = False
    assert code_of(send_json(sandbox)) == ("false", "TS-1030")


# -- scheduling ----------------------------------------------------------------------


def _schedule(moment):
    return {
        "scheduled_sms": 1,
        "scheduled_date": moment.strftime("%Y-%m-%d"),
        "scheduled_time": moment.strftime("%H:%M"),
    }


def test_scheduled_message_stays_pending_until_its_time(sandbox):
    later = datetime.now(ISTANBUL) + timedelta(days=1)
    sms_id = send_json(sandbox, **_schedule(later))["sms_id"]
    [message] = sandbox.messages
    assert message.scheduled == later.replace(second=0, microsecond=0)
    data = status_of(sandbox, sms_id)
    assert (data["sms_status"], data["sms_status_code"]) == (
        "Message is pending",
        "TS-1064",
    )
    assert data["date_of_sending"] == later.strftime("%Y-%m-%d")
    assert data["time_of_sending"] == later.strftime("%H:%M:00")


def _at(day=None, moment=None):
    schedule = {"scheduled_sms": 1, "scheduled_date": day, "scheduled_time": moment}
    return {name: value for name, value in schedule.items() if value is not None}


@pytest.mark.parametrize(
    ("schedule", "code"),
    [
        (_at(moment="10:00"), "TS-1070"),
        (_at("2099-13-01", "10:00"), "TS-1070"),
        (_at("2099-1-1", "10:00"), "TS-1070"),
        (_at("2099-01-01"), "TS-1071"),
        (_at("2099-01-01", "24:00"), "TS-1071"),
        (_at("2099-01-01", "9:00"), "TS-1071"),
        (_at("2020-01-01", "10:00"), "TS-1072"),
    ],
)
def test_scheduling_errors(sandbox, schedule, code):
    assert code_of(send_json(sandbox, **schedule)) == ("false", code)


def test_scheduling_is_off_unless_asked(sandbox):
    data = send_json(sandbox, scheduled_sms=0, scheduled_date="nonsense")
    assert data["result"] == "true"
    assert sandbox.messages[0].scheduled is None


# -- delivery status -------------------------------------------------------------------


def _status_code(sandbox, sms_id):
    return status_of(sandbox, sms_id)["sms_status_code"]


def test_status_progresses_after_the_delivery_delay(sandbox):
    sandbox.delivery_delay = 0.2
    sms_id = send_json(sandbox)["sms_id"]
    assert status_of(sandbox, sms_id)["sms_status"] == "Message is pending"
    deadline = time.monotonic() + 3
    while _status_code(sandbox, sms_id) == "TS-1064" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert status_of(sandbox, sms_id)["sms_status"] == "Number received the message"


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        ("905000000001", "The number did not receive the message", "TS-1022"),
        (
            "905000000002",
            "The number out of coverage did not receive the message yet",
            "TS-1023",
        ),
        ("905000000003", "Message is pending", "TS-1064"),
    ],
)
def test_reserved_outcomes(sandbox, number, status, code):
    data = status_of(sandbox, send_json(sandbox, sentto=number)["sms_id"])
    assert (data["sms_status"], data["sms_status_code"]) == (status, code)


def test_set_outcome(sandbox):
    sandbox.set_outcome("+905551112233", "undelivered")
    data = status_of(sandbox, send_json(sandbox, sentto="905551112233")["sms_id"])
    assert data["sms_status_code"] == "TS-1022"
    assert _status_code(sandbox, send_json(sandbox)["sms_id"]) == "TS-1024"
    with pytest.raises(ValueError, match="outcome"):
        sandbox.set_outcome(NUMBER, "lost")
    sandbox.reset()
    data = status_of(sandbox, send_json(sandbox, sentto="905551112233")["sms_id"])
    assert data["sms_status_code"] == "TS-1024"


# -- result style ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "success", "failure"), [("bool", True, False), ("int", 1, 0)]
)
def test_result_style_setting(sandbox, style, success, failure):
    sandbox.result_style = style
    assert send_json(sandbox)["result"] is success
    assert send_json(sandbox, api_key="")["result"] is failure
    assert "    [result] => true\n" in send(sandbox, response_type="php").text


def test_result_style_per_request(sandbox):
    headers = {"X-Sandbox-Fault": "result_style; style=bool"}
    assert send(sandbox, headers=headers).json()["result"] is True
    assert send_json(sandbox)["result"] == "true"


def test_configuration_attributes(sandbox):
    sandbox.latency, sandbox.delivery_delay = 0.01, 2.0
    assert (sandbox.latency, sandbox.delivery_delay, sandbox.result_style) == (
        0.01,
        2.0,
        "string",
    )


def test_result_style_is_validated(sandbox):
    with pytest.raises(ValueError, match="style"):
        sandbox.result_style = "yaml"
    with pytest.raises(ValueError, match="result_style"):
        Sandbox(result_style="yaml")


# -- quirks: answers real traffic gives ----------------------------------------------


def test_quirk_status_result_false(sandbox):
    sandbox.quirks = {"status_result_false"}
    undelivered = send_json(sandbox, sentto="905000000001")["sms_id"]
    delivered = send_json(sandbox)["sms_id"]
    answer = status_of(sandbox, undelivered)
    assert (answer["result"], answer["sms_status_code"]) == ("false", "TS-1022")
    assert answer["sms_status"] == "The number did not receive the message"
    assert "result_code" not in answer
    assert status_of(sandbox, delivered)["result"] == "true"


def test_quirk_numeric_otp_code(sandbox):
    sandbox.quirks = {"numeric_otp_code"}
    answer = otp(sandbox, digits=6)
    [message] = sandbox.messages
    code = message.text.rsplit(" ", 1)[-1]
    assert len(code) == 6 and code.startswith("0")
    assert answer["otp_code"] == int(code)  # a JSON number: the zero is gone


def test_quirk_no_sms_id(sandbox):
    sandbox.quirks = {"no_sms_id"}
    assert "sms_id" not in send_json(sandbox)
    assert "sms_id" not in otp(sandbox)
    assert len(sandbox.messages) == 2  # both were sent


def test_quirk_turkish_numbers(sandbox):
    sandbox.quirks = {"turkish_numbers"}
    sandbox.account(KEY).international_balance = Decimal("1234.5")
    answer = balance_of(sandbox)
    assert answer["local_balance_sms"] == "1.000.000"
    assert answer["international_balance_tl"] == "1.234,50"


def test_quirks_over_the_control_endpoint_and_across_reset(sandbox):
    response = post(sandbox, "/_sandbox/quirks", {"quirks": ["no_sms_id"]})
    assert response.json() == {"ok": True, "quirks": ["no_sms_id"]}
    sandbox.reset()
    assert call(sandbox, "GET", "/_sandbox/quirks").json() == {"quirks": ["no_sms_id"]}
    assert post(sandbox, "/_sandbox/quirks", {"quirks": []}).status == 200
    assert sandbox.quirks == frozenset()


@pytest.mark.parametrize(
    "payload", [{"quirks": ["sloppy"]}, {"quirks": "no_sms_id"}, {}]
)
def test_bad_quirks_are_refused(sandbox, payload):
    response = post(sandbox, "/_sandbox/quirks", payload)
    assert response.status == 400 and "quirk" in response.json()["error"]
    with pytest.raises(ValueError, match="unknown quirk"):
        sandbox.quirks = {"sloppy"}
    with pytest.raises(ValueError, match="unknown quirk"):
        Sandbox(quirks=["sloppy"])


def test_quirks_on_the_command_line():
    argv = ["-m", "django_turkeysms.sandbox", "--port", "0"]
    argv += ["--quirk", "no_sms_id", "--quirk", "turkish_numbers"]
    with sandbox_cli(argv) as url:
        connection = http.client.HTTPConnection(*split_url(url), timeout=5)
        connection.request("GET", "/_sandbox/quirks")
        answer = json.loads(connection.getresponse().read())
        connection.close()
    assert answer == {"quirks": ["no_sms_id", "turkish_numbers"]}


# -- faults ------------------------------------------------------------------------------


def fault(kind):
    return {"X-Sandbox-Fault": kind}


def test_latency_fault_answers_late_but_records_at_once(sandbox):
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        send(sandbox, headers=fault("latency; seconds=0.4"), timeout=0.1)
    assert sandbox.sends_for(NUMBER) == 1
    response = send(sandbox, headers=fault("latency; seconds=0.1"))
    assert response.json()["result"] == "true"
    assert time.monotonic() - started >= 0.2


def test_global_latency(sandbox):
    sandbox.latency = 0.15
    started = time.monotonic()
    assert send_json(sandbox)["result"] == "true"
    assert time.monotonic() - started >= 0.15
    started = time.monotonic()
    call(sandbox, "GET", "/_sandbox/stats")
    assert time.monotonic() - started < 0.15


@pytest.mark.parametrize("status", [500, 502, 503])
def test_http_error_faults_record_nothing(sandbox, status):
    response = send(sandbox, headers=fault(f"http_{status}"))
    assert response.status == status
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert b"<html>" in response.body
    assert sandbox.messages == []
    assert sandbox.requests_for(NUMBER) == 1


def test_http_429_carries_retry_after(sandbox):
    response = send(sandbox, headers=fault("http_429"))
    assert (response.status, response.headers["Retry-After"]) == (429, "1")
    response = send(sandbox, headers=fault("http_429; seconds=7"))
    assert response.headers["Retry-After"] == "7"
    assert sandbox.sends_for(NUMBER) == 0


def test_malformed_json_fault(sandbox):
    response = send(sandbox, headers=fault("malformed_json"))
    assert response.status == 200
    assert response.body.startswith(b'{"result":"tr')
    with pytest.raises(ValueError, match="Unterminated|Expecting"):
        response.json()
    assert sandbox.sends_for(NUMBER) == 1


def test_print_r_fault(sandbox):
    response = send(sandbox, headers=fault("print_r"))
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert response.text.startswith("Array\n(\n    [result] => true\n")
    assert sandbox.sends_for(NUMBER) == 1


def test_empty_fault(sandbox):
    response = send(sandbox, headers=fault("empty"))
    assert (response.status, response.body) == (200, b"")
    assert response.headers["Content-Length"] == "0"
    assert sandbox.sends_for(NUMBER) == 1


def test_html_fault(sandbox):
    response = send(sandbox, headers=fault("html"))
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    assert response.text.startswith("<!DOCTYPE html>")
    assert sandbox.sends_for(NUMBER) == 1


def test_reset_before_drops_the_connection_without_recording(sandbox):
    with pytest.raises(ConnectionError):
        send(sandbox, headers=fault("reset_before"))
    assert sandbox.messages == []
    assert sandbox.requests_for(NUMBER) == 1


def test_reset_after_drops_the_connection_after_recording(sandbox):
    with pytest.raises(ConnectionError):
        send(sandbox, headers=fault("reset_after"))
    assert sandbox.sends_for(NUMBER) == 1


def _raw_request(path, body=b"", headers=(), method="POST"):
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: localhost",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _send_body(**fields):
    payload = {"api_key": KEY, "title": "SANDBOX", "text": "Hi", "sentto": NUMBER}
    return json.dumps({**payload, "response_type": "json", **fields}).encode()


def _read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1)
        assert chunk, data
        data += chunk
    return data


def test_drip_fault_sends_the_body_byte_by_byte(sandbox):
    request = _raw_request(
        SEND, _send_body(), [("X-Sandbox-Fault", "drip; interval=0.05")]
    )
    with socket.create_connection(address(sandbox), timeout=5) as sock:
        sock.sendall(request)
        head = _read_head(sock)
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        started = time.monotonic()
        body = b"".join(sock.recv(10) for _ in range(3))
        assert body == b'{"r'
        assert time.monotonic() - started >= 0.08
    assert sandbox.sends_for(NUMBER) == 1


def test_drip_fault_completes(sandbox):
    headers = {**JSON_HEADERS, "X-Sandbox-Fault": "drip; interval=0.001"}
    response = post(
        sandbox, LOGIN, {"api_key": "", "response_type": "json"}, headers=headers
    )
    assert response.json()["result_code"] == "TS-1050"


def test_huge_fault(sandbox):
    response = send(sandbox, headers=fault("huge"))
    assert response.headers["Content-Length"] == str(10 * 1024 * 1024)
    assert len(response.body) == 10 * 1024 * 1024
    data = response.json()
    assert data["result_code"] == "TS-1024"
    assert sandbox.sends_for(NUMBER) == 1


def test_redirect_fault(sandbox):
    headers = {**fault("redirect_http"), "Host": "turkeysms.com.tr"}
    response = send(sandbox, headers=headers)
    assert response.status == 301
    assert response.headers["Location"] == f"http://turkeysms.com.tr{SEND}"
    assert sandbox.messages == []


def test_unknown_fault_header_is_a_400(sandbox):
    response = send(sandbox, headers=fault("explode"))
    assert response.status == 400
    assert b"unknown fault kind" in response.body


def test_injected_fault_for_one_number_with_times(sandbox):
    sandbox.inject("http_503", number="+905321234567", times=2)
    assert [send(sandbox).status for _ in range(3)] == [503, 503, 200]
    assert send(sandbox, sentto="905421234567").status == 200
    assert (sandbox.requests_for(NUMBER), sandbox.sends_for(NUMBER)) == (3, 1)


def test_injected_faults_apply_to_every_send_endpoint(sandbox):
    sandbox.inject("reset_before", number=NUMBER)
    with pytest.raises(ConnectionError):
        otp(sandbox)
    params = {"api_key": KEY, "mobile": NUMBER, "title": "SANDBOX", "text": "Hi"}
    with pytest.raises(ConnectionError):
        get(sandbox, GET_SEND, params)
    assert sandbox.requests_for(NUMBER) == 2
    sandbox.clear_faults()
    assert otp(sandbox)["result"] == "true"


def test_global_fault_hits_every_api_path_but_not_the_control_paths(sandbox):
    sandbox.inject("http_502")
    assert post(sandbox, BALANCE, {"api_key": KEY}).status == 502
    assert get(sandbox, STATUS, {"api_key": KEY, "sms_id": "1"}).status == 502
    assert call(sandbox, "GET", "/inbox").status == 200
    assert call(sandbox, "GET", "/_sandbox/stats").status == 200
    assert (
        call(sandbox, "DELETE", "/_sandbox/faults", headers=JSON_HEADERS).status == 200
    )
    assert post(sandbox, BALANCE, {"api_key": KEY}).status == 200


def test_faults_for_other_numbers_do_not_apply(sandbox):
    sandbox.inject("http_500", number="905421234567")
    assert send(sandbox).status == 200
    assert send(sandbox, sentto="905421234567").status == 500


def test_number_faults_win_over_global_faults(sandbox):
    sandbox.inject("http_500")
    sandbox.inject("http_429", number=NUMBER, times=1)
    assert send(sandbox).status == 429
    assert send(sandbox).status == 500
    assert send(sandbox, headers=fault("print_r")).status == 200


@pytest.mark.parametrize(
    ("number", "status"),
    [
        ("905000000429", 429),
        ("905000000500", 500),
        ("905000000502", 502),
        ("905000000503", 503),
    ],
)
def test_reserved_fault_numbers(sandbox, number, status):
    assert send(sandbox, sentto=number).status == status
    assert sandbox.sends_for(number) == 0


def test_reserved_reset_number(sandbox):
    with pytest.raises(ConnectionError):
        send(sandbox, sentto="905000000444")
    assert sandbox.sends_for("905000000444") == 1


def test_inject_validates(sandbox):
    with pytest.raises(ValueError, match="unknown fault kind"):
        sandbox.inject("explode")
    with pytest.raises(ValueError, match="takes no parameter"):
        sandbox.inject("http_500", seconds=1)
    sandbox.inject("latency", seconds=0.0, times=1)
    assert send(sandbox).status == 200


# -- control endpoints --------------------------------------------------------------------


def test_control_faults_and_reset(sandbox):
    payload = {"kind": "http_503", "number": "+905321234567", "times": 1, "params": {}}
    assert post(sandbox, "/_sandbox/faults", payload).json() == {"ok": True}
    assert send(sandbox).status == 503
    assert send(sandbox).status == 200
    post(sandbox, "/_sandbox/faults", {"kind": "latency", "params": {"seconds": 0}})
    assert call(sandbox, "DELETE", "/_sandbox/faults", headers=JSON_HEADERS).json() == {
        "ok": True
    }
    assert sandbox.state.faults == []
    assert post(sandbox, "/_sandbox/reset", {}).json() == {"ok": True}
    assert sandbox.messages == []


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "explode"},
        {"kind": "http_500", "times": 0},
        {"kind": "latency", "params": {"seconds": "soon"}},
        {"kind": "latency", "params": []},
        {"kind": 5},
        [],
    ],
)
def test_control_faults_reject_bad_data(sandbox, payload):
    response = post(sandbox, "/_sandbox/faults", payload)
    assert response.status == 400
    assert response.json()["error"]


def test_control_messages_newest_first(sandbox):
    send_json(sandbox, text="first")
    send_json(sandbox, text="second <b>", sentto="905421234567")
    messages = call(sandbox, "GET", "/_sandbox/messages").json()
    assert [m["text"] for m in messages] == ["second <b>", "first"]
    newest = messages[0]
    assert newest["sms_id"] == "1000007722"
    assert newest["number"] == "905421234567"
    assert (newest["sender"], newest["segments"], newest["credits"]) == (
        "SANDBOX",
        1,
        1,
    )
    assert newest["status"] == "delivered"
    assert datetime.fromisoformat(newest["created"]).utcoffset() == timedelta(hours=3)


def test_control_stats(sandbox):
    send_json(sandbox)
    send(sandbox, headers=fault("http_500"))
    send_json(sandbox, sentto="")
    stats = call(sandbox, "GET", "/_sandbox/stats").json()
    assert stats.pop("connections") == sandbox.connections_opened >= 1
    assert stats == {
        "requests": 4,
        "requests_by_number": {NUMBER: 2},
        "sends_by_number": {NUMBER: 1},
        "rate_limited_at": [],
    }
    assert sandbox.request_count == 4  # the stats request counts too


def test_control_outcomes(sandbox):
    payload = {"number": NUMBER, "outcome": "out_of_coverage"}
    assert post(sandbox, "/_sandbox/outcomes", payload).json() == {"ok": True}
    assert _status_code(sandbox, send_json(sandbox)["sms_id"]) == "TS-1023"
    response = post(sandbox, "/_sandbox/outcomes", {"number": NUMBER, "outcome": "x"})
    assert response.status == 400


def test_control_accounts(sandbox):
    payload = {
        "api_key": "remote",
        "local_balance": 1,
        "international_balance": "2.50",
        "senders": {"SHOP": True},
        "international": True,
        "rate_limit_per_minute": None,
        "permissions": ["post", "balance"],
        "name": "Remote Shop",
    }
    response = post(sandbox, "/_sandbox/accounts", payload).json()
    assert response["ok"] is True
    account = sandbox.account("remote")
    assert (account.local_balance, account.international_balance) == (
        1,
        Decimal("2.50"),
    )
    assert account.permissions == frozenset({"post", "balance"})
    assert send_json(sandbox, api_key="remote", title="SHOP")["result"] == "true"
    login = get(sandbox, LOGIN, {"api_key": "remote", "response_type": "json"}).json()
    assert (login["user_id"], login["account_name"]) == (
        response["user_id"],
        "Remote Shop",
    )


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"api_key": ""},
        {"api_key": "x", "local_balance": "many"},
        {"api_key": "x", "international_balance": "lots"},
        {"api_key": "x", "senders": ["SHOP"]},
        {"api_key": "x", "senders": {"SHOP": "yes"}},
        {"api_key": "x", "permissions": "post"},
        {"api_key": "x", "permissions": ["fly"]},
        {"api_key": "x", "active": 1},
        {"api_key": "x", "international_balance": True},
        {"api_key": "x", "colour": "red"},
    ],
)
def test_control_accounts_reject_bad_data(sandbox, payload):
    assert post(sandbox, "/_sandbox/accounts", payload).status == 400


def test_control_accepts_null_permissions_and_rejects_broken_json(sandbox):
    payload = {"api_key": "open", "permissions": None, "rate_limit_per_minute": 5}
    assert post(sandbox, "/_sandbox/accounts", payload).status == 200
    assert sandbox.account("open").permissions is None
    response = call(
        sandbox, "POST", "/_sandbox/outcomes", body=b"{nope", headers=JSON_HEADERS
    )
    assert (response.status, response.json()) == (
        400,
        {"error": "the body must be a JSON object"},
    )


def test_control_wrong_method_and_unknown_path(sandbox):
    response = call(sandbox, "GET", "/_sandbox/reset")
    assert (response.status, response.headers["Allow"]) == (405, "POST")
    assert call(sandbox, "GET", "/api/v3/nothing").status == 404
    assert call(sandbox, "GET", SEND).status == 405


# -- inbox ----------------------------------------------------------------------------


def test_inbox_when_empty(sandbox):
    response = call(sandbox, "GET", "/inbox")
    assert response.status == 200
    assert "No messages yet" in response.text
    assert '<meta http-equiv="refresh" content="3">' in response.text


def test_inbox_lists_messages_newest_first_and_escaped(sandbox):
    send_json(sandbox, text="first message")
    send_json(sandbox, text="<script>alert(1)</script> & more")
    page = call(sandbox, "GET", "/").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert page.index("&lt;script&gt;") < page.index("first message")
    assert NUMBER in page
    assert "delivered" in page
    assert "http://" not in page and "https://" not in page


def test_inbox_counts_with_a_plural_and_suits_a_phone(sandbox):
    send_json(sandbox, text="first message")
    page = call(sandbox, "GET", "/inbox").text
    assert "<p>1 message, newest first.</p>" in page
    assert '<meta name="viewport" content="width=device-width' in page
    assert '<link rel="icon" type="image/svg+xml" href="data:' in page
    assert "<td class='text' data-label='Text'>first message</td>" in page
    send_json(sandbox, text="second message")
    assert "<p>2 messages, newest first.</p>" in call(sandbox, "GET", "/inbox").text


# -- HTTP ------------------------------------------------------------------------------


def _read_response(reader):
    status = reader.readline()
    headers = {}
    while (line := reader.readline()) != b"\r\n":
        name, _, value = line.decode().partition(":")
        headers[name.lower()] = value.strip()
    return status, headers, reader.read(int(headers["content-length"]))


def test_pipelined_requests_are_answered_in_order(sandbox):
    requests = b"".join(
        _raw_request(SEND, _send_body(text=text)) for text in ("one", "two", "three")
    )
    with socket.create_connection(address(sandbox), timeout=5) as sock:
        sock.sendall(requests)
        with sock.makefile("rb") as reader:
            bodies = [json.loads(_read_response(reader)[2]) for _ in range(3)]
    assert [body["sms_id"] for body in bodies] == [1000007721, 1000007722, 1000007723]
    assert [m.text for m in sandbox.messages] == ["one", "two", "three"]


def test_keep_alive_and_connection_close(sandbox):
    connection = http.client.HTTPConnection(*address(sandbox), timeout=5)
    try:
        for _ in range(3):
            connection.request("POST", SEND, body=_send_body(), headers=JSON_HEADERS)
            response = connection.getresponse()
            assert response.getheader("Connection") is None
            response.read()
        local_port = connection.sock.getsockname()[1]
        connection.request("GET", "/inbox", headers={"Connection": "close"})
        response = connection.getresponse()
        assert response.getheader("Connection") == "close"
        response.read()
    finally:
        connection.close()
    assert local_port
    assert sandbox.sends_for(NUMBER) == 3


def test_connection_close_closes_the_socket(sandbox):
    request = _raw_request("/inbox", method="GET", headers=[("Connection", "close")])
    with socket.create_connection(address(sandbox), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", b"411"),
        (b"POST /x HTTP/1.1\r\nContent-Length: ten\r\n\r\n", b"400"),
        (b"POST /x HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", b"413"),
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET / HTTP/1.1\r\nBad header\r\n\r\n", b"400"),
    ],
)
def test_protocol_errors(sandbox, request_bytes, status):
    with socket.create_connection(address(sandbox), timeout=5) as sock:
        sock.sendall(request_bytes)
        with sock.makefile("rb") as reader:
            line, headers, _ = _read_response(reader)
    assert line.split()[1] == status
    assert headers["connection"] == "close"


def test_http_1_0_closes_after_one_answer(sandbox):
    request = _raw_request("/inbox", method="GET").replace(b"HTTP/1.1", b"HTTP/1.0")
    with socket.create_connection(address(sandbox), timeout=5) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert b"\r\nConnection: close\r\n" in data


def test_oversized_head_is_refused(sandbox):
    request = b"GET /inbox HTTP/1.1\r\nX-Big: " + b"a" * 70_000
    with socket.create_connection(address(sandbox), timeout=5) as sock:
        sock.sendall(request)
        with sock.makefile("rb") as reader:
            assert _read_response(reader)[0].split()[1] == b"431"


def test_truncated_body_is_dropped(sandbox):
    request = _raw_request(SEND, b"{}").replace(
        b"Content-Length: 2", b"Content-Length: 9"
    )
    with socket.create_connection(address(sandbox), timeout=5) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(100) == b""
    assert sandbox.request_count == 0


def test_expect_100_continue(sandbox):
    body = _send_body()
    request = _raw_request(SEND, b"", [("Expect", "100-continue")])
    request = request.replace(
        b"Content-Length: 0", f"Content-Length: {len(body)}".encode()
    )
    with socket.create_connection(address(sandbox), timeout=5) as sock:
        sock.sendall(request)
        assert _read_head(sock) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        with sock.makefile("rb") as reader:
            assert json.loads(_read_response(reader)[2])["result"] == "true"


def test_head_requests_get_no_body(sandbox):
    connection = http.client.HTTPConnection(*address(sandbox), timeout=5)
    try:
        connection.request("HEAD", "/inbox")
        response = connection.getresponse()
        assert response.status == 405
        assert response.read() == b""
        connection.request("GET", "/inbox")
        assert connection.getresponse().read().startswith(b"<!DOCTYPE html>")
    finally:
        connection.close()


def test_concurrent_sends(sandbox):
    def worker():
        connection = http.client.HTTPConnection(*address(sandbox), timeout=5)
        try:
            for _ in range(25):
                connection.request(
                    "POST", SEND, body=_send_body(), headers=JSON_HEADERS
                )
                connection.getresponse().read()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [m.sms_id for m in sandbox.messages]
    assert len(set(ids)) == len(ids) == 200
    assert sandbox.account(KEY).local_balance == 1_000_000 - 200


# -- Python interface ----------------------------------------------------------------------


def test_reset_restores_the_initial_state(sandbox):
    send_json(sandbox)
    sandbox.add_account("extra")
    sandbox.inject("http_500", number="905421234567")
    sandbox.account(KEY).local_balance = 0
    sandbox.reset()
    assert sandbox.messages == []
    assert sandbox.request_count == 0
    assert sandbox.requests_for(NUMBER) == 0
    assert sandbox.account(KEY).local_balance == 1_000_000
    with pytest.raises(KeyError):
        sandbox.account("extra")
    assert send(sandbox, sentto="905421234567").status == 200
    assert send_json(sandbox)["sms_id"] == 1000007722


def test_default_accounts(sandbox):
    demo = sandbox.account("sandbox-demo-key")
    assert demo.senders == {"SANDBOX": True, "INACTIVE": False}
    assert (demo.international, demo.active, demo.rate_limit_per_minute) == (
        False,
        True,
        None,
    )
    assert demo.international_balance == Decimal("1000.00")
    assert sandbox.account("sandbox-intl-key").international is True
    assert sandbox.account("sandbox-inactive-key").active is False
    assert (sandbox.api_key, sandbox.sender) == ("sandbox-demo-key", "SANDBOX")


def test_add_account_defaults(sandbox):
    account = sandbox.add_account("fresh")
    assert (account.local_balance, account.international_balance) == (
        1000,
        Decimal("100.00"),
    )
    assert account.senders == {"SANDBOX": True}
    assert account.permissions is None


def test_sends_for_with_text(sandbox):
    send_json(sandbox, text="a")
    send_json(sandbox, text="b")
    send_json(sandbox, text="b")
    assert (sandbox.sends_for(NUMBER, "b"), sandbox.sends_for(NUMBER, "c")) == (2, 0)


def test_lifecycle():
    sandbox = Sandbox()
    with pytest.raises(RuntimeError, match="not running"):
        sandbox.base_url  # noqa: B018
    with sandbox:
        assert sandbox.base_url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError, match="already running"):
            sandbox.start()
        assert call(sandbox, "GET", "/inbox").status == 200
        connection = socket.create_connection(address(sandbox))
    with connection, pytest.raises(RuntimeError):
        sandbox.base_url  # noqa: B018
    sandbox.stop()
    assert sandbox.start() is sandbox
    sandbox.stop()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_command_line(stop_signal):
    argv = ["-m", "django_turkeysms.sandbox", "--port", "0"]
    with sandbox_cli(argv, stop_signal=stop_signal) as url:
        connection = http.client.HTTPConnection(*split_url(url), timeout=5)
        connection.request("POST", SEND, body=_send_body())
        assert json.loads(connection.getresponse().read())["result_code"] == "TS-1024"
        connection.close()


def test_main_in_process_stops_on_sigterm(monkeypatch, capsys):
    def wait_forever():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(cli, "wait_forever", wait_forever)
    assert cli.main(["--port", "0", "--latency", "0.01", "--result-style", "int"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("TurkeySMS sandbox listening on http://127.0.0.1:")
    assert lines[1:3] == ["API key: sandbox-demo-key", "Sender ID: SANDBOX"]
    assert signal.getsignal(signal.SIGTERM) is before


def test_main_reports_a_busy_port(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["--port", str(port)]) == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_ipv6_loopback():
    with Sandbox(host="::1") as sandbox:
        assert sandbox.base_url.startswith("http://[::1]:")
        port = int(sandbox.base_url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("::1", port, timeout=5)
        connection.request("GET", "/inbox")
        assert connection.getresponse().status == 200
        connection.close()
