"""Show the remaining credit of an SMS backend's account."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from django_turkeysms.exceptions import TurkeySmsError
from django_turkeysms.management.commands._util import (
    add_backend_argument,
    command_error,
    load_backend,
)
from django_turkeysms.message import Balance


class Command(BaseCommand):
    help = (
        "Show the account balance of an SMS backend: local SMS credits and the "
        "international balance in TL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_backend_argument(parser)
        parser.add_argument(
            "--json", action="store_true", help="print the balance as JSON"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        alias: str = options["backend"]
        backend = load_backend(alias)
        if not backend.supports_balance:
            raise CommandError(
                _("SMS backend %(alias)r (%(backend)s) cannot report a balance.")
                % {"alias": alias, "backend": type(backend).__name__}
            )
        try:
            balance = backend.get_balance()
        except TurkeySmsError as exc:
            raise command_error(exc, backend) from exc
        if options["json"]:
            self.stdout.write(as_json(balance, alias))
        else:
            self.stdout.write(as_text(balance))


def as_text(balance: Balance) -> str:
    return "\n".join(
        [
            _("Local balance: %(sms)s SMS") % {"sms": f"{balance.local_sms:,}"},
            _("International balance: %(tl)s TL")
            % {"tl": f"{balance.international_tl:,.2f}"},
        ]
    )


def as_json(balance: Balance, alias: str) -> str:
    return json.dumps(
        {
            "local_sms": balance.local_sms,
            "international_tl": f"{balance.international_tl:.2f}",
            "backend": alias,
        }
    )
