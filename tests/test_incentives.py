"""The incentive disclosure (docs/incentives.md): points every review earns alike are disclosed
site-wide and do not label the card; something of value given for a specific review (a trial's
free sample) labels the card "Incentivized review" with its reason, on the page and in the API."""
import pytest
from rest_framework.test import APIClient

from community import services as community
from community.models import Review
from community.trials import services as trials
from gamification.models import PointsEntry
from tests import factories
from tests.test_trials import TrialProgramFactory, selected_tester

pytestmark = pytest.mark.django_db

LABEL_EN = "Incentivized review · got a free sample"
LABEL_ZH = "激励评价 · 获赠免费样品"
TEXT = "用了两个星期，每天晚上充一次电，颜色和图片一致，包装里有说明书和一根充电线。"


def published(review, capture):
    review.refresh_from_db()
    if review.status != Review.Status.PUBLISHED:  # screening held it: publish as a moderator would
        with capture(execute=True):
            community.review_moderate(review_id=review.pk, status=Review.Status.PUBLISHED)
        review.refresh_from_db()
    return review


def card(body, review):
    start = body.index(f'id="review-{review.pk}"')
    return body[start:body.index("</article>", start)]


def api_review(review, language="en"):
    rows = APIClient().get(f"/api/products/{review.product.slug}/reviews/", HTTP_ACCEPT_LANGUAGE=language).json()
    return next(r for r in rows["results"] if r["id"] == review.pk)


def test_points_for_any_review_do_not_label_it(client, default_rules, product, django_capture_on_commit_callbacks):
    """A one-star and a five-star review with text earn the same points, and neither card is labelled."""
    happy, unhappy = factories.UserFactory(), factories.UserFactory()
    reviews = {}
    for author, stars in ((happy, 5), (unhappy, 1)):
        with django_capture_on_commit_callbacks(execute=True):
            review, _ = community.review_post(author=author, product=product, rating=stars, text=TEXT)
        reviews[stars] = published(review, django_capture_on_commit_callbacks)

    def earned(review):
        return sorted(PointsEntry.objects.filter(source_id=review.pk, user=review.author).values_list("action", "amount"))

    assert earned(reviews[5]) == earned(reviews[1])  # not conditioned on the sentiment
    assert {action for action, _ in earned(reviews[5])} == {"community.review.rated", "community.review.content"}
    assert all(amount > 0 for _, amount in earned(reviews[5]))

    body = client.get(f"/products/{product.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for review in reviews.values():
        assert "badge-incentive" not in card(body, review)
        data = api_review(review)
        assert (data["incentivized"], data["incentive"], data["incentive_label"]) == (False, "", "")
    # The site-wide disclosure of those points, in the footer with a link to the policy page.
    assert "Every review earns the same points, whatever its stars." in body
    assert 'href="/help/reviews-and-rewards/"' in body


def test_a_trial_report_is_labelled_with_its_reason(client, product, shopper, django_capture_on_commit_callbacks):
    app = selected_tester(TrialProgramFactory(product=product), shopper)
    with django_capture_on_commit_callbacks(execute=True):
        review = trials.trial_report_post(user=shopper, application=app, rating=2, text=TEXT)
    review = published(review, django_capture_on_commit_callbacks)
    assert review.incentive == Review.Incentive.FREE_SAMPLE and review.incentivized

    en = card(client.get(f"/products/{product.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode(), review)
    assert LABEL_EN in en and 'data-incentive="free_sample"' in en and "trial tester" in en
    zh = card(client.get(f"/products/{product.slug}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode(), review)
    assert LABEL_ZH in zh

    data = api_review(review)
    assert (data["incentivized"], data["incentive"], data["incentive_label"], data["trial_sample"]) == (
        True, "free_sample", "got a free sample", True)
    assert api_review(review, "zh-hans")["incentive_label"] == "获赠免费样品"


def test_a_free_sample_outside_a_trial_is_labelled_without_the_trial(
    client, product, shopper, django_capture_on_commit_callbacks
):
    """The demo's sample reviews: a free sample the brand sent, no trial program behind it."""
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = community.review_post(author=shopper, product=product, rating=4, text=TEXT,
                                          incentive=Review.Incentive.FREE_SAMPLE)
    review = published(review, django_capture_on_commit_callbacks)
    body = card(client.get(f"/products/{product.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode(), review)
    assert LABEL_EN in body and "trial tester" not in body
    data = api_review(review)
    assert (data["incentivized"], data["incentive"], data["trial_sample"]) == (True, "free_sample", False)


def test_the_policy_page_and_the_schema_say_the_same(client):
    page = client.get("/help/reviews-and-rewards/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert "a one-star review earns what a five-star review earns" in body
    assert "Incentivized review · got a free sample" in body
    zh = client.get("/help/reviews-and-rewards/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert LABEL_ZH in zh

    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en").json()
    review = schema["components"]["schemas"]["ReviewOutput"]["properties"]
    assert "Incentivized review" in review["incentivized"]["description"]
    assert "free_sample" in review["incentive"]["description"]
    help_text = str(Review._meta.get_field("incentive").help_text)
    assert "Incentivized review" in help_text and "points every review earns alike" in help_text
