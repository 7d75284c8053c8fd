"""Alias → backend instance, like Django's ``MailersHandler``.

Every lookup builds a new backend from the live settings, so there is no cache
to reset; HTTP connections are still pooled per thread by the client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.module_loading import import_string

from .backends.base import BaseSmsBackend
from .conf import conf
from .exceptions import InvalidSmsBackend, SmsBackendDoesNotExist


class SmsBackendHandler:
    """``sms_backends[alias]`` builds the backend configured under ``alias``."""

    def __getitem__(self, alias: str) -> BaseSmsBackend:
        config = self._config(alias)
        backend_class = self._import(alias, config.get("BACKEND"))
        options = config.get("OPTIONS", {})
        if not isinstance(options, dict):
            raise InvalidSmsBackend("OPTIONS must be a dict.", alias=alias)
        return backend_class(alias=alias, **options)

    def __contains__(self, alias: object) -> bool:
        return alias in conf.BACKENDS

    def __iter__(self) -> Iterator[str]:
        return iter(list(conf.BACKENDS))

    def get(
        self, alias: str, default: BaseSmsBackend | None = None
    ) -> BaseSmsBackend | None:
        """The backend for ``alias``, or ``default`` when no such alias exists."""
        if alias not in self:
            return default
        return self[alias]

    @property
    def default(self) -> BaseSmsBackend:
        return self["default"]

    def _config(self, alias: str) -> dict[str, Any]:
        backends = conf.BACKENDS
        if alias not in backends:
            known = ", ".join(repr(name) for name in backends) or "none"
            raise SmsBackendDoesNotExist(
                f"no such alias in TURKEYSMS['BACKENDS'] (configured: {known}).",
                alias=alias,
            )
        config = backends[alias]
        if not isinstance(config, dict):
            raise InvalidSmsBackend("the configuration must be a dict.", alias=alias)
        return config

    def _import(self, alias: str, path: object) -> type[BaseSmsBackend]:
        if not isinstance(path, str) or not path:
            raise InvalidSmsBackend("'BACKEND' must be a dotted path.", alias=alias)
        try:
            backend_class = import_string(path)
        except ImportError as exc:
            raise InvalidSmsBackend(
                f"could not import {path!r}: {exc}", alias=alias
            ) from exc
        if not (
            isinstance(backend_class, type)
            and issubclass(backend_class, BaseSmsBackend)
        ):
            raise InvalidSmsBackend(
                f"{path!r} is not an SMS backend class.", alias=alias
            )
        return backend_class


sms_backends = SmsBackendHandler()
