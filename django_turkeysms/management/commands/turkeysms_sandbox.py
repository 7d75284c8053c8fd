"""Run the local TurkeySMS sandbox in the foreground (Ctrl-C stops it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_turkeysms.testing.sandbox.cli import (
    CannotListen,
    add_arguments,
    sandbox_from,
    serve,
)


class Command(BaseCommand):
    help = (
        "Run the local fake of the TurkeySMS API in the foreground, as "
        "python -m django_turkeysms.sandbox does; Ctrl-C stops it."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            serve(sandbox_from(options), self.stdout)
        except CannotListen as exc:
            raise CommandError(str(exc)) from exc
