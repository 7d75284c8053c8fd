"""``python -m django_turkeysms.sandbox``: the sandbox's command line."""

from __future__ import annotations

import sys

from django_turkeysms.testing.sandbox.cli import main

sys.exit(main())
