"""``SandboxProcess``: the sandbox in a child process, for load and timing tests."""

from __future__ import annotations

import pytest
import requests

from django_turkeysms.client import TurkeySmsClient
from django_turkeysms.testing.sandbox.process import SandboxProcess


def test_a_child_process_serves_the_api_and_its_controls():
    with SandboxProcess(delivery_delay=5) as sandbox:
        client = TurkeySmsClient(sandbox.api_key, base_url=sandbox.base_url, timeout=5)
        sent = client.send(title=sandbox.sender, text="Merhaba", sentto="905321234567")
        assert sent.sms_id
        stats = sandbox.stats()
        assert stats["sends_by_number"] == {"905321234567": 1}
        assert client.status(sent.sms_id).state.name == "PENDING"  # delivery_delay
        sandbox.set_latency(0.3)
        with pytest.raises(requests.Timeout):
            requests.post(sandbox.base_url + "/api/v3/authenticate/login", timeout=0.1)
        sandbox.set_latency(0)
        assert client.authenticate().user_id
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.base_url + "/_sandbox/stats", timeout=2)


def test_a_sandbox_that_cannot_listen_is_an_error():
    with pytest.raises(RuntimeError, match="did not start: Cannot listen on 192.0.2.1"):
        SandboxProcess(host="192.0.2.1").__enter__()
