"""Browser fixtures: Playwright driving the system's Chromium (no browser download)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, sync_playwright

from django_turkeysms.models import VerifiedPhone
from tests.conftest import fresh_cache, provider_settings  # noqa: F401 (autouse)

# Playwright's sync API keeps an event loop running in the test thread, which
# Django takes for an async context; the tests themselves are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(
    os.environ.get(
        "E2E_ARTIFACTS",
        Path(__file__).resolve().parent.parent / "artifacts" / "screenshots",
    )
)
DEMO_PHONE = "+905321112233"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1100, "height": 800}, locale="en-US"
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def shoot(page: Page):
    """``shoot(name)`` saves a full-page screenshot under artifacts/screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, target: Page | None = None) -> Path:
        path = ARTIFACTS / f"{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def site(live_server, settings, turkeysms_sandbox):
    """The example project on a live server, sending to the in-process sandbox."""
    settings.TURKEYSMS = {
        **settings.TURKEYSMS,
        **provider_settings(turkeysms_sandbox),
    }
    return live_server


@pytest.fixture
def ayse(transactional_db):
    user = get_user_model().objects.create_user("ayse", password="ayse-password")
    VerifiedPhone.objects.create(user=user, phone=DEMO_PHONE)
    return user


@pytest.fixture
def admin_user_in_browser(transactional_db, page, site):
    get_user_model().objects.create_superuser("admin", "", "admin-password")
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin-password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{site.url}/admin/")
    return page
