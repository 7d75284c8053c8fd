"""``python -m django_turkeysms.testing.sandbox`` (or ``django_turkeysms.sandbox``)."""

from __future__ import annotations

import sys

from django_turkeysms.testing.sandbox.cli import main

sys.exit(main())
