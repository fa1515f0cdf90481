"""A shopper on a phone downloads their data and deletes their account (/me/privacy/), in a
real browser (Debian's Chromium through Playwright). The export job is held back until the
page shows its progress, so the page's polling script is what brings up the download link."""
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.privacy import services as privacy_services
from community.privacy import tasks as privacy_tasks
from community.privacy.models import DataExport, DeletionRequest
from tests import factories
from tests.browser import ARTIFACTS, PASSWORD, PHONE, log_in

pytestmark = pytest.mark.browser


def no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")


def test_shopper_downloads_their_data_and_deletes_their_account_on_a_phone(site, chromium, monkeypatch):
    shopper = factories.UserFactory(display_name="Mia")
    product = factories.ProductFactory(name_en="Vacuum flask", slug="flask")
    review, _ = services.review_post(author=shopper, product=product, rating=5, text="A good product.")
    held = []
    monkeypatch.setattr(privacy_tasks.data_export_build, "apply_async",
                        lambda *args, kwargs=None, **options: held.append(kwargs["export_id"]))

    context = chromium.new_context(locale="en-US", accept_downloads=True, **PHONE)
    page = context.new_page()
    try:
        log_in(page, site.url, shopper)
        page.click("a[href='/me/privacy/']")
        page.wait_for_url("**/me/privacy/")
        no_sideways_scroll(page)

        # Download my data: the job starts, the page shows its progress...
        page.click("[data-export-start]")
        page.wait_for_selector("progress[data-export-progress]")
        assert held and DataExport.objects.get(pk=held[0]).status == "pending"
        page.screenshot(path=str(ARTIFACTS / "privacy-export-progress-phone.png"), full_page=True)
        # ...and when the worker has built the file, the polling script brings up the link.
        privacy_services.data_export_build(export_id=held[0])
        link = page.wait_for_selector("[data-export-download]", timeout=20000)
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300  # a large tap target
        with page.expect_download() as download:
            link.click()
        data = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
        assert json.loads(data.read("reviews.json"))[0]["id"] == review.pk
        assert "reviews.json" in data.read("README.txt").decode()
        page.screenshot(path=str(ARTIFACTS / "privacy-export-ready-phone.png"), full_page=True)

        # Delete my account: a wrong password is refused next to the field.
        page.check("input[name=content][value=remove]")
        page.fill("input[name=password]", "not-my-password")
        page.click("[data-deletion-start]")
        page.wait_for_selector(".field-error")
        assert not DeletionRequest.objects.exists()
        no_sideways_scroll(page)
        page.check("input[name=content][value=remove]")
        page.fill("input[name=password]", PASSWORD)
        page.click("[data-deletion-start]")
        page.wait_for_url(f"{site.url}/")
        assert "Sign in before then" in page.inner_text(".messages")
        request = DeletionRequest.objects.get(user=shopper)
        assert request.status == "scheduled" and not request.keep_content
        page.screenshot(path=str(ARTIFACTS / "privacy-deletion-scheduled-phone.png"), full_page=True)

        # Signing in during the cool-off cancels it.
        log_in(page, site.url, shopper)
        assert "deletion is cancelled" in page.inner_text(".messages")
        request.refresh_from_db()
        assert request.status == "cancelled"

        # Asked again and carried out after the cool-off: the product page still renders.
        page.goto(f"{site.url}/me/privacy/")
        page.check("input[name=content][value=keep]")
        page.fill("input[name=password]", PASSWORD)
        page.click("[data-deletion-start]")
        page.wait_for_url(f"{site.url}/")
        assert privacy_services.deletions_run_due(now=timezone.now() + timedelta(days=7, minutes=1)) == 1
        page.goto(f"{site.url}/products/{product.slug}/")
        assert "deleted user" in page.inner_text("main")
        assert "Mia" not in page.inner_text("main")
        no_sideways_scroll(page)
    finally:
        context.close()


def test_privacy_page_on_a_desktop_puts_the_two_sections_side_by_side(site, chromium):
    shopper = factories.UserFactory()
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, site.url, shopper)
        page.goto(f"{site.url}/me/privacy/")
        export, delete = page.locator("#export").bounding_box(), page.locator("#delete").bounding_box()
        assert abs(export["y"] - delete["y"]) < 2 and delete["x"] > export["x"] + export["width"]
        no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / "privacy-desktop.png"), full_page=True)
    finally:
        context.close()
