"""Browser fixtures: Playwright driving the system's Chromium (no browser download)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import django
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

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
CODE = re.compile(r"\b(\d{6})\b")
#: Screenshots go to artifacts/screenshots/<Django version>/<viewport width>/.
DJANGO_VERSION = "{}.{}".format(*django.VERSION[:2])
DESKTOP, PHONE = 1280, 390
VIEWPORTS = {
    DESKTOP: {"viewport": {"width": DESKTOP, "height": 800}},
    # An iPhone 12-15 sized screen, as a phone browser lays it out.
    PHONE: {
        "viewport": {"width": PHONE, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 1,
    },
}
# What the admin's theme toggle stores: every admin page then renders dark.
DARK_THEME = "window.localStorage.setItem('theme', 'dark');"
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


def new_context(browser: Browser, width: int, *, dark: bool = False) -> BrowserContext:
    """A browser window ``width`` pixels wide (a phone's at 390), English."""
    context = browser.new_context(locale="en-US", **VIEWPORTS[width])  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    if dark:
        context.add_init_script(DARK_THEME)
    return context


@pytest.fixture
def open_window(browser: Browser) -> Iterator[Callable[..., Page]]:
    """``open_window(width, dark=False)``: a new tab in a window of its own."""
    contexts: list[BrowserContext] = []

    def open_tab(width: int = DESKTOP, *, dark: bool = False) -> Page:
        contexts.append(new_context(browser, width, dark=dark))
        return contexts[-1].new_page()

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_window: Callable[..., Page]) -> Page:
    return open_window(DESKTOP)


def screenshot(target: Page, name: str) -> Path:
    """A full-page screenshot of ``target`` under artifacts/screenshots/<Django
    version>/<width>/<name>.png."""
    width = (target.viewport_size or {"width": 0})["width"]
    folder = ARTIFACTS / DJANGO_VERSION / str(width)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    target.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def shoot(page: Page):
    """``shoot(name)`` saves a full-page screenshot of the test's page."""

    def take(name: str, target: Page | None = None) -> Path:
        return screenshot(target or page, name)

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


def code_from_inbox(
    page: Page, sandbox, look: Callable[[Page], object] | None = None
) -> str:
    """Open the sandbox inbox in a new tab and read the newest code; ``look``
    (a screenshot, say) sees the inbox first."""
    inbox = page.context.new_page()
    inbox.goto(f"{sandbox.base_url}/inbox")
    newest = inbox.locator("tbody tr").first
    expect(newest).to_contain_text("verification code")
    if look:
        look(inbox)
    match = CODE.search(newest.inner_text())
    assert match is not None
    code = match.group(1)
    inbox.close()
    return code


def admin_login(page: Page, site, username: str = "admin") -> Page:
    page.goto(f"{site.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{site.url}/admin/")
    return page


@pytest.fixture
def superuser(transactional_db):
    return get_user_model().objects.create_superuser("admin", "", "admin-password")


@pytest.fixture
def admin_user_in_browser(superuser, page, site):
    return admin_login(page, site)
