"""The sandbox's control endpoints and inbox refuse what a web page could send
(issue 13, item 9): a foreign ``Host`` (DNS rebinding), a cross-origin request,
a body that is not JSON. The provider API stays open to any host.

``sandbox`` is the session's sandbox (tests/conftest.py), reset for each test."""

from __future__ import annotations

import http.client
import json
import os

import pytest
import requests

from django_turkeysms.testing.sandbox import Sandbox
from django_turkeysms.testing.sandbox.process import SandboxProcess
from tests.conftest import ROOT, sandbox_cli

JSON = "application/json"
ACCOUNT = {"api_key": "planted-by-a-web-page"}


def request(sandbox, method, path, *, host=None, body=None, headers=None):
    """One request with exactly the headers given (``host`` replaces Host)."""
    address = sandbox.base_url.removeprefix("http://")
    name, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(name, int(port), timeout=5)
    try:
        connection.putrequest(method, path, skip_host=True)
        connection.putheader("Host", host or address)
        for header, value in (headers or {}).items():
            connection.putheader(header, value)
        data = b"" if body is None else body.encode()
        connection.putheader("Content-Length", str(len(data)))
        connection.endheaders(data)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def send_a_code(sandbox):
    body = json.dumps(
        {
            "api_key": sandbox.api_key,
            "title": "SANDBOX",
            "sentto": "905321234567",
            "text": "Kodunuz: 482913",
            "response_type": "json",
        }
    )
    status, _ = request(
        sandbox,
        "POST",
        "/api/v3/gonder/add-content",
        body=body,
        host="evil.example:8765",  # the provider API answers any host
    )
    assert status == 200


@pytest.mark.parametrize(
    "path", ["/inbox", "/", "/_sandbox/messages", "/_sandbox/stats"]
)
def test_a_rebound_host_cannot_read_the_inbox_or_the_messages(sandbox, path):
    send_a_code(sandbox)
    status, body = request(sandbox, "GET", path, host="evil.example:8765")
    assert status == 403
    assert b"482913" not in body
    assert "--allowed-host" in json.loads(body)["error"]


@pytest.mark.parametrize(
    "host", ["localhost:1234", "LOCALHOST", "127.0.0.1:1", "[::1]:8765"]
)
def test_loopback_hosts_are_served(sandbox, host):
    send_a_code(sandbox)
    status, body = request(sandbox, "GET", "/_sandbox/messages", host=host)
    assert status == 200 and json.loads(body)[0]["text"] == "Kodunuz: 482913"


def test_configured_hosts_are_served():
    with Sandbox(allowed_hosts=["sandbox.internal", "::ffff:7f00:1"]) as sandbox:
        for host in ("sandbox.internal:80", "[::ffff:7f00:1]:8765"):
            status, _ = request(sandbox, "GET", "/inbox", host=host)
            assert status == 200
        assert request(sandbox, "GET", "/inbox", host="other.internal")[0] == 403


def test_an_empty_host_is_refused(sandbox):
    status, _ = request(sandbox, "GET", "/inbox", host=" ")
    assert status == 403


def test_a_rebound_host_cannot_change_anything(sandbox):
    status, _ = request(
        sandbox,
        "POST",
        "/_sandbox/accounts",
        host="evil.example",
        body=json.dumps(ACCOUNT),
        headers={"Content-Type": JSON},
    )
    assert status == 403
    assert ACCOUNT["api_key"] not in sandbox.state.accounts


def test_a_simple_cross_origin_post_is_refused(sandbox):
    """What any page can send without a preflight: text/plain, its own Origin."""
    status, body = request(
        sandbox,
        "POST",
        "/_sandbox/accounts",
        body=json.dumps(ACCOUNT),
        headers={"Content-Type": "text/plain", "Origin": "http://evil.example"},
    )
    assert status == 403 and b"Cross-origin" in body
    assert ACCOUNT["api_key"] not in sandbox.state.accounts


@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("POST", "/_sandbox/accounts", "text/plain"),
        ("POST", "/_sandbox/accounts", "application/x-www-form-urlencoded"),
        ("POST", "/_sandbox/reset", None),
        ("DELETE", "/_sandbox/faults", None),
        ("POST", "/_sandbox/quirks", "multipart/form-data; boundary=x"),
    ],
)
def test_control_changes_accept_json_only(sandbox, method, path, content_type):
    sandbox.inject("latency", seconds=0)
    headers = {"Content-Type": content_type} if content_type else {}
    status, body = request(
        sandbox, method, path, body=json.dumps(ACCOUNT), headers=headers
    )
    assert status == 415 and b"application/json" in body
    assert ACCOUNT["api_key"] not in sandbox.state.accounts
    assert len(sandbox.state.faults) == 1  # neither reset nor cleared


def test_same_origin_json_is_served(sandbox):
    origin = sandbox.base_url
    status, _ = request(
        sandbox,
        "POST",
        "/_sandbox/accounts",
        body=json.dumps(ACCOUNT),
        headers={"Content-Type": "application/json; charset=utf-8", "Origin": origin},
    )
    assert status == 200
    assert ACCOUNT["api_key"] in sandbox.state.accounts


def test_the_process_helper_still_drives_the_controls():
    with SandboxProcess() as process:
        process.set_latency(0.01)  # DELETE then POST /_sandbox/faults
        process.control("POST", "/_sandbox/reset")
        assert process.stats()["requests"] >= 0
        assert process.control("GET", "/_sandbox/quirks") == {"quirks": []}


def test_the_command_line_allows_a_host():
    argv = [
        "-m",
        "django_turkeysms.sandbox",
        "--port",
        "0",
        "--allowed-host",
        "sms.test",
    ]
    with sandbox_cli(argv) as url:
        headers = {"Host": "sms.test"}
        assert requests.get(f"{url}/inbox", headers=headers, timeout=5).ok
        refused = requests.get(f"{url}/inbox", headers={"Host": "x.test"}, timeout=5)
        assert refused.status_code == 403


def test_the_management_command_allows_a_host():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(ROOT),
    }
    argv = [
        "-m",
        "django",
        "turkeysms_sandbox",
        "--port",
        "0",
        "--allowed-host",
        "sms.test",
    ]
    with sandbox_cli(argv, env=env) as url:
        response = requests.get(f"{url}/inbox", headers={"Host": "sms.test"}, timeout=5)
        assert response.ok
