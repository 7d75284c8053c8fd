"""A faithful local fake of the TurkeySMS v3 HTTP API.

Standard library only, and it never imports the rest of ``django_turkeysms``, so
the sandbox and the client cannot hide each other's mistakes. Run it with
``python -m django_turkeysms.sandbox``; use it in-process as
``Sandbox(port=0).start()`` or in a child process as ``SandboxProcess``. The docs'
"The provider sandbox" page describes every endpoint, account, fault and quirk.
"""

from __future__ import annotations

from django_turkeysms.testing.sandbox.service import Sandbox
from django_turkeysms.testing.sandbox.state import Account, SentMessage

__all__ = ["Account", "Sandbox", "SentMessage"]
