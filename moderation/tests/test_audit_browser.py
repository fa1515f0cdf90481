"""A real browser (Debian's Chromium through Playwright) labels audit items with the
keyboard and reads the prevalence page at phone width."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from moderation import audit
from moderation.models import AuditLabel
from moderation.tests.test_audit import publish
from tests import factories
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PHONE

pytestmark = pytest.mark.browser


def test_label_with_keys_and_read_the_chart_on_a_phone(live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    moderator = factories.UserFactory()
    moderator.groups.add(Group.objects.get_or_create(name="moderators")[0])
    product = factories.ProductFactory()
    day = timezone.localdate() - timedelta(days=1)
    publish(product, 3, day=day, text="好评好评")
    samples = audit.audit_draw(day=day, seed=1)
    client = Client()
    client.force_login(moderator)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(**PHONE)
        context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/moderation/audit/")
        assert page.locator("[data-sample]").get_attribute("data-sample") == str(samples[0].pk)
        page.keyboard.press("l")
        page.wait_for_url("**/moderation/audit/")
        page.wait_for_selector(f"[data-sample='{samples[1].pk}']")
        page.keyboard.press("s")  # skip the second
        page.wait_for_selector(f"[data-sample='{samples[2].pk}']")
        page.keyboard.press("g")
        page.wait_for_selector(f"[data-sample='{samples[1].pk}']")  # the skipped one comes back
        page.screenshot(path=str(ARTIFACTS / "audit-queue-phone.png"), full_page=True)
        assert dict(AuditLabel.objects.values_list("sample_id", "label")) == {
            samples[0].pk: "low", samples[2].pk: "good"}

        page.goto(f"{live_server.url}/moderation/audit/prevalence/")
        chart = page.locator("#prevalence-chart")
        assert chart.is_visible()
        box = chart.bounding_box()
        assert 0 < box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        assert page.locator("#prevalence-7").get_attribute("data-status") == "red"  # 1 of 2 low
        page.screenshot(path=str(ARTIFACTS / "audit-prevalence-phone.png"), full_page=True)
        browser.close()
