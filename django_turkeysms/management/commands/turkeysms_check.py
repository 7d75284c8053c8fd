"""Check the configuration end to end: system checks, credentials, sender ID."""

from __future__ import annotations

from typing import Any

from django.core.checks import WARNING, CheckMessage
from django.core.checks.registry import registry
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from django_turkeysms import checks
from django_turkeysms.backends.base import BaseSmsBackend
from django_turkeysms.exceptions import TurkeySmsError
from django_turkeysms.management.commands._util import (
    add_backend_argument,
    command_error,
    load_backend,
)
from django_turkeysms.validation import check_sender


class Command(BaseCommand):
    help = (
        "Run django-turkeysms' system checks, then build an SMS backend, check its "
        "credentials with the provider and validate the sender ID it will use."
    )
    # It runs and reports the package's checks itself; Django's run first would
    # stop at the first error with its own report.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        add_backend_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        alias: str = options["backend"]
        self._system_checks()
        backend = load_backend(alias)
        self.stdout.write(
            _("Backend %(alias)r: %(path)s")
            % {"alias": alias, "path": _dotted_path(backend)}
        )
        try:
            self._account(backend)
            sender = check_sender(None, backend)
        except TurkeySmsError as exc:
            raise command_error(exc, backend) from exc
        self.stdout.write(
            _("Sender ID: %(sender)s") % {"sender": sender or _("(none)")}
        )
        self.stdout.write(_("Everything looks fine."))

    def _system_checks(self) -> None:
        messages = run_package_checks()
        for message in messages:
            stream = self.stderr if message.is_serious() else self.stdout
            stream.write(describe(message))
        errors = sum(message.is_serious() for message in messages)
        if errors:
            raise CommandError(
                ngettext(
                    "System checks found %(count)d error.",
                    "System checks found %(count)d errors.",
                    errors,
                )
                % {"count": errors}
            )
        self.stdout.write(_("System checks passed."))

    def _account(self, backend: BaseSmsBackend) -> None:
        if not backend.supports_account:
            return
        info = backend.account()
        self.stdout.write(
            _("Authenticated as %(name)s (user id %(user_id)s)")
            % {"name": info.account_name, "user_id": info.user_id}
        )


def run_package_checks() -> list[CheckMessage]:
    """The messages of every system check defined in ``django_turkeysms.checks``."""
    messages: list[CheckMessage] = []
    for check in registry.get_checks(include_deployment_checks=True):
        if getattr(check, "__module__", None) == checks.__name__:
            messages.extend(check(app_configs=None, databases=None))
    return messages


def describe(message: CheckMessage) -> str:
    if message.is_serious():
        level = _("ERROR")
    else:
        level = _("WARNING") if message.level >= WARNING else _("INFO")
    text = f"{level} {message.id}: {message.msg}"
    if message.hint:
        text += f" {_('Hint')}: {message.hint}"
    return text


def _dotted_path(backend: BaseSmsBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"
