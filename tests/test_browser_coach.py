"""A real browser (Debian's Chromium through Playwright) drives the writing coach.

A signed-in shopper types on the review page; static/js/coach.js asks
/api/quality/coach/ after typing pauses and shows the band and hints in place.
Screenshot: artifacts/browser/coach.png.
"""

import pytest

from community import services
from community.models import Review
from tests import factories
from tests.browser import ARTIFACTS, PHONE, coach_band, coach_type_better

pytestmark = pytest.mark.browser


TEMPLATE_TEXT = "好评好评"
DETAILED_TEXT = (
    "用了两周，每天早上装 400ml 热水，到下午三点还有 60 度左右，保温效果很好，质量好。"
    "杯盖密封好，放包里没漏过。缺点是有点重，大概 350 克，不过做得很扎实。"
)


def test_coach_shows_band_and_hints_while_typing_and_band_improves(site, chromium):
    product = factories.ProductFactory(
        name_zh="真空保温杯 500ml",
        name_en="Vacuum flask 500 ml",
        slug="vacuum-flask",
        description_zh="316 不锈钢内胆，保温 12 小时。",
        description_en="316 stainless steel, keeps drinks hot for 12 hours.",
    )
    shopper = factories.UserFactory(display_name="写评价的人")
    services.review_post(author=shopper, product=product, rating=5)

    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    coach_calls = []
    page.on("request", lambda r: coach_calls.append(r) if r.url.endswith("/api/quality/coach/") else None)
    try:
        page.goto(f"{site.url}/accounts/login/?next=/products/{product.slug}/review/")
        page.fill("input[name=login]", shopper.email)
        page.fill("input[name=password]", "pass12345!")
        page.click(".auth-card button[type=submit]")
        page.wait_for_url(f"**/products/{product.slug}/review/")
        page.wait_for_load_state("load")

        panel = page.locator("[data-coach]")
        assert panel.is_hidden()  # nothing typed yet
        review_url = page.url
        navigations = []
        page.on("framenavigated", lambda f: navigations.append(f.url) if f == page.main_frame else None)
        page.evaluate("window.__sameDocument = true")
        nav_entries = page.evaluate("performance.getEntriesByType('navigation').length")

        # A template phrase, typed key by key faster than the 400 ms debounce.
        textarea = page.locator("textarea[name=text]")
        with page.expect_response(lambda r: r.url.endswith("/api/quality/coach/")) as first:
            textarea.press_sequentially(TEMPLATE_TEXT, delay=60)
        assert first.value.status == 200
        assert first.value.json()["band"] == "low"
        page.wait_for_selector("[data-coach].band-low", state="visible")
        page.wait_for_selector("[data-coach-hints] li[data-code=template]")
        low = coach_band(page)
        assert low["band"] == "low" and not low["hidden"]
        assert "/100" in low["text"]
        hints = page.locator("[data-coach-hints] li")
        assert hints.count() >= 2
        assert "好评好评" in page.inner_text("[data-coach-hints] li[data-code=template]")
        # Debounced: one request for the whole phrase, not one per keystroke.
        assert len(coach_calls) < len(TEMPLATE_TEXT)
        calls_after_template = len(coach_calls)

        # No reload, no navigation: same document, same URL.
        assert page.evaluate("window.__sameDocument") is True
        assert page.evaluate("performance.getEntriesByType('navigation').length") == nav_entries
        assert page.url == review_url
        assert navigations == []
        page.screenshot(path=str(ARTIFACTS / "coach-low.png"), full_page=True)

        # Replace it with a detailed review: duration, numbers, pros and cons, an aspect.
        coach_type_better(page, textarea, DETAILED_TEXT, low)
        assert page.locator("[data-coach-hints] li[data-code=template]").count() == 0
        assert page.locator("[data-coach-hints] li[data-code=add_duration]").count() == 0
        # Debounced again: far fewer requests than keystrokes.
        assert len(coach_calls) - calls_after_template < len(DETAILED_TEXT) // 4

        assert page.evaluate("window.__sameDocument") is True
        assert page.evaluate("performance.getEntriesByType('navigation').length") == nav_entries
        assert page.url == review_url
        assert navigations == []
        # The coach writes nothing: the review is still a bare rating.
        review = Review.objects.get(author=shopper, product=product)
        assert review.text == ""
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "coach.png"), full_page=True)
    finally:
        context.close()
