"""``Sandbox``: run the fake provider in a background thread and drive it."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import TracebackType

from django_turkeysms.testing.sandbox.access import allowed_hosts
from django_turkeysms.testing.sandbox.app import Application
from django_turkeysms.testing.sandbox.faults import make_fault
from django_turkeysms.testing.sandbox.numbers import number_key
from django_turkeysms.testing.sandbox.quirks import check_quirks
from django_turkeysms.testing.sandbox.server import SandboxServer
from django_turkeysms.testing.sandbox.state import (
    DEMO_KEY,
    DEMO_SENDER,
    Account,
    SentMessage,
    State,
    new_account,
)

POLL_INTERVAL = 0.05  # how quickly stop() is noticed


class Sandbox:
    """A local TurkeySMS: ``Sandbox().start()``, then talk HTTP to ``base_url``."""

    api_key = DEMO_KEY
    sender = DEMO_SENDER

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        delivery_delay: float = 0.0,
        result_style: str = "string",
        quirks: Iterable[str] = (),
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        self.host = host
        self.port = port
        #: Extra ``Host`` names the control endpoints and the inbox answer to.
        self.allowed_hosts = tuple(allowed_hosts)
        self.state = State(
            latency=latency,
            delivery_delay=delivery_delay,
            result_style=result_style,
            quirks=quirks,
        )
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> Sandbox:
        """Bind and serve in a daemon thread; the port is known when this returns."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        hosts = allowed_hosts(self.host, self.allowed_hosts)
        app = Application(self.state, allowed_hosts=hosts)
        server = SandboxServer((self.host, self.port), app)
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name="turkeysms-sandbox",
            daemon=True,
        )
        self._server = server
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop every open connection; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        server.close_connections()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Sandbox:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        host, port = self._server.socket.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    # -- configuration (kept across reset()) -------------------------------------

    @property
    def latency(self) -> float:
        return self.state.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.state.latency = seconds

    @property
    def delivery_delay(self) -> float:
        return self.state.delivery_delay

    @delivery_delay.setter
    def delivery_delay(self, seconds: float) -> None:
        self.state.delivery_delay = seconds

    @property
    def result_style(self) -> str:
        return self.state.result_style

    @result_style.setter
    def result_style(self, style: str) -> None:
        make_fault("result_style", {"style": style})  # validates
        self.state.result_style = style

    @property
    def quirks(self) -> frozenset[str]:
        """The real-traffic answer shapes switched on (see the package docs)."""
        return self.state.quirks

    @quirks.setter
    def quirks(self, names: Iterable[str]) -> None:
        self.state.quirks = check_quirks(names)

    # -- state -------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the initial accounts; messages, faults, outcomes, counters gone."""
        self.state.reset()

    def add_account(
        self,
        api_key: str,
        *,
        local_balance: int = 1000,
        international_balance: Decimal | str | int = Decimal("100.00"),
        senders: Mapping[str, bool] | None = None,
        international: bool = False,
        active: bool = True,
        rate_limit_per_minute: int | None = None,
        permissions: Iterable[str] | None = None,
    ) -> Account:
        """Create (or replace) an account; ``senders`` defaults to SANDBOX active."""
        account = new_account(
            api_key,
            local_balance=local_balance,
            international_balance=international_balance,
            senders=senders,
            international=international,
            active=active,
            rate_limit_per_minute=rate_limit_per_minute,
            permissions=permissions,
        )
        return self.state.add_account(account)

    def account(self, api_key: str) -> Account:
        """The live ``Account`` (change its balances or flags directly)."""
        return self.state.account(api_key)

    def inject(
        self,
        kind: str,
        *,
        number: str | None = None,
        times: int | None = None,
        **params: float | str,
    ) -> None:
        """Fail requests naming ``number`` (None: every API request) ``times`` times."""
        key = None if number is None else number_key(number)
        self.state.inject(make_fault(kind, params, number=key, times=times))

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def set_outcome(self, number: str, outcome: str) -> None:
        """What happens to messages sent to ``number`` from now on."""
        self.state.set_outcome(number, outcome)

    @property
    def messages(self) -> list[SentMessage]:
        """Every accepted message, oldest first (a copy)."""
        return self.state.snapshot()

    def requests_for(self, number: str) -> int:
        """Send requests naming ``number``, whatever became of them."""
        with self.state.lock:
            return self.state.requests_by_number[number_key(number)]

    def sends_for(self, number: str, text: str | None = None) -> int:
        """Messages actually recorded for ``number`` (and ``text``, if given)."""
        key = number_key(number)
        if text is None:
            with self.state.lock:
                return self.state.sends_by_number[key]
        return sum(m.number == key and m.text == text for m in self.messages)

    @property
    def rate_limited_at(self) -> list[float]:
        """When (epoch seconds) each TS-1060 answer was given, oldest first."""
        with self.state.lock:
            return list(self.state.rate_limited_at)

    @property
    def connections_opened(self) -> int:
        """TCP connections accepted since start or the last reset."""
        with self.state.lock:
            return self.state.connections_opened

    @property
    def request_count(self) -> int:
        """HTTP requests served, on every path."""
        with self.state.lock:
            return self.state.request_count
