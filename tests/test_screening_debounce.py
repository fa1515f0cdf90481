"""An edit storm collapses into one screening of the last text: edits are screened after a
short delay, and a screening task for an older revision returns without screening."""
import pytest

from community import services
from moderation.models import Case, Event

pytestmark = pytest.mark.django_db


def _screenings(review):
    return Event.objects.filter(content_type="review", object_id=review.pk, actor__isnull=True).exclude(
        action__endswith=".submitted").count()


def test_thirty_edits_before_the_worker_runs_screen_once(shopper, product, django_capture_on_commit_callbacks,
                                                         settings):
    settings.MODERATION_EDIT_SCREEN_DELAY = 3
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = services.review_post(author=shopper, product=product, rating=4, text="第一版：质地清爽，吸收很快。")
    assert _screenings(review) == 1
    # The worker is slower than the typist: every edit commits before any of their screenings runs.
    with django_capture_on_commit_callbacks(execute=False) as pending:
        for n in range(30):
            services.review_post(author=shopper, product=product, rating=4, text=f"第{n + 2}版：质地清爽，吸收很快，用了两周。")
    for run in pending:
        run()
    case = Case.objects.get(content_type="review", object_id=review.pk)
    assert case.revision == 31
    assert _screenings(review) == 2  # the first version and the last one, nothing in between
    assert case.state != Case.State.SCREENING
