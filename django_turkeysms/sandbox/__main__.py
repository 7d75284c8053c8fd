"""``python -m django_turkeysms.sandbox``: run the sandbox in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType
from typing import Protocol

from django_turkeysms.sandbox.faults import RESULT_STYLES
from django_turkeysms.sandbox.service import Sandbox


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m django_turkeysms.sandbox",
        description="A local fake of the TurkeySMS v3 HTTP API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every API answer"
    )
    parser.add_argument(
        "--delivery-delay",
        type=float,
        default=0.0,
        help="seconds a message stays pending before its final status",
    )
    parser.add_argument("--result-style", choices=RESULT_STYLES, default="string")
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
    args = parse_args(argv)
    sandbox = Sandbox(
        host=args.host,
        port=args.port,
        latency=args.latency,
        delivery_delay=args.delivery_delay,
        result_style=args.result_style,
    )
    return run(sandbox)


if __name__ == "__main__":
    sys.exit(main())
