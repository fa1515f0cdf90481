"""A real browser (Debian's Chromium through Playwright) votes in a poll on a phone: the tap is
counted in place, every option's share and the total move without a page load, and the poll's
one-vote limit comes back as a message. Screenshot: artifacts/browser/poll-vote.png."""
import pytest

from community.cocreation import polls
from community.cocreation.models import PollVote
from tests.browser import ARTIFACTS, PHONE, log_in
from tests.challenge_helpers import old_user
from tests.test_browser import site  # noqa: F401  (the live server that also serves media)
from tests.test_polls import make_poll, options_of

pytestmark = pytest.mark.browser


def test_a_poll_vote_updates_every_option_in_place_on_a_phone(site, chromium):  # noqa: F811
    challenge = make_poll(images=False)
    first, second, _third = options_of(challenge)
    earlier = old_user()
    polls.poll_vote_toggle(user=earlier, option_id=second.pk)  # someone voted before: 0% / 100% / 0%
    voter = old_user()
    context = chromium.new_context(locale="en-US", **PHONE)
    page = context.new_page()
    try:
        log_in(page, site.url, voter)
        page.goto(f"{site.url}/challenges/{challenge.pk}/#poll")
        option = page.locator(f'[data-poll-option="{first.pk}"]')
        other = page.locator(f'[data-poll-option="{second.pk}"]')
        assert other.locator("[data-poll-percent]").inner_text() == "100%"
        page.evaluate("window.__noReload = true")  # gone if the tap loads a new page
        with page.expect_response(lambda r: r.url.endswith(f"/polls/options/{first.pk}/vote/")):
            option.locator("button[type=submit]").click()
        page.wait_for_function(
            "el => el.getAttribute('aria-pressed') === 'true'",
            arg=option.locator("button[type=submit]").element_handle())
        assert page.evaluate("window.__noReload === true")
        assert option.locator("[data-poll-percent]").inner_text() == "50%"
        assert other.locator("[data-poll-percent]").inner_text() == "50%"
        assert option.locator("[data-poll-votes]").inner_text() == "1 vote"
        assert "is-voted" in option.get_attribute("class")
        assert page.locator("[data-poll-total]").inner_text() == "2 votes"
        assert option.locator("button[type=submit]").inner_text().strip() == "Voted"
        assert PollVote.objects.filter(user=voter, option=first).exists()

        # The poll allows one vote: a second option is refused with a message, nothing changes.
        other.locator("button[type=submit]").click()
        page.locator("#toast").filter(has_text="all 1 of your votes").wait_for()
        assert other.locator("[data-poll-percent]").inner_text() == "50%"
        assert page.evaluate("window.__noReload === true")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / "poll-vote.png"), full_page=False)

        # A second tap withdraws, in place.
        with page.expect_response(lambda r: r.url.endswith(f"/polls/options/{first.pk}/vote/")):
            option.locator("button[type=submit]").click()
        page.wait_for_function(
            "el => el.getAttribute('aria-pressed') === 'false'",
            arg=option.locator("button[type=submit]").element_handle())
        assert other.locator("[data-poll-percent]").inner_text() == "100%"
        assert not PollVote.objects.filter(user=voter).exists()
    finally:
        context.close()
