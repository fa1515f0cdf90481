"""A real phone-sized browser (390x844) on issue 15 item 2, the incentive label
(docs/incentives.md), in Chinese and English: a trial tester's report (a free sample) carries
"Incentivized review · got a free sample" linked to the policy page; an ordinary review that
earned points carries no label; the footer discloses the points on every page.
Screenshots: artifacts/browser/incentive-<lang>-*.png."""
import pytest

from community import services as community
from community.models import Review
from community.trials import services as trials
from gamification.models import PointsEntry
from tests import factories
from tests.browser import ARTIFACTS, PHONE
from tests.test_trials import TrialProgramFactory, selected_tester

pytestmark = pytest.mark.browser

TEXT = "用了两个星期，每天晚上充一次电，颜色和图片一致，包装里有说明书和一根充电线。"
LANGUAGES = {
    "en": {"locale": "en-US", "label": "Incentivized review · got a free sample", "policy": "Reviews and rewards",
           "footer": "Every review earns the same points, whatever its stars."},
    "zh": {"locale": "zh-CN", "label": "激励评价 · 获赠免费样品", "policy": "评价与奖励",
           "footer": "每条评价获得的积分都一样，与星级无关。"},
}
POLICY_URL = "/help/reviews-and-rewards/"


def published(review):
    """The review as readers see it: screening may hold text for a moderator, who publishes it."""
    review.refresh_from_db()
    if review.status != Review.Status.PUBLISHED:
        community.review_moderate(review_id=review.pk, status=Review.Status.PUBLISHED)
        review.refresh_from_db()
    assert review.status == Review.Status.PUBLISHED
    return review


@pytest.fixture
def reviews(site, default_rules):
    """A product with a trial report (free sample) and an ordinary review that earned points."""
    product = factories.ProductFactory(name_zh="蓝牙耳机", name_en="Bluetooth earbuds", slug="earbuds")
    tester = factories.UserFactory(display_name="试用达人")
    app = selected_tester(TrialProgramFactory(product=product), tester)
    trial = published(trials.trial_report_post(user=tester, application=app, rating=3, text=TEXT))
    author = factories.UserFactory(display_name="普通买家")
    ordinary = published(community.review_post(author=author, product=product, rating=5, text=TEXT)[0])
    assert trial.incentive == Review.Incentive.FREE_SAMPLE and not ordinary.incentive
    assert PointsEntry.objects.filter(user=author, source_id=ordinary.pk, amount__gt=0).exists()
    return product, trial, ordinary


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_free_sample_review_is_labelled_and_the_one_with_points_is_not(site, chromium, reviews, lang):
    product, trial, ordinary = reviews
    want = LANGUAGES[lang]
    context = chromium.new_context(locale=want["locale"], **PHONE)
    page = context.new_page()
    try:
        page.goto(f"{site.url}/products/{product.slug}/")
        trial_card, ordinary_card = page.locator(f"#review-{trial.pk}"), page.locator(f"#review-{ordinary.pk}")
        assert trial_card.is_visible() and ordinary_card.is_visible()

        label = trial_card.locator(".badge-incentive")
        assert label.count() == 1 and label.is_visible()
        assert " ".join(label.inner_text().split()) == want["label"]
        assert label.get_attribute("href") == POLICY_URL
        assert label.get_attribute("data-incentive") == "free_sample"
        assert ordinary_card.locator(".badge-incentive").count() == 0
        assert want["label"] not in ordinary_card.inner_text()
        assert page.locator(".badge-incentive").count() == 1  # no other card is labelled
        label.scroll_into_view_if_needed()
        box, viewport = label.bounding_box(), page.viewport_size
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]  # whole on a phone's screen
        page.screenshot(path=str(ARTIFACTS / f"incentive-{lang}-label-phone.png"), full_page=True)

        # The footer's disclosure of the points every review earns, with its link to the policy.
        footer = page.locator(".site-footer")
        footer.scroll_into_view_if_needed()
        assert footer.is_visible()
        disclosure = footer.locator("p", has_text=want["footer"])
        assert disclosure.count() == 1 and disclosure.is_visible()
        assert disclosure.locator(f"a[href='{POLICY_URL}']").inner_text().strip() == want["policy"]
        page.screenshot(path=str(ARTIFACTS / f"incentive-{lang}-footer-phone.png"))

        # The label leads to the policy page.
        label.scroll_into_view_if_needed()
        label.click()
        page.wait_for_url(f"{site.url}{POLICY_URL}")
        assert page.locator("main h1").inner_text().strip() == want["policy"]
        assert " ".join(page.locator("main .badge-incentive").inner_text().split()) == want["label"]
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"the policy page is {width}px wide in a {inner}px window"
        page.screenshot(path=str(ARTIFACTS / f"incentive-{lang}-policy-phone.png"), full_page=True)
    finally:
        context.close()
