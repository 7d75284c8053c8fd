"""Fixtures of the integration suite: the default suite's, with the integration
apps installed (``--ds=tests_integrations.settings``)."""

from __future__ import annotations

from tests.conftest import fresh_cache, sandbox  # noqa: F401 (fixtures)
from tests.figures import pytest_terminal_summary  # noqa: F401 (a pytest hook)
from tests.secrets_capture import capture_secrets  # noqa: F401 (a session fixture)
