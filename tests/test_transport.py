"""Transport helpers: error classification and the log filter."""

from __future__ import annotations

import logging

import pytest
import requests

from django_turkeysms import transport
from django_turkeysms.exceptions import DeliveryUncertain, ProviderUnavailable


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (requests.ConnectTimeout(), ProviderUnavailable),
        (requests.exceptions.SSLError(), ProviderUnavailable),
        (requests.exceptions.ProxyError(), ProviderUnavailable),
        (requests.ReadTimeout(), DeliveryUncertain),
        (
            requests.ConnectionError(ConnectionResetError(104, "reset")),
            DeliveryUncertain,
        ),
        (requests.exceptions.ChunkedEncodingError(), DeliveryUncertain),
    ],
    ids=repr,
)
def test_classification(error, expected):
    assert transport.classify_transport_error(error) is expected


def test_a_failed_write_is_always_transient():
    """urllib3 swallows a reset while writing and fails on the read instead; the
    connection marks that error, and the mark anywhere in the chain decides."""
    failed_write = ConnectionResetError(104, "reset")
    setattr(failed_write, transport.UNSENT, True)
    error = requests.ReadTimeout()
    error.__context__ = failed_write
    assert transport.classify_transport_error(error) is ProviderUnavailable
    assert "failed before the request was sent" in transport.describe_transport_error(
        error, url="https://turkeysms.com.tr/api"
    )


def make_record(message, args):
    record = logging.LogRecord(
        "urllib3.connectionpool", logging.DEBUG, "", 0, message, None, None
    )
    record.args = args
    return record


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("%s", ("GET /x?api_key=SECRET&a=1",)),
        ("%(url)s", {"url": "GET /x?api_key=SECRET"}),
    ],
    ids=["tuple", "mapping"],
)
def test_log_filter_masks_positional_and_mapping_args(message, args):
    record = make_record(message, args)
    transport._QuerySecretFilter().filter(record)
    assert "SECRET" not in record.getMessage()
    assert "api_key=***" in record.getMessage()


def test_log_filter_masks_the_message_itself():
    record = logging.LogRecord(
        "x", logging.DEBUG, "", 0, "url api_key=SECRET", None, None
    )
    transport._QuerySecretFilter().filter(record)
    assert record.getMessage() == "url api_key=***"


def test_log_filter_is_installed_once():
    transport.install_log_filter()
    transport.install_log_filter()
    filters = logging.getLogger("urllib3.connectionpool").filters
    assert sum(isinstance(f, transport._QuerySecretFilter) for f in filters) == 1
