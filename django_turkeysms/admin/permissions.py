"""Permissions shared by the admin classes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnly:
    """Rows that are never added, edited or deleted through the admin (a log)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
