"""Every log record of a test session, checked for OTP codes and API keys.

``capture_secrets`` (an autouse session fixture re-exported by the suites'
conftest modules) lowers the root logger to DEBUG, keeps the text of every
record (message, arguments, traceback) and records every API key a client is
built with and every code that goes through ``OtpChallenge.hash_code`` (issued codes and
typed guesses). At the end of the session none of them may appear in any
record; the counts go into the reliability figures.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from django_turkeysms import client
from django_turkeysms.models import OtpChallenge
from tests import figures

# A code as it would appear in text: 4–8 digits standing alone.
CODE_TOKEN = re.compile(r"(?<![\d])\d{4,8}(?![\d])")


class RecordText(logging.Handler):
    """Keeps the full text of every record that reaches the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []
        self.exceptions = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            parts = [record.getMessage()]
        except Exception:  # a malformed record still gets scanned
            parts = [str(record.msg), repr(record.args)]
        if record.exc_info:
            parts.append(self.exceptions.formatException(record.exc_info))
        if record.stack_info:
            parts.append(record.stack_info)
        self.texts.append("\n".join(parts))


class Secrets:
    """The secrets seen during the session, collected where they are created."""

    def __init__(self) -> None:
        self.codes: set[str] = set()
        self.api_keys: set[str] = set()

    def found_in(self, texts: list[str]) -> tuple[list[str], list[str]]:
        """(texts holding a code, texts holding an API key), each shortened."""
        with_codes = [
            text[:200]
            for text in texts
            if self.codes.intersection(CODE_TOKEN.findall(text))
        ]
        with_keys = [
            text[:200] for text in texts if any(key in text for key in self.api_keys)
        ]
        return with_codes, with_keys


SECRETS = Secrets()


def _watch(monkeypatch: pytest.MonkeyPatch) -> None:
    original_hash = OtpChallenge.hash_code
    original_init = client.TurkeySmsClient.__init__

    def hash_code(challenge_id: object, code: str) -> str:
        SECRETS.codes.add(code)
        return original_hash(challenge_id, code)

    def init(self: client.TurkeySmsClient, api_key: str, **kwargs: Any) -> None:
        if isinstance(api_key, str) and len(api_key) >= 8:
            SECRETS.api_keys.add(api_key)
        original_init(self, api_key, **kwargs)

    monkeypatch.setattr(OtpChallenge, "hash_code", staticmethod(hash_code))
    monkeypatch.setattr(client.TurkeySmsClient, "__init__", init)


@pytest.fixture(scope="session", autouse=True)
def capture_secrets() -> Iterator[Secrets]:
    handler, root = RecordText(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _watch(monkeypatch)
        yield SECRETS
    root.removeHandler(handler)
    root.setLevel(level)
    with_codes, with_keys = SECRETS.found_in(handler.texts)
    figures.add("secrets: log records captured", len(handler.texts))
    figures.add("secrets: OTP codes issued or checked", len(SECRETS.codes))
    figures.add("secrets: log records holding an OTP code", len(with_codes))
    figures.add("secrets: log records holding an API key", len(with_keys))
    assert not with_codes, f"OTP codes in log records: {with_codes[:5]}"
    assert not with_keys, f"API keys in log records: {with_keys[:5]}"
