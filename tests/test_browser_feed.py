"""A real phone-sized browser (390x844) on issue 15 items 5 and 6: star-only ratings collapsed
on the product page, the photo picker (previews, reorder, remove, order stored), and the
toast never covering the Save button."""
import io

import pytest
from PIL import Image

from community import services
from community.models import Review, ReviewPhoto
from tests import factories
from tests.browser import ARTIFACTS, PHONE, log_in, tap_star
from tests.test_browser import site  # noqa: F401  (the live server that also serves media)

pytestmark = pytest.mark.browser


def png(width, color):
    """A PNG told apart by its width once stored (the image pipeline keeps the pixels)."""
    out = io.BytesIO()
    Image.new("RGB", (width, 240), color).save(out, format="PNG")
    return {"name": f"w{width}.png", "mimeType": "image/png", "buffer": out.getvalue()}


def stored_widths(review):
    return [photo.width for photo in ReviewPhoto.objects.filter(review=review)]


def settle(page, selector):
    """Wait until the element has stopped moving (same box over three animation frames, however
    long a smooth scroll takes on a loaded machine) and is on screen, then two more frames so
    anything queued on scroll (requestAnimationFrame) has run. (After ``scrollIntoView`` with
    block "end" the button's bottom can sit a few pixels past the viewport.)"""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        _wait_still(page, selector)
    except PlaywrightTimeout:
        state = page.evaluate("""(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, innerHeight: window.innerHeight, scrollY: window.scrollY,
                    scrollHeight: document.documentElement.scrollHeight}; }""", selector)
        raise AssertionError(f"{selector} did not come to rest on screen: {state}") from None
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.evaluate("() => { delete window.__settle; }")


def _wait_still(page, selector):
    page.wait_for_function(
        """(sel) => {
            const r = document.querySelector(sel).getBoundingClientRect();
            const key = [r.top, r.bottom, window.scrollY].join();
            const w = window.__settle || (window.__settle = {key: null, frames: 0});
            w.frames = key === w.key ? w.frames + 1 : 0;
            w.key = key;
            return w.frames >= 3 && r.top < window.innerHeight && r.bottom > 0;
        }""", arg=selector, polling="raf", timeout=15000)


def boxes_overlap(a, b):
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def test_star_only_ratings_are_collapsed_and_not_votable(site, chromium):  # noqa: F811
    product = factories.ProductFactory(name_en="Vacuum flask", slug="flask")
    for text in ("Keeps tea hot until the evening.", "The lid is easy to open with one hand."):
        factories.review_with_words(author=factories.UserFactory(), product=product, text=text)
    for rating in (5, 3, 4):
        services.review_post(author=factories.UserFactory(display_name=f"Rater {rating}"), product=product,
                             rating=rating)
    services.product_stats_refresh(product_id=product.pk)
    context = chromium.new_context(locale="en-US", **PHONE)
    page = context.new_page()
    try:
        page.goto(f"{site.url}/products/{product.slug}/")
        assert "5 ratings" in page.inner_text("#summary")
        cards = page.locator("#reviews .review-list .review-card")
        assert cards.count() == 2
        assert page.locator("#reviews .review-list .vote-form").count() == 2
        line = page.locator("details.rating-only > summary")
        assert line.inner_text().strip() == "3 ratings without text"
        rows = page.locator("details.rating-only .rating-row")
        assert rows.count() == 3 and not rows.first.is_visible()
        line.click()
        rows.first.wait_for(state="visible")
        assert all(rows.nth(i).is_visible() for i in range(3))
        assert {rows.nth(i).locator(".rating-row-author").inner_text() for i in range(3)} == {
            "Rater 5", "Rater 3", "Rater 4"}
        assert page.locator("details.rating-only .vote-form, details.rating-only button").count() == 0
        page.screenshot(path=str(ARTIFACTS / "feed-collapsed-ratings-phone.png"), full_page=True)

        # The filter lists every rating: the star-only ones compact, still without vote buttons.
        page.click(".review-filter a:has-text('All 5 ratings')")
        page.wait_for_url("**show=all**")
        assert page.locator("#reviews .review-list > .review-card").count() == 2
        assert page.locator("#reviews .review-list > .rating-row").count() == 3
        assert page.locator("#reviews .review-list > .rating-row button").count() == 0
        assert page.locator("details.rating-only").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_star_only_rating_can_be_reported_like_a_card(site, chromium, javascript):  # noqa: F811
    """A 1-star bombing has no card, only a compact row: it has the cards' "Report" control (the
    in-place answer with JavaScript, a form post back to the row without), still no votes."""
    from moderation.models import Report
    from tests.challenge_helpers import old_user

    product = factories.ProductFactory(name_en="Vacuum flask", slug="flask")
    factories.review_with_words(author=factories.UserFactory(), product=product, text="Keeps tea hot all day.")
    bomb, _ = services.review_post(author=factories.UserFactory(display_name="Bomber"), product=product, rating=1)
    services.review_post(author=factories.UserFactory(display_name="Fan"), product=product, rating=5)
    services.product_stats_refresh(product_id=product.pk)
    reporter = old_user()
    context = chromium.new_context(locale="en-US", java_script_enabled=javascript, **PHONE)
    context.add_cookies([{"name": "django_language", "value": "en", "url": site.url}])
    page = context.new_page()
    try:
        log_in(page, site.url, reporter, f"/products/{product.slug}/")
        page.goto(f"{site.url}/products/{product.slug}/")
        page.click("details.rating-only > summary")
        row = page.locator(f"#review-{bomb.pk}")
        row.wait_for(state="visible")
        assert row.locator(".vote-form, .vote-btn").count() == 0  # still nothing to vote on
        row.locator("details.report summary").click()
        form = row.locator(".report-form")
        form.wait_for(state="visible")
        # Phone layout: the opened form takes the row's full width, inside the screen.
        box, row_box = form.bounding_box(), row.bounding_box()
        assert box["x"] >= row_box["x"] - 1 and box["x"] + box["width"] <= 390 + 1
        assert box["y"] >= row_box["y"] + 20  # below the stars, name and date, not beside them
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / f"rating-row-report-open-{'js' if javascript else 'nojs'}.png"))
        row.locator("select[name=reason]").select_option("fake")
        if javascript:
            with page.expect_response(lambda r: r.url.endswith("/moderation/report/")):
                form.locator("button[type=submit]").click()
        else:
            with page.expect_navigation():
                form.locator("button[type=submit]").click()
            assert page.url.endswith(f"#review-{bomb.pk}")
        note = page.locator(f"#review-{bomb.pk} .message-in-place")
        note.wait_for(state="visible")  # without JavaScript the collapsed list comes back open
        assert "moderator" in note.inner_text()
        assert Report.objects.filter(reporter=reporter, object_id=bomb.pk, content_type="review",
                                     reason="fake").count() == 1
        page.screenshot(path=str(ARTIFACTS / f"rating-row-reported-{'js' if javascript else 'nojs'}.png"))
    finally:
        context.close()


def test_photo_picker_orders_and_removes_and_the_toast_stays_off_save(site, chromium):  # noqa: F811
    product = factories.ProductFactory(name_en="Vacuum flask", slug="flask")
    shopper = factories.UserFactory()
    context = chromium.new_context(locale="en-US", **PHONE)
    page = context.new_page()
    try:
        log_in(page, site.url, shopper, f"/products/{product.slug}/")
        tap_star(page, 4)

        # The toast ("Thank you! ...") while the shopper scrolls the Save button to the bottom of
        # the screen, where the toast sits: it moves so the button stays uncovered.
        save = page.locator("#details button[type=submit]")
        toast = page.locator("#toast")
        assert toast.is_visible()
        save.evaluate("b => b.scrollIntoView({block: 'end'})")
        settle(page, "#details button[type=submit]")  # the smooth scroll ends, the toast re-checks
        assert toast.is_visible()
        assert not boxes_overlap(toast.bounding_box(), save.bounding_box())
        page.screenshot(path=str(ARTIFACTS / "feed-toast-phone.png"))

        # The "+" tile opens the file picker (the native input is not shown): two photos, two previews.
        picker = page.locator("#details [data-photo-picker]")
        assert not picker.locator("input[type=file]").is_visible()
        with page.expect_file_chooser() as chooser:
            picker.locator("[data-photo-add-button]").click()
        chooser.value.set_files([png(300, (230, 120, 60)), png(320, (70, 140, 200))])
        tiles = picker.locator(".photo-tile")
        tiles.nth(1).locator("img").wait_for()
        assert tiles.count() == 2
        page.wait_for_function(
            "() => [...document.querySelectorAll('#details .photo-tile img')].every(i => i.complete && i.naturalWidth)")
        # Reorder: the second photo moves left; then a third is added and the first one removed.
        tiles.nth(1).locator("[data-move=left]").click()
        page.set_input_files("#details input[type=file]", files=[png(340, (90, 170, 120))])
        assert tiles.count() == 3
        assert picker.locator("[data-photo-order]").input_value() == "n0,n1,n2"
        tiles.nth(1).locator("[data-remove]").click()  # the 300-wide photo, now second
        assert tiles.count() == 2
        assert page.evaluate("document.querySelector('#details input[type=file]').files.length") == 2
        assert tiles.nth(0).get_attribute("class") == "photo-tile is-new"
        assert tiles.nth(0).locator("[data-move=right]").get_attribute("aria-label") == "Move photo 1 right"
        assert tiles.nth(1).locator("img").get_attribute("alt") == "Photo 2 of 2"
        box = tiles.nth(0).bounding_box()
        assert abs(box["width"] - box["height"]) < 1  # square tiles
        page.screenshot(path=str(ARTIFACTS / "feed-photo-picker-phone.png"), full_page=True)
        save.click()
        page.wait_for_url("**#my-review")
        review = Review.objects.get(product=product, author=shopper)
        assert stored_widths(review) == [320, 340]

        # The edit form shows the stored photos as tiles: add one, move it first, remove one.
        page.goto(f"{site.url}/products/{product.slug}/review/")
        picker = page.locator("[data-photo-picker]")
        tiles = picker.locator(".photo-tile:not([hidden])")
        assert tiles.count() == 2
        page.set_input_files("input[type=file]", files=[png(360, (200, 80, 120))])
        assert tiles.count() == 3
        tiles.nth(2).locator("[data-move=left]").click()
        tiles.nth(1).locator("[data-move=left]").click()
        assert tiles.nth(0).locator("[data-move=left]").is_disabled()
        tiles.nth(2).locator("[data-remove]").click()  # the stored 340-wide photo
        assert tiles.count() == 2
        page.locator(".details-form button[type=submit]").click()
        page.wait_for_url("**#my-review")
        assert stored_widths(review) == [360, 320]
        own_photos = page.locator("#my-review .review-photos img")
        assert own_photos.count() == 2
    finally:
        context.close()


def test_photo_picker_refuses_wrong_files_with_a_message(site, chromium):  # noqa: F811
    product = factories.ProductFactory(slug="flask")
    shopper = factories.UserFactory()
    services.review_post(author=shopper, product=product, rating=5)
    context = chromium.new_context(locale="en-US", **PHONE)
    page = context.new_page()
    try:
        log_in(page, site.url, shopper, f"/products/{product.slug}/review/")
        page.set_input_files("input[type=file]", files=[
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}, png(300, (10, 10, 10))])
        message = page.locator("[data-photo-message]")
        message.wait_for(state="visible")
        assert message.inner_text() == "notes.txt is not a JPEG, PNG, WebP or GIF image."
        assert page.locator(".photo-tile").count() == 1
    finally:
        context.close()
