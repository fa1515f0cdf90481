"""A real browser (Chromium through Playwright) on the brand's challenge form, at a laptop's
1280x800 and a tablet's 768x1024: the brand is preselected, switching the kind between idea and
poll shows and hides the poll options (static/js/admin_challenge.js), nothing scrolls sideways,
and "Save and publish" publishes through the service. Screenshots: artifacts/browser/brand-admin-*.png.
"""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from community.cocreation.models import Challenge
from tests import factories
from tests.browser import ARTIFACTS, admin_log_in

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": ({"width": 1280, "height": 800}, "en-US"), "tablet": ({"width": 768, "height": 1024}, "zh-CN")}


def _no_sideways_scroll(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page is {width}px wide in a {inner}px window"


def _options_shown(page):
    return page.is_visible("#poll_options-group") and page.is_visible("input[name='poll_options-0-label_zh']")


@pytest.mark.parametrize("device", VIEWPORTS)
def test_brand_staff_lay_out_a_poll_and_publish_it(site, chromium, device):
    viewport, locale = VIEWPORTS[device]
    brand = factories.BrandFactory(name="暖暖 WarmCo", slug=f"warmco-{device}")
    product = factories.ProductFactory(brand=brand, name_zh="暖暖气泡水", name_en="WarmCo sparkling water")
    staff = factories.UserFactory(is_staff=True, display_name="品牌小助手")
    factories.BrandMembershipFactory(user=staff, brand=brand)
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=("community", "cocreation"),
        codename__in=["view_challenge", "change_challenge", "add_challenge", "view_product", "view_polloption",
                      "add_polloption", "change_polloption", "delete_polloption"],
    ))
    context = chromium.new_context(locale=locale, viewport=viewport)
    page = context.new_page()
    try:
        admin_log_in(page, site.url, staff)

        page.goto(f"{site.url}/admin/cocreation/challenge/add/")
        assert page.input_value("select[name=brand]") == str(brand.pk)  # the one brand, chosen
        assert page.input_value("select[name=kind]") == "idea"
        assert not _options_shown(page)
        assert page.is_visible("input[name=entries_per_user]")
        _no_sideways_scroll(page)

        page.select_option("select[name=kind]", "poll")
        assert _options_shown(page)
        assert not page.is_visible("input[name=entries_per_user]")  # entries and prize draw are for entry kinds
        assert not page.is_visible("input[name=prize_odds]")
        _no_sideways_scroll(page)
        page.select_option("select[name=kind]", "idea")
        assert not _options_shown(page) and page.is_visible("input[name=entries_per_user]")
        page.select_option("select[name=kind]", "poll")
        assert _options_shown(page)

        page.fill("input[name=title_zh]", "下一款口味投票")
        page.fill("input[name=title_en]", "Vote for the next flavour")
        page.check(f"input[name=products][value='{product.pk}']")
        start = timezone.localtime(timezone.now().replace(microsecond=0) - timedelta(hours=1))
        for i, name in enumerate(("opens_at", "entries_close_at", "voting_close_at", "closes_at")):
            when = start + timedelta(days=2 * i)
            page.fill(f"input[name={name}_0]", when.strftime("%Y-%m-%d"))
            page.fill(f"input[name={name}_1]", when.strftime("%H:%M:%S"))
        page.check("input[name=allow_overlap]")
        page.fill("input[name='poll_options-0-label_zh']", "桂花乌龙")
        page.click("#poll_options-group .add-row a")
        page.fill("input[name='poll_options-1-label_zh']", "白桃茉莉")
        _no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / f"brand-admin-{device}-form.png"), full_page=True)

        with page.expect_navigation():
            page.click("input[name=_publish]")
        assert page.locator(".messagelist .success").count() == 1
        assert page.locator(".messagelist .error").count() == 0
        challenge = Challenge.objects.get(title_zh="下一款口味投票")
        assert challenge.brand == brand and challenge.kind == "poll" and challenge.state == Challenge.State.OPEN
        assert list(challenge.poll_options.values_list("label_zh", flat=True)) == ["桂花乌龙", "白桃茉莉"]
        assert page.url.endswith(f"/admin/cocreation/challenge/{challenge.pk}/change/")
        assert page.locator("input[name=_publish]").count() == 0  # published: no second publish
        _no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / f"brand-admin-{device}-published.png"), full_page=True)
    finally:
        context.close()
