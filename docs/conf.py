"""Sphinx configuration: Markdown pages (MyST) with the Furo theme."""

from __future__ import annotations

import re
from pathlib import Path

_INIT = Path(__file__).resolve().parent.parent / "django_turkeysms" / "__init__.py"
_VERSION = re.search(r'__version__ = "([^"]+)"', _INIT.read_text(encoding="utf-8"))

project = "django-turkeysms"
author = "The django-turkeysms authors"
copyright = "the django-turkeysms authors"
release = _VERSION.group(1) if _VERSION else "unknown"
version = release

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "README.md"]
myst_enable_extensions = ["colon_fence", "deflist"]
# Links to headings, [text](page.md#a-heading), are checked like any reference.
myst_heading_anchors = 3
suppress_warnings: list[str] = []

html_theme = "furo"
html_title = f"django-turkeysms {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
