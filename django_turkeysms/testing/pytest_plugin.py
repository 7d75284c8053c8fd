"""pytest fixtures for projects that send SMS with django-turkeysms.

Registered through the ``pytest11`` entry point, so installing the package is
enough:

* ``sms_outbox`` – the list the locmem backend appends to
  (``django_turkeysms.outbox``), emptied before and after every test that uses it.
* ``turkeysms_sandbox`` – a local fake TurkeySMS provider on a free loopback
  port, started once per test session and reset before every test. Use its
  ``base_url``, ``api_key`` and ``sender`` in your ``TURKEYSMS`` settings, and its
  ``messages`` / ``inject()`` to assert on what was sent or to inject faults,
  and ``quirks`` to answer as real traffic does (switched off after the test).

This module imports no Django models, so it is safe to load before Django is
configured.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import django_turkeysms
from django_turkeysms.testing.sandbox import Sandbox


@pytest.fixture
def sms_outbox() -> Iterator[list[Any]]:
    """Messages sent through the locmem backend during this test."""
    django_turkeysms.outbox.clear()
    yield django_turkeysms.outbox
    django_turkeysms.outbox.clear()


@pytest.fixture(scope="session")
def turkeysms_sandbox_server() -> Iterator[Sandbox]:
    """The session-wide sandbox server (not reset between tests)."""
    sandbox = Sandbox(host="127.0.0.1", port=0).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def turkeysms_sandbox(turkeysms_sandbox_server: Sandbox) -> Iterator[Sandbox]:
    """A running sandbox, reset to its initial state for this test, no quirks on."""
    turkeysms_sandbox_server.reset()
    turkeysms_sandbox_server.quirks = ()
    yield turkeysms_sandbox_server
    turkeysms_sandbox_server.reset()
    turkeysms_sandbox_server.quirks = ()
