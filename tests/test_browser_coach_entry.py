"""A real browser (Debian's Chromium through Playwright) drives the writing coach on a
challenge entry.

A signed-in shopper types in the entry form of an open challenge; static/js/coach.js
asks /api/quality/coach/ with the challenge after typing pauses and shows the band and
entry hints in place, counting the images picked in the form.
Screenshots: artifacts/browser/coach-entry-low.png, artifacts/browser/coach-entry.png.
"""

import pytest

from community.cocreation.models import Entry
from tests import factories
from tests.challenge_helpers import make_challenge
from tests.browser import ARTIFACTS, COACH_API, PHONE, coach_band, coach_type_better

pytestmark = pytest.mark.browser


TEMPLATE_TEXT = "好评好评"
DETAILED_IDEA = (
    "我希望出一款 330ml 的桂花乌龙味气泡水，每瓶糖只放 5 克，是现在的一半。因为现在的柠檬味太甜了，"
    "夏天喝完反而更渴；换成乌龙茶底，清爽又有香味，这样下午开会时也能喝。"
)
PANEL = "#submit [data-coach]"


def test_entry_coach_shows_band_and_hints_while_typing_and_band_improves(site, chromium, tmp_path):
    challenge = make_challenge(
        title_zh="夏日新口味征集", title_en="Summer flavour ideas",
        brief_zh="告诉我们你想要的新口味：什么味道、给谁喝、在什么时候喝。",
        brief_en="Tell us the new flavour you want: what it tastes like, who drinks it, and when.",
    )
    assert challenge.accepts_entries
    shopper = factories.UserFactory(display_name="出主意的人")
    sketches = []
    for i in range(2):
        path = tmp_path / f"sketch-{i}.png"
        path.write_bytes(factories.image_bytes("PNG"))
        sketches.append(str(path))

    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    coach_calls = []
    page.on("request", lambda r: coach_calls.append(r) if r.url.endswith(COACH_API) else None)
    detail = f"/challenges/{challenge.pk}/"
    try:
        page.goto(f"{site.url}/accounts/login/?next={detail}")
        page.fill("input[name=login]", shopper.email)
        page.fill("input[name=password]", "pass12345!")
        page.click(".auth-card button[type=submit]")
        page.wait_for_url(f"**{detail}")
        page.wait_for_load_state("load")

        panel = page.locator("#submit [data-coach]")
        assert panel.is_hidden()  # nothing typed yet
        assert panel.get_attribute("aria-live") == "polite"
        assert panel.get_attribute("data-challenge") == str(challenge.pk)
        entry_url = page.url
        navigations = []
        page.on("framenavigated", lambda f: navigations.append(f.url) if f == page.main_frame else None)
        page.evaluate("window.__sameDocument = true")
        nav_entries = page.evaluate("performance.getEntriesByType('navigation').length")

        # A template phrase, typed key by key faster than the 400 ms debounce.
        textarea = page.locator("#submit textarea[name=text]")
        with page.expect_response(lambda r: r.url.endswith(COACH_API)) as first:
            textarea.press_sequentially(TEMPLATE_TEXT, delay=60)
        assert first.value.status == 200
        sent = first.value.request.post_data_json
        assert sent["challenge"] == challenge.pk and "product" not in sent and "rating" not in sent
        assert sent["photos"] == 0
        assert first.value.json()["band"] == "low"
        page.wait_for_selector("#submit [data-coach].band-low", state="visible")
        page.wait_for_selector("#submit [data-coach-hints] li[data-code=template]")
        low = coach_band(page, PANEL)
        assert low["band"] == "low" and not low["hidden"] and low["live"] == "polite"
        assert "/100" in low["text"]
        hints = page.locator("#submit [data-coach-hints] li")
        assert hints.count() >= 2
        assert "好评好评" in page.inner_text("#submit [data-coach-hints] li[data-code=template]")
        # Entry hints, not review ones: no "say how long you used it", an image rather than a photo.
        shown = [hints.nth(i).get_attribute("data-code") for i in range(hints.count())]
        assert "add_duration" not in shown and "add_photo" not in shown
        assert "entry_too_short" in shown
        # Debounced: one request for the whole phrase, not one per keystroke.
        assert len(coach_calls) < len(TEMPLATE_TEXT)
        calls_after_template = len(coach_calls)

        # No reload, no navigation: same document, same URL.
        assert page.evaluate("window.__sameDocument") is True
        assert page.evaluate("performance.getEntriesByType('navigation').length") == nav_entries
        assert page.url == entry_url
        assert navigations == []
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "coach-entry-low.png"), full_page=True)

        # Replace it with a detailed idea: what to change and why, with figures.
        data, _panel = coach_type_better(page, textarea, DETAILED_IDEA, low, panel=PANEL)
        assert page.locator("#submit [data-coach-hints] li[data-code=template]").count() == 0
        assert page.locator("#submit [data-coach-hints] li[data-code=add_reason]").count() == 0
        assert page.locator("#submit [data-coach-hints] li[data-code=add_image]").count() == 1
        # Debounced again: far fewer requests than keystrokes.
        assert len(coach_calls) - calls_after_template < len(DETAILED_IDEA) // 4

        # Picking images counts them as the entry's photos (the file input's files.length).
        with page.expect_response(
            lambda r: r.url.endswith(COACH_API) and r.request.post_data_json["photos"] == 2
        ) as third:
            page.set_input_files("#submit input[type=file][name=images]", sketches)
        with_images = third.value.json()
        assert with_images["score"] > data["score"]
        page.wait_for_function(
            "score => document.querySelector('#submit [data-coach-band]').textContent.endsWith(score + '/100')",
            arg=with_images["score"],
        )
        assert page.locator("#submit [data-coach-hints] li[data-code=add_image]").count() == 0

        assert page.evaluate("window.__sameDocument") is True
        assert page.evaluate("performance.getEntriesByType('navigation').length") == nav_entries
        assert page.url == entry_url
        assert navigations == []
        # The coach writes nothing: no entry until the form is sent.
        assert not Entry.objects.filter(author=shopper).exists()
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "coach-entry.png"), full_page=True)
    finally:
        context.close()
