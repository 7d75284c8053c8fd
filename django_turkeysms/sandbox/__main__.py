"""``python -m django_turkeysms.sandbox``: run the sandbox in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from types import FrameType

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


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def wait_forever() -> None:
    while True:
        time.sleep(3600)


def run(sandbox: Sandbox) -> int:
    """Start, print the banner, serve until interrupted; the exit status."""
    try:
        sandbox.start()
    except OSError as error:
        print(
            f"Cannot listen on {sandbox.host}:{sandbox.port}: {error}", file=sys.stderr
        )
        return 1
    try:
        print(banner(sandbox), flush=True)
        wait_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
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
    previous = {number: signal.signal(number, _interrupt) for number in STOP_SIGNALS}
    try:
        return run(sandbox)
    finally:
        for number, handler in previous.items():
            if handler is not None:
                signal.signal(number, handler)


if __name__ == "__main__":
    sys.exit(main())
