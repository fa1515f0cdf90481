"""A real browser (Chromium through Playwright, phone 390x844): a moderator labels a sampled
interaction fake on the labelling list, and the ops page's fake-interaction figure changes."""
import pytest
from django.contrib.auth.models import Group

from community.integrity.models import InteractionEvent
from moderation import fakerate
from moderation.models import InteractionAuditSample
from moderation.tests.test_fakerate import log, yesterday
from tests import factories
from tests.browser import ARTIFACTS, PHONE, log_in

pytestmark = pytest.mark.browser


def test_label_a_sample_and_the_ops_figure_changes(site, chromium):
    moderator = factories.UserFactory()
    moderator.groups.add(Group.objects.get_or_create(name="moderators")[0])
    review = factories.review_with_words(author=factories.UserFactory(), product=factories.ProductFactory())
    InteractionEvent.objects.all().delete()
    log(50, target=review, invalid=1)
    samples = fakerate.fakerate_draw(day=yesterday(), size=2, seed=1)
    fakerate.fakerate_label(sample_id=samples[1].pk, moderator=moderator, label="genuine")

    context = chromium.new_context(locale="en-US", **PHONE)
    try:
        page = context.new_page()
        log_in(page, site.url, moderator, next_url="/moderation/ops/?days=7")
        section = page.locator("#fake-rate")
        assert section.get_attribute("data-status") == "yellow"  # 2%, but one label leaves the interval wide
        assert page.locator("#fake-audited").inner_text() == "0.0%"
        assert page.locator("#fake-combined-value").inner_text() == "2.0%"  # 1 invalidated of 50, 0 of 1 fake

        page.goto(f"{site.url}/moderation/fakerate/")
        card = page.locator(f"#fake-{samples[0].pk}")
        assert card.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        page.screenshot(path=str(ARTIFACTS / "fakerate-list-phone.png"), full_page=True)
        card.locator("button[value=fake]").click()
        page.wait_for_selector("#fakerate-empty")
        assert InteractionAuditSample.objects.get(pk=samples[0].pk).label == "fake"

        page.goto(f"{site.url}/moderation/ops/?days=7")
        assert page.locator("#fake-audited").inner_text() == "50.0%"  # 1 fake of 2 labelled
        assert page.locator("#fake-combined-value").inner_text() == "51.0%"  # 2% + 98% x 50%
        assert page.locator("#fake-rate").get_attribute("data-status") == "red"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.locator("#fake-rate").screenshot(path=str(ARTIFACTS / "fakerate-ops-phone.png"))
    finally:
        context.close()
