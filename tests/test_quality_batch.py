"""Batch scoring: the rescore path scores a batch exactly as items are scored one by
one, in a number of queries that does not grow with the batch, and the command fans
batches out to Celery with a progress display. Entries and comments are content too."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import services as community_services
from community.models import Review
from moderation.models import QualityScore, Report
from moderation.quality.services import quality_compute, quality_compute_many, quality_rescore_batch
from tests import factories

TEXTS = [
    "用了两周，吸力很强，地毯上的猫毛一次就能吸干净。续航大概40分钟，够打扫两室一厅。缺点是有点吵。",
    "好评好评好评！",
    "I have used it for a month. Battery lasts about 40 minutes; the bin is small (0.5 l) and it is loud.",
    "Great product!",
    "这个吸尘器用了两周，吸力很强，地毯上的猫毛一次就能吸干净，续航大概四十分钟",
]


@pytest.fixture
def reviews(product, django_capture_on_commit_callbacks):
    def make(n):
        out = []
        for i in range(n):
            text = TEXTS[i % len(TEXTS)] + ("" if i < len(TEXTS) else f" 第{i}次")
            with django_capture_on_commit_callbacks(execute=True):
                review, _ = community_services.review_post(
                    author=factories.UserFactory(), product=product, rating=(i % 5) + 1, text=text)
            out.append(review.pk)
        return out

    return make


@pytest.mark.django_db
def test_a_batch_scores_exactly_like_one_by_one(reviews):
    ids = reviews(12)  # repeats of the same texts: near-duplicates across authors
    Report.objects.create(content_type="review", object_id=ids[0], reporter=factories.UserFactory(),
                          reason="spam", status=Report.Status.UPHELD)
    one_by_one = {i: quality_compute(content_type="review", object_id=i) for i in ids}
    batch = quality_compute_many(content_type="review", object_ids=ids)
    assert {i: (r.score, r.components) for i, r in batch.items()} == {
        i: (r.score, r.components) for i, r in one_by_one.items()}
    assert any(r.components["facts"]["similar"] >= 1 for r in batch.values())  # the duplicates were seen
    assert batch[ids[0]].components["facts"].get("upheld_reports", 1) >= 1


@pytest.mark.django_db
def test_batch_queries_do_not_grow_with_the_batch(reviews):
    ids = reviews(30)

    def count(batch_ids):
        with CaptureQueriesContext(connection) as ctx:
            quality_rescore_batch(content_type="review", object_ids=batch_ids)
        return len(ctx.captured_queries)

    count(ids)  # warm the model / content-type caches
    QualityScore.objects.all().delete()
    Review.objects.update(quality_score=None)
    small = count(ids[:5])
    QualityScore.objects.all().delete()
    Review.objects.update(quality_score=None)
    assert count(ids) == small


@pytest.mark.django_db
def test_rescore_batch_stores_scores_and_forgets_rating_only(reviews, product):
    ids = reviews(5)
    rating_only, _ = community_services.review_post(author=factories.UserFactory(), product=product, rating=3)
    QualityScore.objects.create(content_type="review", object_id=rating_only.pk, score=1, band="low")
    Review.objects.filter(pk__in=ids).update(quality_score=None)
    QualityScore.objects.filter(object_id__in=ids).delete()
    stored, forgotten = quality_rescore_batch(content_type="review", object_ids=[*ids, rating_only.pk, 10**9])
    assert (stored, forgotten) == (5, 1)
    for review in Review.objects.filter(pk__in=ids):
        assert review.quality_score == QualityScore.objects.get(content_type="review", object_id=review.pk).score
        assert review.rank_score == community_services.review_rank_score(review.helpful_score, review.quality_score)
    assert not QualityScore.objects.filter(object_id=rating_only.pk).exists()


@pytest.mark.django_db
def test_rescore_command_through_celery_shows_progress(reviews):
    """Eager Celery on the embedded default: the same queue-and-follow path as with workers."""
    ids = reviews(7)
    QualityScore.objects.all().delete()
    Review.objects.update(quality_score=None)
    out = io.StringIO()
    call_command("quality", "rescore", "--celery", "--batch", "3", "--kind", "review", stdout=out)
    text = out.getvalue()
    assert "7 items queued in batches of 3" in text and "7/7 (100%)" in text and "Rescored 7 items" in text
    assert QualityScore.objects.filter(content_type="review", object_id__in=ids).count() == 7
    assert not Review.objects.filter(pk__in=ids, quality_score__isnull=True).exists()


@pytest.mark.django_db
def test_rescore_command_rejects_unknown_kind():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown kind 'nope'"):
        call_command("quality", "rescore", "--kind", "nope")


# --- entries and comments are content items too ------------------------------------------------


@pytest.fixture
def open_challenge(brand):
    from community.cocreation.models import Challenge

    now = timezone.now()
    return Challenge.objects.create(
        brand=brand, kind=Challenge.Kind.IDEA, title_zh="新口味", brief_zh="你希望下一款是什么口味？",
        opens_at=now - timedelta(days=1), entries_close_at=now + timedelta(days=3),
        voting_close_at=now + timedelta(days=5), closes_at=now + timedelta(days=6), state=Challenge.State.OPEN,
    )


@pytest.mark.django_db
def test_entries_and_comments_are_scored_and_comments_never_held(open_challenge, settings,
                                                                  django_capture_on_commit_callbacks):
    from community.cocreation.services import entry_comment_post, entry_submit
    from community.cocreation.models import Entry, EntryComment

    settings.QUALITY_HOLD_BELOW = 25
    author = factories.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        entry = entry_submit(author=author, challenge_id=open_challenge.pk,
                             text="我建议做一款低糖的青柠味：夏天喝很清爽，配料表里的糖降到每100毫升3克以下，"
                                  "瓶子换成330毫升的小瓶，方便带去健身房。")
    entry.refresh_from_db()
    assert entry.status == Entry.Status.PUBLISHED and entry.quality_score is not None
    assert QualityScore.objects.filter(content_type="entry", object_id=entry.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        comment = entry_comment_post(author=factories.UserFactory(), entry_id=entry.pk, text="好！")
    comment.refresh_from_db()
    row = QualityScore.objects.get(content_type="comment", object_id=comment.pk)
    assert row.band == "low"  # scored honestly...
    assert comment.status == EntryComment.Status.PUBLISHED  # ...but a short comment is not held


@pytest.mark.django_db
def test_audit_sample_is_stratified_over_reviews_entries_and_comments(open_challenge, reviews,
                                                                      django_capture_on_commit_callbacks):
    from community.cocreation.services import entry_comment_post, entry_submit
    from moderation import audit

    reviews(3)
    with django_capture_on_commit_callbacks(execute=True):
        entry = entry_submit(author=factories.UserFactory(), challenge_id=open_challenge.pk,
                             text="做一款无糖的桂花乌龙，冷泡也好喝，330毫升小瓶装，适合通勤路上喝。")
    with django_capture_on_commit_callbacks(execute=True):
        entry_comment_post(author=factories.UserFactory(), entry_id=entry.pk, text="这个想法很好，冷泡茶我每天都喝")
    assert audit.audited_kinds() == ["comment", "entry", "review"]
    drawn = audit.audit_draw(day=audit.site_today())
    assert sorted({s.content_type for s in drawn}) == ["comment", "entry", "review"]


# --- entries: quality in the default order, in the points, and in the author's notice ---------


@pytest.mark.django_db
def test_entry_default_order_weighs_quality_and_sinks_low_quality(open_challenge):
    from community.cocreation.services import fair_score

    assert fair_score(3, 10, 90) > fair_score(3, 10, 50) > fair_score(3, 10, None) > fair_score(3, 10, 20)
    assert fair_score(5, 10, 20) < fair_score(1, 10, 60)  # low quality loses more than a few votes' worth


@pytest.mark.django_db
def test_stored_entry_quality_moves_its_place_in_the_default_order(open_challenge):
    from community.cocreation.services import entry_set_quality_many, fair_score
    from community.cocreation.models import Entry

    entries = [Entry.objects.create(challenge=open_challenge, author=factories.UserFactory(), text=f"想法{i}",
                                    status=Entry.Status.PUBLISHED, published_at=timezone.now(), vote_count=2)
               for i in range(2)]
    assert entry_set_quality_many(scores={entries[0].pk: 85, entries[1].pk: 15}) == 2
    assert entry_set_quality_many(scores={entries[0].pk: 85, entries[1].pk: 15}) == 0  # idempotent
    good, low = (Entry.objects.get(pk=e.pk) for e in entries)
    assert good.fair_score == pytest.approx(fair_score(2, 0, 85), abs=1e-3)
    assert low.fair_score == pytest.approx(fair_score(2, 0, 15), abs=1e-3)
    assert good.fair_score > low.fair_score


@pytest.mark.django_db
def test_entry_points_are_scaled_by_quality(open_challenge, settings, django_capture_on_commit_callbacks):
    from community.cocreation.services import entry_submit
    from gamification.models import PointsEntry

    open_challenge.participation_points = 10
    open_challenge.save(update_fields=["participation_points"])
    detailed = ("我建议做一款低糖的青柠味：夏天喝很清爽，配料表里的糖降到每100毫升3克以下，瓶子换成330毫升的小瓶，"
                "方便带去健身房。现在的大瓶装喝不完，开盖第二天就没气了，所以小瓶更好。")
    with django_capture_on_commit_callbacks(execute=True):
        entry = entry_submit(author=factories.UserFactory(), challenge_id=open_challenge.pk, text=detailed)
    row = PointsEntry.objects.get(action="community.entry.published", key=f"community.entry.published:{entry.pk}")
    band = QualityScore.objects.get(content_type="entry", object_id=entry.pk).band
    multiplier = {"low": 0.5, "ok": 1.0, "good": 1.5, "great": 2.0}[band]
    assert band in ("good", "great") and row.amount == round(10 * multiplier) > 10


@pytest.mark.django_db
def test_low_quality_entry_is_held_with_an_entry_notice(open_challenge, settings, django_capture_on_commit_callbacks):
    from community.cocreation.services import entry_submit
    from community.cocreation.models import Entry
    from community.models import Notification

    settings.QUALITY_HOLD_BELOW = 25
    with django_capture_on_commit_callbacks(execute=True):
        entry = entry_submit(author=factories.UserFactory(), challenge_id=open_challenge.pk, text="好评好评好评！")
    entry.refresh_from_db()
    assert entry.status == Entry.Status.PENDING
    note = Notification.objects.get(user=entry.author, kind="moderation.entry.low_quality")
    assert note.url == f"/entries/{entry.pk}/" and "•" in note.body
    assert "Reviews that say" not in note.body and "评价" not in note.body.splitlines()[0]


@pytest.mark.django_db
def test_votes_on_an_entry_schedule_one_debounced_rescore(open_challenge, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from community.cocreation.services import entry_submit, entry_vote_toggle
    from community.cocreation.models import Challenge
    from moderation.quality.services import rescore_debounce_key

    with django_capture_on_commit_callbacks(execute=True):
        entry = entry_submit(author=factories.UserFactory(), challenge_id=open_challenge.pk,
                             text="做一款无糖的桂花乌龙，冷泡也好喝，330毫升小瓶装，适合通勤路上喝。")
    Challenge.objects.filter(pk=open_challenge.pk).update(allow_overlap=True)
    old = timezone.now() - timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _ in range(3):
            entry_vote_toggle(user=factories.UserFactory(date_joined=old), entry_id=entry.pk)
    for callback in callbacks:
        callback()
    assert cache.get(rescore_debounce_key("entry", entry.pk)) == 1  # one window for the burst
