"""A real browser (Chromium through Playwright, phone 390x844): a moderator opens a ring case from
the queue, reads it, and invalidates the whole ring; the entry's vote count and the voters' points
fall. Then the voter sees the notice on their points page and appeals."""
import pytest
from django.contrib.auth.models import Group

from community.cocreation.models import Entry
from moderation.models import RingAppeal
from tests import factories
from tests.browser import ARTIFACTS, PHONE, log_in
from tests.ring_helpers import VOTE_POINTS, points, ring_case

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("default_rules")]


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_moderator_invalidates_a_ring_on_a_phone(site, chromium):
    moderator = factories.UserFactory()
    moderator.groups.add(Group.objects.get_or_create(name="moderators")[0])
    case, voters, entries, _events = ring_case(members=4, entries=2)
    assert [Entry.objects.get(pk=e.pk).vote_count for e in entries] == [4, 4]
    assert [points(v) for v in voters] == [2 * VOTE_POINTS] * 4

    context = chromium.new_context(locale="en-US", **PHONE)
    try:
        page = context.new_page()
        log_in(page, site.url, moderator, next_url="/moderation/")
        assert page.locator("#rings-count").inner_text() == "1"
        page.click("#rings-link")
        page.wait_for_selector(f"#ring-{case.pk}")
        no_sideways_scroll(page)
        page.click(f"#ring-{case.pk} a")
        page.wait_for_selector("#ring-decide-form")
        assert page.locator("#ring-members li").count() == 4
        assert "device A: 4 accounts" in page.locator(".ring-why").inner_text()
        # Targets by name, linked to the entry's page (not "entry #49"), wrapping on the phone.
        links = page.locator(".ring-targets a.ring-target")
        assert links.count() == 2
        assert {links.nth(i).get_attribute("href") for i in range(2)} == {f"/entries/{e.pk}/" for e in entries}
        assert all(links.nth(i).inner_text().startswith("Entry “") for i in range(2))
        assert "entry #" not in page.locator(".ring-targets").inner_text()
        assert page.locator("#ring-timeline a.ring-target").count() == 8  # 4 voters x 2 entries
        no_sideways_scroll(page)
        page.screenshot(path=str(ARTIFACTS / "ring-case-phone.png"), full_page=True)
        assert not page.locator(".ring-pick").is_visible()  # members only with "pick members"
        page.check("#decision-invalidate_all")
        page.fill("textarea[name=note]", "one device, same minute")
        page.click("#ring-decide-submit")
        page.wait_for_selector("#rings-empty")
        assert "8 interactions invalidated" in page.locator(".messages").inner_text()
        no_sideways_scroll(page)
    finally:
        context.close()

    assert [Entry.objects.get(pk=e.pk).vote_count for e in entries] == [0, 0]
    assert [points(v) for v in voters] == [0] * 4

    # The voter sees it on their points page and appeals.
    context = chromium.new_context(locale="en-US", **PHONE)
    try:
        page = context.new_page()
        log_in(page, site.url, voters[0], next_url="/me/points/")
        page.wait_for_selector("#invalidated-notice")
        no_sideways_scroll(page)
        page.click("#invalidated-link")
        page.wait_for_selector("#appeal-form")
        assert page.locator("#invalidation-list li").count() == 2
        no_sideways_scroll(page)
        page.fill("#id_text", "I vote for designs I like, nobody paid me")
        page.click("#appeal-submit")
        page.wait_for_selector("#invalidation-list")
        assert page.locator("#appeal-form").count() == 0
        page.screenshot(path=str(ARTIFACTS / "ring-appeal-phone.png"), full_page=True)
    finally:
        context.close()
    assert RingAppeal.objects.get(user=voters[0]).original_moderator == moderator
