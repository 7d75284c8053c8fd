"""Run the local TurkeySMS sandbox in the foreground (Ctrl-C stops it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_turkeysms.sandbox import Sandbox
from django_turkeysms.sandbox.__main__ import CannotListen, serve
from django_turkeysms.sandbox.faults import RESULT_STYLES


class Command(BaseCommand):
    help = (
        "Run the local fake of the TurkeySMS API in the foreground, as "
        "python -m django_turkeysms.sandbox does; Ctrl-C stops it."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
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

    def handle(self, *args: Any, **options: Any) -> None:
        sandbox = Sandbox(
            host=options["host"],
            port=options["port"],
            latency=options["latency"],
            delivery_delay=options["delivery_delay"],
            result_style=options["result_style"],
        )
        try:
            serve(sandbox, self.stdout)
        except CannotListen as exc:
            raise CommandError(str(exc)) from exc
