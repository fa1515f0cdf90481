"""Every report puts the item in front of a moderator; the weight threshold decides only
whether it is also hidden before a decision. Personal-data and abuse reports come first."""
import pytest

from community import services
from community.models import Review
from moderation import services as moderation
from moderation.models import Case, Report
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_review(product, django_capture_on_commit_callbacks):
    """A review published through screening, as in production."""
    def make(text="质地清爽，吸收快，用了两周皮肤不干。"):
        with django_capture_on_commit_callbacks(execute=True):
            review, _ = services.review_post(author=factories.UserFactory(), product=product, rating=5, text=text)
        review.refresh_from_db()
        assert review.status == Review.Status.PUBLISHED
        assert Case.objects.get(content_type="review", object_id=review.pk).state == Case.State.APPROVED
        return review
    return make


def test_one_report_queues_the_item_but_keeps_it_public(published_review):
    review = published_review()
    moderation.report_create(reporter=factories.UserFactory(), content_type="review", object_id=review.pk,
                             reason="spam")
    case = Case.objects.get(content_type="review", object_id=review.pk)
    assert case.state == Case.State.QUEUED and "reported" in case.queue_reasons
    review.refresh_from_db()
    assert review.status == Review.Status.PUBLISHED  # one report hides nothing


def test_personal_data_reports_come_before_spam_reports(published_review):
    spam, leak = published_review(), published_review(text="另一条评价，说得很具体的使用感受。")
    moderation.report_create(reporter=factories.UserFactory(), content_type="review", object_id=spam.pk,
                             reason="spam")
    moderation.report_create(reporter=factories.UserFactory(), content_type="review", object_id=leak.pk,
                             reason="personal_data")
    order = list(Case.objects.filter(state=Case.State.QUEUED).order_by("-priority").values_list("object_id",
                                                                                                flat=True))
    assert order.index(leak.pk) < order.index(spam.pk)


def test_enough_weight_hides_before_a_decision(published_review):
    review = published_review()
    for _ in range(3):
        moderation.report_create(reporter=factories.UserFactory(), content_type="review", object_id=review.pk,
                                 reason="abuse")
    case = Case.objects.get(content_type="review", object_id=review.pk)
    assert case.report_weight >= moderation.REPORT_HIDE_WEIGHT and "reported_hidden" in case.queue_reasons
    review.refresh_from_db()
    assert review.status != Review.Status.PUBLISHED
    assert Report.objects.filter(object_id=review.pk, status=Report.Status.OPEN).count() == 3


def test_a_moderator_keeping_the_item_tells_the_reporter_not_the_author(published_review, moderator):
    from community.models import Notification

    review = published_review()
    reporter = factories.UserFactory()
    moderation.report_create(reporter=reporter, content_type="review", object_id=review.pk, reason="off_topic")
    case = Case.objects.get(content_type="review", object_id=review.pk)
    moderation.case_decide(case_id=case.pk, moderator=moderator, approve=True)
    case.refresh_from_db()
    assert case.state == Case.State.APPROVED
    assert Report.objects.get(object_id=review.pk).status == Report.Status.DISMISSED
    assert Notification.objects.filter(user=reporter, kind="moderation.report.dismissed").exists()
    assert not Notification.objects.filter(user=review.author, kind__startswith="moderation.review.").exists()
