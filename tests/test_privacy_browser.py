"""The policy banner and one-tap consent toggles in a real browser on a phone (zh-hans)."""
import pytest

from community.privacy import selectors, services
from community.privacy.models import PolicyVersion
from tests import factories
from tests.browser import ARTIFACTS, PHONE

pytestmark = pytest.mark.browser


def test_banner_accept_and_one_tap_toggles_on_a_phone(site, chromium):
    services.policy_publish(version=PolicyVersion(version="2027-01", text_zh="隐私政策正文", text_en="Policy text"))
    user = factories.UserFactory()
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    page.goto(f"{site.url}/accounts/login/?next=/products/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", "pass12345!")
    page.click(".auth-card button[type=submit]")
    page.wait_for_url("**/products/")

    banner = page.locator(".policy-banner")
    assert banner.is_visible() and "2027-01" in banner.inner_text()
    assert page.locator("main h1").is_visible()  # the page is there, not blocked
    page.screenshot(path=str(ARTIFACTS / "privacy-banner-phone.png"))
    banner.locator("button[type=submit]").click()
    page.wait_for_url("**/products/")
    assert page.locator(".policy-banner").count() == 0
    assert selectors.policy_accepted_current(user=user)

    page.goto(f"{site.url}/me/privacy/consent/")
    marketing = page.locator(".consent-item:has(input[value=brand_marketing])")
    assert marketing.locator(".consent-on").count() == 0 and marketing.locator("input[name=granted]").input_value() == "1"
    marketing.locator("button").click()  # one tap on
    page.wait_for_url("**/me/privacy/consent/")
    assert marketing.locator(".consent-on").count() == 1
    assert marketing.locator("button").bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "privacy-consent-phone.png"), full_page=True)
    marketing.locator("button").click()  # one tap off
    page.wait_for_url("**/me/privacy/consent/")
    assert selectors.consent_state(user=user)["brand_marketing"]["granted"] is False
    context.close()
