"""The sandbox's command line: ``python -m django_turkeysms.sandbox`` and
``manage.py turkeysms_sandbox`` run it in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Mapping
from types import FrameType
from typing import Any, Protocol

from django_turkeysms.testing.sandbox.faults import RESULT_STYLES
from django_turkeysms.testing.sandbox.quirks import QUIRKS
from django_turkeysms.testing.sandbox.service import Sandbox


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sandbox's options; shared with the ``turkeysms_sandbox`` command."""
    parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=8765, help="default: 8765; 0 picks a free port"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds added to every API answer",
    )
    parser.add_argument(
        "--delivery-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds a message stays pending before its final status",
    )
    parser.add_argument(
        "--result-style",
        choices=RESULT_STYLES,
        default="string",
        help="how JSON answers render result (default: string)",
    )
    parser.add_argument(
        "--quirk",
        action="append",
        choices=sorted(QUIRKS),
        default=[],
        dest="quirks",
        metavar="NAME",
        help="answer as real traffic does; repeat for several: "
        + "; ".join(f"{name}: {text}" for name, text in sorted(QUIRKS.items())),
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        dest="allowed_hosts",
        metavar="HOST",
        help="a Host name the control endpoints and the inbox also answer to "
        "(loopback names and the --host address always do); repeat for several",
    )


def sandbox_from(options: Mapping[str, Any]) -> Sandbox:
    """A sandbox configured by the options :func:`add_arguments` defines."""
    return Sandbox(
        host=options["host"],
        port=options["port"],
        latency=options["latency"],
        delivery_delay=options["delivery_delay"],
        result_style=options["result_style"],
        quirks=options["quirks"],
        allowed_hosts=options["allowed_hosts"],
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m django_turkeysms.sandbox",
        description="A local fake of the TurkeySMS v3 HTTP API.",
    )
    add_arguments(parser)
    return parser.parse_args(argv)


def banner(sandbox: Sandbox) -> str:
    return "\n".join(
        [
            f"TurkeySMS sandbox listening on {sandbox.base_url}",
            f"API key: {sandbox.api_key}",
            f"Sender ID: {sandbox.sender}",
            f"Inbox: {sandbox.base_url}/inbox",
        ]
    )


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Output(Protocol):
    def write(self, text: str, /) -> object: ...
    def flush(self) -> object: ...


class CannotListen(Exception):
    """The sandbox could not bind its address; the message says which and why."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def wait_forever() -> None:
    while True:
        time.sleep(3600)


def serve(sandbox: Sandbox, out: Output | None = None) -> None:
    """Start, write the banner to ``out`` (stdout), serve until SIGINT or SIGTERM.

    Raises :class:`CannotListen` when the address cannot be bound. Shared with the
    ``turkeysms_sandbox`` management command.
    """
    out = sys.stdout if out is None else out
    previous = {number: signal.signal(number, _interrupt) for number in STOP_SIGNALS}
    try:
        _start(sandbox)
        out.write(banner(sandbox) + "\n")
        out.flush()
        wait_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        for number, handler in previous.items():
            if handler is not None:
                signal.signal(number, handler)


def _start(sandbox: Sandbox) -> None:
    try:
        sandbox.start()
    except OSError as error:
        raise CannotListen(
            f"Cannot listen on {sandbox.host}:{sandbox.port}: {error}"
        ) from error


def run(sandbox: Sandbox) -> int:
    """Serve until interrupted; the exit status."""
    try:
        serve(sandbox)
    except CannotListen as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(sandbox_from(vars(parse_args(argv))))
