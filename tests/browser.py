"""Shared set-up of the real-browser tests: Debian's Chromium (/usr/bin/chromium) through
Playwright, headless, against pytest-django's live server.

The root conftest loads this module as a pytest plugin, so every test can ask for the
``chromium`` and ``site`` fixtures; modules import the constants they use (``ARTIFACTS``,
``PHONE``, ``DESKTOP``). Screenshots go to artifacts/browser/ (CI keeps them).
"""
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in the test's thread; the ORM calls the tests
# make themselves are still plain synchronous code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, transactional_db):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return live_server
