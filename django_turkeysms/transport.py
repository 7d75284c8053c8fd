"""HTTP plumbing for the TurkeySMS client: sessions, error classes, capped reads.

Three things here are hand-written because neither requests nor urllib3 offers
them:

* **Did the request bytes leave?** urllib3 swallows errors raised while writing a
  request and reports them later as a failed *read*, and reports a TLS handshake
  timeout as a read timeout, so a caller cannot tell "the provider never saw it"
  from "the provider may have processed it". Our connection classes record a
  failed connect or write in a thread-local flag before urllib3 hides it.
* **An overall deadline.** requests' ``timeout`` bounds each socket operation,
  so a server that drips one byte per second never times out. The body is read
  with ``read1`` and the deadline is checked between reads; the body size is
  capped at the same time.
* **No secrets in log records.** urllib3 logs every request line at DEBUG,
  query string included, and the provider's GET endpoints take the API key in
  the query string. A logging filter masks it (with :mod:`.redaction`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from .exceptions import (
    DeliveryUncertain,
    MalformedResponse,
    ProviderUnavailable,
    SmsSendError,
)
from .redaction import mask_text

_sessions = threading.local()


class _QuerySecretFilter(logging.Filter):
    """Masks ``api_key=…`` and ``text=…`` in urllib3's request-line log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_masked_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _masked_arg(arg) for key, arg in record.args.items()}
        record.msg = _masked_arg(record.msg)
        return True


def _masked_arg(arg: object) -> object:
    return mask_text(arg) if isinstance(arg, str) else arg


def install_log_filter() -> None:
    """Attach the masking filter to urllib3's pool logger (idempotent)."""
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _QuerySecretFilter) for f in logger.filters):
        logger.addFilter(_QuerySecretFilter())


# -- did the request leave? ----------------------------------------------------------

#: The attribute set on an exception raised while connecting or writing: the
#: provider cannot have seen that request.
UNSENT = "turkeysms_request_unsent"


def _mark_unsent(exc: BaseException) -> None:
    setattr(exc, UNSENT, True)


def request_unsent(exc: BaseException) -> bool:
    """Whether the chain of ``exc`` holds an error of a request that never left."""
    return _in_chain(exc, lambda error: getattr(error, UNSENT, False) is True)


class _TrackingMixin:
    """Marks the errors of a request that did not leave: a failed connect or write.

    urllib3 swallows some errors raised while writing (a reset, a broken pipe) and
    reads the response anyway; the read then fails. The connection remembers the
    failed write, so that the read's error is marked too.
    """

    _write_failed = False

    def connect(self) -> None:
        try:
            super().connect()  # type: ignore[misc]
        except BaseException as exc:
            _mark_unsent(exc)
            raise

    def request(self, *args: Any, **kwargs: Any) -> None:
        self._write_failed = False
        try:
            super().request(*args, **kwargs)  # type: ignore[misc]
        except OSError as exc:
            self._write_failed = True
            _mark_unsent(exc)
            raise

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        except BaseException as exc:
            if self._write_failed:
                _mark_unsent(exc)
            raise


class _TrackingHTTPConnection(_TrackingMixin, HTTPConnection):
    pass


class _TrackingHTTPSConnection(_TrackingMixin, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _TrackingHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TrackingHTTPSConnection


class TrackingAdapter(HTTPAdapter):
    """An adapter whose connections report failed writes; no urllib3 retries."""

    def __init__(self) -> None:
        # One connection per host per thread: a thread sends one request at a time.
        super().__init__(pool_connections=4, pool_maxsize=1, max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        manager: PoolManager = self.poolmanager
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def new_session() -> requests.Session:
    """A session with TLS verification on and the tracking adapter mounted.

    ``trust_env`` is off because requests would re-read the proxy variables on
    every request (measurable per message: bench B1); the client reads them once
    (:func:`environment_settings`) and passes them along.
    """
    session = requests.Session()
    session.trust_env = False
    session.headers["Accept-Encoding"] = "identity"
    adapter = TrackingAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def environment_settings(url: str) -> tuple[dict[str, str], bool | str]:
    """Proxies for ``url`` (``no_proxy`` honoured) and the CA bundle, from the environment."""
    proxies = requests.utils.get_environ_proxies(url)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return proxies, bundle or True


_templates: weakref.WeakKeyDictionary[
    requests.Session, dict[str, requests.PreparedRequest]
]
_templates = weakref.WeakKeyDictionary()


def prepare(
    session: requests.Session, method: str, url: str, params: dict[str, Any]
) -> requests.PreparedRequest:
    """The request to send: GET parameters in the query, POST ones as a JSON body.

    A POST to the same URL is copied from a template prepared once per session:
    ``Session.prepare_request`` re-parses the URL and merges cookies and headers
    on every call, a real share of the client's time per message (bench B1).
    """
    if method != "POST":
        return session.prepare_request(requests.Request(method, url, params=params))
    templates = _templates.setdefault(session, {})
    template = templates.get(url)
    if template is None:
        template = session.prepare_request(requests.Request("POST", url, json={}))
        templates[url] = template
    prepared = template.copy()
    body = json.dumps(params, allow_nan=False).encode()
    prepared.body = body
    prepared.headers["Content-Length"] = str(len(body))
    return prepared


def thread_session() -> requests.Session:
    """The calling thread's keep-alive session, created on first use."""
    session: requests.Session | None = getattr(_sessions, "session", None)
    if session is None:
        session = new_session()
        _sessions.session = session
    return session


# -- error classification -----------------------------------------------------------


def _never_connected(exc: BaseException) -> bool:
    """True when the chain of ``exc`` shows the TCP connection was never made."""
    return _in_chain(exc, lambda error: isinstance(error, NewConnectionError))


def _in_chain(exc: BaseException, test: Callable[[BaseException], bool]) -> bool:
    """Whether ``test`` holds for ``exc`` or any error it wraps: causes, contexts,
    arguments and urllib3's ``reason``."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if test(current):
            return True
        stack.extend([current.__cause__, current.__context__])
        stack.extend(a for a in current.args if isinstance(a, BaseException))
        stack.append(getattr(current, "reason", None))
    return False


def classify_transport_error(exc: requests.RequestException) -> type[SmsSendError]:
    """Map a requests exception to ProviderUnavailable or DeliveryUncertain."""
    if request_unsent(exc):
        return ProviderUnavailable
    transient = (
        requests.ConnectTimeout,
        requests.exceptions.SSLError,
        requests.exceptions.ProxyError,
    )
    if isinstance(exc, transient):
        return ProviderUnavailable
    if isinstance(exc, requests.ConnectionError) and _never_connected(exc):
        return ProviderUnavailable
    return DeliveryUncertain


def describe_transport_error(exc: requests.RequestException, *, url: str) -> str:
    """A one-line description of a transport failure naming the server's address.

    The address is ``scheme://host:port`` only: the path and query of ``url``
    (which hold the API key of a GET request) are left out.
    """
    kind, address = type(exc).__name__, server_address(url)
    if _never_connected(exc):
        return f"{kind}: could not connect to {address}"
    if request_unsent(exc):
        return f"{kind}: the connection to {address} failed before the request was sent"
    if isinstance(exc, requests.Timeout):
        return f"{kind}: no answer from {address} within the timeout"
    return f"{kind}: the connection to {address} broke after the request was sent"


def server_address(url: str) -> str:
    """``scheme://host:port`` of ``url``, with the scheme's default port filled in."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a port out of range is not an address
        port = None
    port = port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{host}:{port}"


# -- capped, deadline-bound body read -------------------------------------------------


def read_body(response: requests.Response, *, max_bytes: int, deadline: float) -> bytes:
    """Read the whole body, refusing more than ``max_bytes`` or past ``deadline``.

    ``deadline`` is a ``time.monotonic()`` value.
    """
    chunks: list[bytes] = []
    size = 0
    raw = response.raw
    while True:
        if time.monotonic() > deadline:
            raise DeliveryUncertain(
                "The response took longer than the overall deadline.",
                status_code=response.status_code,
            )
        chunk = raw.read1(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise MalformedResponse(
                f"The response body is larger than {max_bytes} bytes.",
                status_code=response.status_code,
            )
        chunks.append(chunk)
