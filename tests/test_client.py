"""TurkeySmsClient over real HTTP against the sandbox on a loopback port."""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests

from django_turkeysms import transport
from django_turkeysms.client import (
    RESULT_CODES,
    DeliveryState,
    TurkeySmsClient,
    error_for_code,
)
from django_turkeysms.exceptions import (
    AccountInactive,
    AuthenticationFailed,
    DeliveryUncertain,
    EndpointNotFound,
    FeatureNotEnabled,
    InsecureRedirect,
    InsufficientBalance,
    InternationalNotAllowed,
    InvalidRecipient,
    InvalidRequest,
    InvalidSchedule,
    MalformedResponse,
    ProviderUnavailable,
    RateLimited,
    RecipientUnreachable,
    RedirectRefused,
    Retry,
    SenderRejected,
    SendingNotEnabled,
    UnknownResultCode,
)

TR_MOBILE = "905321234567"


@pytest.fixture
def client(sandbox):
    return TurkeySmsClient(sandbox.api_key, base_url=sandbox.base_url, timeout=2.0)


def send(client, sandbox, **overrides):
    kwargs = {"title": sandbox.sender, "text": "Merhaba", "sentto": TR_MOBILE}
    kwargs.update(overrides)
    return client.send(**kwargs)


# -- endpoints: documented success shapes ------------------------------------------


def test_authenticate(client):
    result = client.authenticate()
    assert result.code == "TS-1046"
    assert result.user_id.isdigit()
    assert result.account_name


def test_send_post(client, sandbox):
    result = send(client, sandbox, sms_lang=0)
    assert result.code == "TS-1024"
    assert result.message == "The message was sent successfully"
    assert isinstance(result.sms_id, str) and result.sms_id.isdigit()
    assert result.credits == 1
    assert result.sms_lang == "English"
    assert result.content_type == "Transactional"
    assert result.country == "Turkey-TR"
    assert result.sent_last_minute == 1
    assert result.raw["result_code"] == "TS-1024"
    [message] = sandbox.messages
    assert (message.number, message.text, message.sender) == (
        TR_MOBILE,
        "Merhaba",
        sandbox.sender,
    )
    assert message.sms_id == result.sms_id


def test_send_post_passes_language_and_content_type(client, sandbox):
    result = send(client, sandbox, text="Şeker ğ", sms_lang=1, content_type=2)
    assert (result.sms_lang, result.content_type) == ("Turkish", "Advertising")
    assert (sandbox.messages[0].sms_lang, sandbox.messages[0].content_type) == (1, 2)


def test_send_via_get(client, sandbox):
    result = client.send_via_get(
        title=sandbox.sender, text="Merhaba & hoş geldin", mobile=TR_MOBILE, lang=1
    )
    assert result.code == "TS-1024"
    assert sandbox.messages[0].text == "Merhaba & hoş geldin"
    assert sandbox.messages[0].via == "get"


@pytest.mark.parametrize("digits", [4, 5, 6])
def test_send_otp_returns_the_code_as_text(client, sandbox, digits):
    result = client.send_otp(mobile=TR_MOBILE, digits=digits, lang=1)
    assert len(result.otp_code) == digits and result.otp_code.isdigit()
    assert result.otp_code in sandbox.messages[0].text
    assert result.otp_code not in repr(result)
    assert result.raw["otp_code"] == "***"
    assert result.sms_id


def test_status_of_a_delivered_message(client, sandbox):
    sent = send(client, sandbox)
    status = client.status(sent.sms_id)
    assert status.state is DeliveryState.DELIVERED
    assert status.code == "TS-1024"
    assert status.sender == sandbox.sender
    assert status.operator == "Turkcell"
    assert status.credits == 1
    assert status.sent_at is not None
    assert abs(status.sent_at - datetime.now(timezone.utc)) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("outcome", "state"),
    [
        ("undelivered", DeliveryState.UNDELIVERED),
        ("out_of_coverage", DeliveryState.OUT_OF_COVERAGE),
        ("pending", DeliveryState.PENDING),
    ],
    ids=repr,
)
def test_status_outcomes(client, sandbox, outcome, state):
    sandbox.set_outcome(TR_MOBILE, outcome)
    sent = send(client, sandbox)
    assert client.status(sent.sms_id).state is state


def test_balance(client, sandbox):
    send(client, sandbox)
    balance = client.balance()
    assert balance.code == "TS-1040"
    assert balance.local_sms == sandbox.account(sandbox.api_key).local_balance
    assert isinstance(balance.international_tl, Decimal)
    assert balance.raw["api_key"] == "***"


# -- documented error codes, produced by the sandbox ---------------------------------


def test_invalid_key(sandbox):
    client = TurkeySmsClient("wrong-key", base_url=sandbox.base_url)
    with pytest.raises(AuthenticationFailed) as info:
        client.balance()
    assert info.value.code == "TS-1031"
    assert info.value.retry is Retry.PERMANENT


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"title": ""}, SenderRejected, "TS-1051"),
        ({"title": "NOSUCH"}, SenderRejected, "TS-1029"),
        ({"title": "INACTIVE"}, SenderRejected, "TS-1028"),
        ({"sentto": ""}, InvalidRecipient, "TS-1025"),
        ({"text": ""}, InvalidRequest, "TS-1026"),
        ({"sentto": "12"}, InvalidRecipient, "TS-1034"),
        ({"sentto": "4915112345678"}, InternationalNotAllowed, "TS-1032"),
    ],
    ids=repr,
)
def test_send_validation_codes(client, sandbox, overrides, error, code):
    with pytest.raises(error) as info:
        send(client, sandbox, **overrides)
    assert info.value.code == code
    assert info.value.message
    assert sandbox.messages == []


def test_inactive_account(sandbox):
    client = TurkeySmsClient("sandbox-inactive-key", base_url=sandbox.base_url)
    with pytest.raises(AccountInactive, match="TS-1030"):
        client.send(title="SANDBOX", text="x", sentto=TR_MOBILE)


def test_insufficient_balance(client, sandbox):
    sandbox.account(sandbox.api_key).local_balance = 0
    with pytest.raises(InsufficientBalance) as info:
        send(client, sandbox)
    assert info.value.code == "TS-1027"


def test_rate_limit_is_transient(client, sandbox):
    sandbox.account(sandbox.api_key).rate_limit_per_minute = 1
    send(client, sandbox)
    with pytest.raises(RateLimited) as info:
        send(client, sandbox)
    assert info.value.code == "TS-1060"
    assert info.value.retry is Retry.TRANSIENT


def test_international_account_sends_abroad(sandbox):
    client = TurkeySmsClient("sandbox-intl-key", base_url=sandbox.base_url)
    result = client.send(title="SANDBOX", text="Hallo", sentto="4915112345678")
    assert result.country.endswith("-DE")


@pytest.mark.parametrize(
    ("permission", "call", "error", "code"),
    [
        (
            "post",
            lambda c: c.send(title="SANDBOX", text="x", sentto=TR_MOBILE),
            SendingNotEnabled,
            "TS-1061",
        ),
        (
            "get",
            lambda c: c.send_via_get(title="SANDBOX", text="x", mobile=TR_MOBILE),
            SendingNotEnabled,
            "TS-1062",
        ),
        ("status", lambda c: c.status("1000007721"), FeatureNotEnabled, "TS-1063"),
        ("balance", lambda c: c.balance(), FeatureNotEnabled, "TS-1065"),
    ],
    ids=["post", "get", "status", "balance"],
)
def test_key_permissions(sandbox, permission, call, error, code):
    everything = {"post", "get", "status", "balance"}
    sandbox.add_account("limited-key", permissions=everything - {permission})
    client = TurkeySmsClient("limited-key", base_url=sandbox.base_url)
    with pytest.raises(error) as info:
        call(client)
    assert info.value.code == code


def test_feature_not_enabled_is_an_unsupported_feature(sandbox):
    sandbox.add_account("no-status", permissions={"post", "get", "balance"})
    client = TurkeySmsClient("no-status", base_url=sandbox.base_url)
    with pytest.raises(NotImplementedError):
        client.status("1")


def test_status_of_unknown_message(client):
    with pytest.raises(InvalidRequest, match="TS-1033"):
        client.status("999")


def test_scheduled_send_in_the_past(client, sandbox):
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    with pytest.raises(InvalidSchedule, match="TS-1072"):
        send(client, sandbox, scheduled_at=past)


def test_scheduled_send_in_the_future(client, sandbox):
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    assert send(client, sandbox, scheduled_at=later).code == "TS-1024"


def test_scheduled_at_must_be_aware(client, sandbox):
    with pytest.raises(ValueError, match="timezone-aware"):
        send(client, sandbox, scheduled_at=datetime(2030, 1, 1))
    assert sandbox.request_count == 0


# -- every documented code → exception class and retry class ------------------------

DOCUMENTED_FAILURES = {
    "TS-1022": (RecipientUnreachable, Retry.PERMANENT),
    "TS-1023": (RecipientUnreachable, Retry.PERMANENT),
    "TS-1025": (InvalidRecipient, Retry.PERMANENT),
    "TS-1026": (InvalidRequest, Retry.PERMANENT),
    "TS-1027": (InsufficientBalance, Retry.PERMANENT),
    "TS-1028": (SenderRejected, Retry.PERMANENT),
    "TS-1029": (SenderRejected, Retry.PERMANENT),
    "TS-1030": (AccountInactive, Retry.PERMANENT),
    "TS-1031": (AuthenticationFailed, Retry.PERMANENT),
    "TS-1032": (InternationalNotAllowed, Retry.PERMANENT),
    "TS-1033": (InvalidRequest, Retry.PERMANENT),
    "TS-1034": (InvalidRecipient, Retry.PERMANENT),
    "TS-1060": (RateLimited, Retry.TRANSIENT),
    "TS-1061": (SendingNotEnabled, Retry.PERMANENT),
    "TS-1062": (SendingNotEnabled, Retry.PERMANENT),
    "TS-1050": (AuthenticationFailed, Retry.PERMANENT),
    "TS-1051": (SenderRejected, Retry.PERMANENT),
    "TS-1052": (InvalidRequest, Retry.PERMANENT),
    "TS-1063": (FeatureNotEnabled, Retry.PERMANENT),
    "TS-1065": (FeatureNotEnabled, Retry.PERMANENT),
    "TS-1070": (InvalidSchedule, Retry.PERMANENT),
    "TS-1071": (InvalidSchedule, Retry.PERMANENT),
    "TS-1072": (InvalidSchedule, Retry.PERMANENT),
}


@pytest.mark.parametrize("code", sorted(DOCUMENTED_FAILURES))
def test_every_documented_code_maps_to_its_exception(code):
    error, retry = DOCUMENTED_FAILURES[code]
    assert error_for_code(code) is error
    assert error_for_code(code).retry is retry


def test_the_map_has_exactly_the_documented_codes():
    assert set(RESULT_CODES) == set(DOCUMENTED_FAILURES)


def test_unknown_code_is_typed_and_permanent():
    assert error_for_code("TS-9999") is UnknownResultCode
    assert UnknownResultCode.retry is Retry.PERMANENT


# -- tolerant parsing, end to end -------------------------------------------------


@pytest.mark.parametrize("style", ["string", "bool", "int"])
def test_result_styles(client, sandbox, style):
    sandbox.inject("result_style", style=style)
    assert send(client, sandbox).code == "TS-1024"
    sandbox.clear_faults()
    sandbox.inject("result_style", style=style)
    with pytest.raises(SenderRejected):
        send(client, sandbox, title="NOSUCH")


def test_print_r_answer_to_a_json_request(client, sandbox):
    sandbox.inject("print_r")
    result = send(client, sandbox)
    assert result.code == "TS-1024"
    assert result.sms_id == sandbox.messages[0].sms_id
    assert result.credits == 1


def test_print_r_status_answer(client, sandbox):
    sent = send(client, sandbox)
    sandbox.inject("print_r")
    status = client.status(sent.sms_id)
    assert status.state is DeliveryState.DELIVERED
    assert status.credits == 1


# -- transport faults and their retry classes -------------------------------------


@pytest.mark.parametrize(
    ("kind", "error", "recorded"),
    [
        ("http_500", DeliveryUncertain, False),
        ("http_502", DeliveryUncertain, False),
        ("http_503", ProviderUnavailable, False),
        ("malformed_json", MalformedResponse, True),
        ("empty", MalformedResponse, True),
        ("html", MalformedResponse, True),
        ("huge", MalformedResponse, True),
        ("reset_before", DeliveryUncertain, False),
        ("reset_after", DeliveryUncertain, True),
        ("redirect_http", InsecureRedirect, False),
    ],
    ids=repr,
)
def test_faults(client, sandbox, kind, error, recorded):
    sandbox.inject(kind, number=TR_MOBILE, times=1)
    with pytest.raises(error) as info:
        send(client, sandbox)
    assert type(info.value).retry is error.retry
    assert len(sandbox.messages) == (1 if recorded else 0)
    # The next request to the same number is healthy again.
    assert send(client, sandbox).code == "TS-1024"


def test_fault_retry_classes():
    assert ProviderUnavailable.retry is Retry.TRANSIENT
    assert DeliveryUncertain.retry is Retry.AMBIGUOUS
    assert MalformedResponse.retry is Retry.AMBIGUOUS


def test_http_429_is_rate_limited_with_retry_after(client, sandbox):
    sandbox.inject("http_429", seconds=7)
    with pytest.raises(RateLimited) as info:
        send(client, sandbox)
    assert info.value.status_code == 429
    assert info.value.retry_after == 7


def test_malformed_body_is_kept_truncated(client, sandbox):
    sandbox.inject("html")
    with pytest.raises(MalformedResponse) as info:
        send(client, sandbox)
    assert "<html" in info.value.body.lower()
    assert len(info.value.body) <= 500


def test_read_timeout_after_sending_is_ambiguous(sandbox):
    client = TurkeySmsClient(sandbox.api_key, base_url=sandbox.base_url, timeout=0.2)
    sandbox.inject("latency", seconds=1.0, times=1)
    with pytest.raises(DeliveryUncertain, match="timeout"):
        send(client, sandbox)
    assert len(sandbox.messages) == 1


def test_slow_drip_is_cut_by_the_overall_deadline(sandbox):
    client = TurkeySmsClient(
        sandbox.api_key, base_url=sandbox.base_url, timeout=1.0, deadline=0.5
    )
    sandbox.inject("drip", interval=0.05, times=1)
    with pytest.raises(DeliveryUncertain, match="deadline"):
        send(client, sandbox)


def test_redirect_to_https_is_not_followed(client, sandbox, monkeypatch):
    response = requests.Response()
    response.raw = io.BytesIO(b"")
    response.status_code = 301
    response.headers["Location"] = (
        "https://www.turkeysms.com.tr/api/v3/gonder/add-content"
    )
    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", lambda *a, **k: response)
    with pytest.raises(RedirectRefused, match="set base_url") as info:
        send(client, sandbox)
    assert not isinstance(info.value, InsecureRedirect)


def test_connection_refused_is_transient(sandbox):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = TurkeySmsClient("k", base_url=f"http://127.0.0.1:{port}", timeout=1)
    with pytest.raises(ProviderUnavailable, match="could not connect"):
        client.balance()


def test_dns_failure_is_transient():
    client = TurkeySmsClient("k", base_url="http://no-such-host.invalid", timeout=1)
    with pytest.raises(ProviderUnavailable, match="could not connect"):
        client.balance()


def test_tls_failure_is_transient(sandbox):
    https_url = sandbox.base_url.replace("http://", "https://")
    client = TurkeySmsClient(sandbox.api_key, base_url=https_url, timeout=1)
    with pytest.raises(ProviderUnavailable):
        client.balance()
    assert sandbox.messages == []


def test_reset_while_writing_the_request_is_transient(sandbox, monkeypatch):
    """The sandbox cannot make a write fail, so the socket write is patched."""
    client = TurkeySmsClient(sandbox.api_key, base_url=sandbox.base_url, timeout=0.3)

    def broken_send(self, data, *args, **kwargs):
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(socket.socket, "sendall", broken_send)
    with pytest.raises(ProviderUnavailable, match="failed before the request was sent"):
        send(client, sandbox)
    monkeypatch.undo()
    assert sandbox.messages == []


def test_404_is_a_clear_error(client, sandbox):
    client.base_url = sandbox.base_url + "/nowhere"
    with pytest.raises(EndpointNotFound, match="does not exist"):
        client.authenticate()


# -- connection reuse -------------------------------------------------------------


def test_calls_reuse_one_keep_alive_connection_per_thread(client, sandbox, caplog):
    caplog.set_level(logging.DEBUG, logger="urllib3.connectionpool")

    def work():
        for _ in range(5):
            send(client, sandbox)
        client.balance()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    new_connections = [r for r in caplog.records if "Starting new" in r.getMessage()]
    assert len(new_connections) == 1
    assert len(sandbox.messages) == 5


def test_thread_session_is_per_thread():
    sessions = []
    worker = threading.Thread(
        target=lambda: sessions.append(transport.thread_session())
    )
    worker.start()
    worker.join()
    assert sessions[0] is not transport.thread_session()
    assert transport.thread_session() is transport.thread_session()


def test_own_session_is_used(sandbox):
    session = requests.Session()
    client = TurkeySmsClient(
        sandbox.api_key, base_url=sandbox.base_url, session=session
    )
    client.balance()
    assert session.adapters["http://"].poolmanager.pools


def test_own_session_keeps_its_proxies(canned, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    canned.reply(
        '{"result": "true", "result_code": "TS-1040", "local_balance_sms": 5, '
        '"international_balance_tl": "1.50"}'
    )
    session = requests.Session()
    session.proxies = {"http": canned.base_url}
    client = TurkeySmsClient("key", base_url="http://provider.invalid", session=session)
    assert client.balance().code == "TS-1040"
    [(_method, path, _body)] = canned.requests
    assert path.startswith("http://provider.invalid/api/v3/")


# -- argument checks happen before any request -------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.send(title="T", text="x", sentto=TR_MOBILE, sms_lang=3),
        lambda c: c.send(title="T", text="x", sentto=TR_MOBILE, content_type=True),
        lambda c: c.send_via_get(title="T", text="x", mobile=TR_MOBILE, lang=-1),
        lambda c: c.send_otp(mobile=TR_MOBILE, digits=8),
        lambda c: c.status(""),
    ],
    ids=["sms_lang", "content_type", "lang", "digits", "sms_id"],
)
def test_bad_arguments_raise_before_any_request(client, sandbox, call):
    with pytest.raises(ValueError):
        call(client)
    assert sandbox.request_count == 0


@pytest.mark.parametrize(
    ("key", "url"),
    [("", "https://x"), ("   ", "https://x"), ("k", "ftp://x"), ("k", "x")],
    ids=repr,
)
def test_bad_construction(key, url):
    with pytest.raises(ValueError):
        TurkeySmsClient(key, base_url=url)


def test_repr_hides_the_key():
    client = TurkeySmsClient("secret-key-123")
    assert "secret-key-123" not in repr(client)
    assert "***" in repr(client)


# -- answers the sandbox cannot produce, from a canned loopback server ---------------


@pytest.fixture
def canned_client(canned):
    return TurkeySmsClient("key", base_url=canned.base_url, timeout=2)


@pytest.mark.parametrize(
    ("body", "call", "message"),
    [
        (
            '{"result": "true", "result_code": "TS-1024"}',
            lambda c: c.send_otp(mobile=TR_MOBILE),
            "otp_code",
        ),
        (
            '{"result": "true", "result_code": "TS-1040"}',
            lambda c: c.balance(),
            "local_balance_sms",
        ),
        ('{"result_code": "TS-1024"}', lambda c: c.balance(), "no 'result'"),
        (
            '{"result": "true", "result_code": "TS-9999"}',
            lambda c: c.authenticate(),
            "unexpected code",
        ),
        ('{"result": "maybe"}', lambda c: c.authenticate(), "Unexpected 'result'"),
    ],
    ids=[
        "otp-without-code",
        "balance-without-count",
        "no-result",
        "odd-success-code",
        "odd-result",
    ],
)
def test_incomplete_answers_are_malformed(canned, canned_client, body, call, message):
    canned.reply(body)
    with pytest.raises(MalformedResponse, match=message) as info:
        call(canned_client)
    assert info.value.retry is Retry.AMBIGUOUS


def test_unknown_failure_code_keeps_the_response(canned, canned_client):
    canned.reply(
        '{"result": "false", "result_code": "TS-9999", "result_message": "Yeni hata"}'
    )
    with pytest.raises(UnknownResultCode) as info:
        canned_client.send(title="T", text="x", sentto=TR_MOBILE)
    assert (info.value.code, info.value.message) == ("TS-9999", "Yeni hata")
    assert info.value.response_data["result_code"] == "TS-9999"


def test_failure_without_a_code(canned, canned_client):
    canned.reply('{"result": false}')
    with pytest.raises(UnknownResultCode):
        canned_client.balance()


def test_v4_style_http_403_with_a_code(canned, canned_client):
    canned.reply('{"result": false, "result_code": "TS-1027"}', status=403)
    with pytest.raises(InsufficientBalance):
        canned_client.send(title="T", text="x", sentto=TR_MOBILE)


def test_unexpected_http_status_with_html(canned, canned_client):
    canned.reply("<html>Forbidden</html>", status=403)
    with pytest.raises(MalformedResponse, match="Unexpected HTTP 403") as info:
        canned_client.balance()
    assert info.value.body == "<html>Forbidden</html>"


def test_body_cut_short_is_ambiguous(canned, canned_client):
    canned.reply('{"result": "true", "sms_id": "1"}' + " " * 100, cut_at=10)
    with pytest.raises(DeliveryUncertain, match="while the response was read"):
        canned_client.send(title="T", text="x", sentto=TR_MOBILE)


def test_numeric_retry_after_only(canned, canned_client):
    canned.reply(
        "", status=429, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}
    )
    with pytest.raises(RateLimited) as info:
        canned_client.balance()
    assert info.value.retry_after is None


@pytest.mark.parametrize(
    ("code", "text", "state"),
    [
        ("", "Number received the message", DeliveryState.DELIVERED),
        ("TS-2000", "Delivered", DeliveryState.DELIVERED),
        ("", "Not delivered", DeliveryState.UNDELIVERED),
        ("", "Number out of coverage", DeliveryState.OUT_OF_COVERAGE),
        ("", "Queued somewhere", DeliveryState.UNKNOWN),
    ],
    ids=repr,
)
def test_status_text_fallback(canned, canned_client, code, text, state):
    body = {
        "result": "true",
        "sms_status": text,
        "sms_status_code": code,
        "date_of_sending": "yesterday",
    }
    canned.reply(json.dumps(body))
    status = canned_client.status("42")
    assert status.state is state
    assert status.sent_at is None
    assert status.credits is None


def test_json_body_is_sent_with_a_content_type(canned, canned_client):
    canned.reply('{"result": "true", "result_code": "TS-1024", "sms_id": 7}')
    canned_client.send(title="T", text='a "quoted"}\r\n\u2028 text', sentto=TR_MOBILE)
    [(method, path, body)] = canned.requests
    assert (method, path) == ("POST", "/api/v3/gonder/add-content")
    assert json.loads(body)["text"] == 'a "quoted"}\r\n\u2028 text'
    assert json.loads(body)["response_type"] == "json"


def test_proxy_environment_is_read_once_per_client(sandbox, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("HTTP_PROXY", dead_proxy)
    monkeypatch.setenv("NO_PROXY", "")
    proxied = TurkeySmsClient(sandbox.api_key, base_url=sandbox.base_url, timeout=1)
    with pytest.raises(ProviderUnavailable):
        proxied.balance()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    direct = TurkeySmsClient(sandbox.api_key, base_url=sandbox.base_url, timeout=1)
    assert direct.balance().code == "TS-1040"


def test_ca_bundle_from_the_environment(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert transport.environment_settings("https://turkeysms.com.tr")[1] == str(bundle)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert transport.environment_settings("https://turkeysms.com.tr")[1] is True
