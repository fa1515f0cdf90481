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
PASSWORD = "pass12345!"  # tests/factories.py UserFactory


def log_in(page, site_url, user, next_url="/me/"):
    """Sign in through allauth's login page and wait to land on ``next_url``."""
    page.goto(f"{site_url}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click(".auth-card button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def admin_log_in(page, site_url, user):
    """Sign in through the Django admin's login page and wait for the admin index."""
    page.goto(f"{site_url}/admin/login/?next=/admin/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(f"{site_url}/admin/")


IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_browser_deselected = []


def _chromium_missing():
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def pytest_collection_modifyitems(config, items):
    """Outside CI, a machine without Chromium runs everything else and says so in one line;
    under CI=true the browser tests are mandatory (they fail rather than skip)."""
    missing = None if IN_CI else _chromium_missing()
    if not missing:
        return
    browser_items = [item for item in items if "chromium" in getattr(item, "fixturenames", ())]
    if browser_items:
        _browser_deselected.append((len(browser_items), missing))
        config.hook.pytest_deselected(items=browser_items)
        items[:] = [item for item in items if item not in browser_items]


def pytest_terminal_summary(terminalreporter):
    for count, missing in _browser_deselected:
        terminalreporter.write_line(
            f"SKIPPED {count} browser tests: {missing}; `apt-get install chromium` to run them "
            "(under CI=true they are mandatory)", yellow=True)


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


# --- the writing coach (static/js/coach.js) ---------------------------------------------------

COACH_API = "/api/quality/coach/"


def coach_band(page, panel="[data-coach]"):
    """The coach panel as the shopper sees it: band class, band text, hidden, aria-live."""
    return page.evaluate(
        """(sel) => {
            const panel = document.querySelector(sel);
            const m = panel.className.match(/\\bband-(\\S+)/);
            return {band: m ? m[1] : null, text: panel.querySelector('[data-coach-band]').textContent,
                    hidden: panel.hidden, live: panel.getAttribute('aria-live')};
        }""",
        panel,
    )


def coach_type_better(page, textarea, text, low, panel="[data-coach]"):
    """Replace the draft with ``text``, typed key by key; the coach must answer for it with a
    good or great band, the panel must show exactly that answer, and the score must beat the
    ``low`` reading. Returns (the API's answer, the panel's reading)."""
    textarea.fill("")
    with page.expect_response(
        lambda r: r.url.endswith(COACH_API) and r.request.post_data_json["text"] == text
    ) as answer:
        textarea.press_sequentially(text, delay=15)
    assert answer.value.status == 200
    data = answer.value.json()
    assert data["band"] in ("good", "great"), data
    page.wait_for_function(
        "(sel) => { const p = document.querySelector(sel);"
        " return !p.hidden && !/\\bband-low\\b/.test(p.className)"
        " && /\\bband-(good|great)\\b/.test(p.className); }",
        arg=panel,
    )
    better = coach_band(page, panel)
    assert better["band"] in ("good", "great")
    assert better["text"] != low["text"]
    assert better["text"] == f"{data['band_label']} · {data['score']}/100"
    assert data["score"] > int(low["text"].split("·")[-1].split("/")[0])
    return data, better


def tap_star(page, stars):
    """Tap a star on the product page: it posts with fetch (201), the page does not reload,
    the details panel opens and the star shows as pressed."""
    page.evaluate("window.__sameDocument = true")
    with page.expect_response(lambda r: r.url.endswith("/rate/")) as rated:
        page.click(f"button[name=rating][value='{stars}']")
    assert rated.value.status == 201
    page.wait_for_selector("#details", state="visible")
    assert page.evaluate("window.__sameDocument") is True
    assert page.get_attribute(f"button[name=rating][value='{stars}']", "aria-pressed") == "true"
