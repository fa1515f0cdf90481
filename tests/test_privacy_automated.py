"""Automated decisions (PIPL Art. 24): a hold or rejection by screening tells the author the
reason in plain words and the way to a person (docs/privacy-consent-access.md)."""
import pytest

from community import services as community_services
from community.models import Notification
from moderation.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _screen(product, author, text, capture):
    with capture(execute=True):
        review, _ = community_services.review_post(author=author, product=product, rating=3, text=text)
    return Case.objects.get(content_type="review", object_id=review.pk)


def test_a_screening_hold_tells_the_author_why(product, shopper, django_capture_on_commit_callbacks):
    case = _screen(product, shopper, "Good blender, ask me at 13800138000 for details", django_capture_on_commit_callbacks)
    assert case.state == Case.State.QUEUED and case.ai_decision == "queue"
    note = Notification.objects.get(user=shopper, kind="moderation.review.held")
    assert "personal data, such as a phone or ID number" in note.body or "contact details" in note.body
    assert "you can appeal" in note.body


def test_an_ai_rejection_links_to_the_appeal(product, shopper, django_capture_on_commit_callbacks, settings):
    from moderation.models import Threshold

    Threshold.objects.update_or_create(content_type="review", defaults={"publish_below": 0.05, "reject_at": 0.1})
    case = _screen(product, shopper, "加我微信 abc12345 便宜卖 加V abc12345", django_capture_on_commit_callbacks)
    assert case.state == Case.State.REJECTED and case.decided_by is None
    note = Notification.objects.get(user=shopper, kind="moderation.review.rejected")
    assert note.url == f"/moderation/cases/{case.pk}/appeal/"
    assert not Notification.objects.filter(user=shopper, kind="moderation.review.held").exists()


def test_a_clean_review_sends_no_hold_notice(product, shopper, django_capture_on_commit_callbacks):
    case = _screen(product, shopper, "Blends frozen fruit smoothly and is easy to clean after use.",
                   django_capture_on_commit_callbacks)
    assert case.state == Case.State.APPROVED
    assert not Notification.objects.filter(user=shopper, kind="moderation.review.held").exists()
