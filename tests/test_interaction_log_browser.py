"""A real browser (Chromium, phone viewport) gets the device cookie on its first visit, cannot
read it from JavaScript, and its vote is logged with that device's hash and its browser family."""
import pytest

from community.integrity.models import InteractionEvent
from core.client_signals import DEVICE_COOKIE, signal_hash
from tests.browser import PHONE, log_in
from tests.challenge_helpers import make_challenge, old_user, published_entry

pytestmark = pytest.mark.browser
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/124.0.0.0 Mobile Safari/537.36")


def test_phone_gets_an_http_only_device_cookie_and_its_vote_carries_the_hash(site, chromium):
    entry = published_entry(make_challenge(allow_overlap=True))
    voter = old_user()
    context = chromium.new_context(locale="zh-CN", user_agent=ANDROID_CHROME, **PHONE)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/")
        cookie = next(c for c in context.cookies() if c["name"] == DEVICE_COOKIE)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert DEVICE_COOKIE not in page.evaluate("document.cookie")
        log_in(page, site.url, voter)
        page.goto(f"{site.url}/entries/{entry.pk}/")
        with page.expect_response(lambda r: f"/entries/{entry.pk}/vote/" in r.url and r.request.method == "POST"):
            page.locator("article.card button[aria-pressed]").click()  # votes in place
        # Still the first cookie: it is set once per browser.
        assert [c["value"] for c in context.cookies() if c["name"] == DEVICE_COOKIE] == [cookie["value"]]
    finally:
        context.close()
    row = InteractionEvent.objects.get(actor=voter, action=InteractionEvent.Action.ENTRY_VOTE)
    assert row.device_hash == signal_hash("device", cookie["value"]) and row.ua_family == "chrome-mobile"
    assert row.ip_prefix_hash and row.target_id == entry.pk
