import pytest
from django.utils import timezone

from community import services as community_services
from community.models import Review
from moderation.models import Case
from moderation.services import priority_for


@pytest.fixture
def queued_case(db, product):
    """Make queued cases for pending reviews by fresh authors: ``queued_case(risk=0.5)``."""
    from tests import factories

    def make(risk=0.5, reasons=("contact",), text="加我微信 abc12345 便宜卖", author=None):
        author = author or factories.UserFactory()
        review, _ = community_services.review_post(author=author, product=product, rating=3, text=text)
        Review.objects.filter(pk=review.pk).update(status=Review.Status.PENDING)
        now = timezone.now()
        case, _ = Case.objects.update_or_create(
            content_type="review", object_id=review.pk,
            defaults=dict(
                author=author, state=Case.State.QUEUED, risk=risk, queue_reasons=list(reasons), queued_at=now,
                priority=priority_for(risk=risk, reach=0, report_weight=0, queued_at=now), language="zh",
            ),
        )
        return case

    return make


@pytest.fixture(autouse=True)
def _empty_word_list(request):
    """Detector tests build their own word lists: start them from an empty table instead
    of the default list that migration 0002 loads (test_default_words.py covers that)."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames)
    if not uses_db or request.node.get_closest_marker("default_words"):
        yield
        return
    from moderation.detectors.lexicon import lexicon_invalidate
    from moderation.models import WordEntry

    if "transactional_db" not in request.fixturenames:
        request.getfixturevalue("db")
    WordEntry.objects.all().delete()
    lexicon_invalidate()
    yield
    lexicon_invalidate()
