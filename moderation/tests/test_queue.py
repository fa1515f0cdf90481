import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import Notification, Review
from core.errors import PermissionDeniedError, ServiceError
from moderation import services
from moderation.models import Appeal, Case, Event, Report
from tests import factories

pytestmark = pytest.mark.django_db


def _moderator():
    from django.contrib.auth.models import Group

    user = factories.UserFactory()
    user.groups.add(Group.objects.get_or_create(name="moderators")[0])
    return user


def test_claim_next_gives_highest_priority_under_a_lease(queued_case, moderator):
    low = queued_case(risk=0.4)
    high = queued_case(risk=0.8)
    case = services.case_claim_next(moderator=moderator)
    assert case.pk == high.pk
    assert case.claimed_by == moderator
    assert timedelta(minutes=9) < case.lease_expires_at - timezone.now() <= timedelta(minutes=10)
    other = _moderator()
    assert services.case_claim_next(moderator=other).pk == low.pk
    assert services.case_claim_next(moderator=_moderator()) is None


def test_expired_lease_returns_item_to_queue(queued_case, moderator):
    case = queued_case()
    services.case_claim_next(moderator=moderator)
    Case.objects.filter(pk=case.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    other = _moderator()
    assert services.case_claim_next(moderator=other).pk == case.pk


def test_reject_hides_content_audits_and_notifies(queued_case, moderator):
    case = queued_case()
    services.case_claim_next(moderator=moderator)
    services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="spam", note="No ads")
    case.refresh_from_db()
    review = Review.objects.get(pk=case.object_id)
    assert case.state == Case.State.REJECTED and review.status == Review.Status.REJECTED
    event = Event.objects.filter(case=case, action="moderation.review.rejected").get()
    assert (event.actor, event.reason, event.old_state, event.new_state) == (moderator, "spam", "queued", "rejected")
    note = Notification.objects.get(user=case.author)
    assert "Spam" in note.display_title or "广告" in note.display_title
    with pytest.raises(ServiceError):
        services.case_decide(case_id=case.pk, moderator=moderator, approve=True)


def test_reject_needs_a_reason_and_another_moderators_lease_is_respected(queued_case, moderator):
    case = queued_case()
    with pytest.raises(ServiceError) as err:
        services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="")
    assert "reason" in err.value.fields
    services.case_claim_next(moderator=moderator)
    with pytest.raises(PermissionDeniedError):
        services.case_decide(case_id=case.pk, moderator=_moderator(), approve=True)


def test_events_are_append_only(queued_case, moderator):
    case = queued_case()
    services.case_decide(case_id=case.pk, moderator=moderator, approve=True)
    event = Event.objects.filter(case=case).first()
    event.reason = "tampered"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_bulk_decide_skips_items_held_by_others(queued_case, moderator):
    a, b, c = queued_case(), queued_case(), queued_case()
    other = _moderator()
    Case.objects.filter(pk=c.pk).update(claimed_by=other, lease_expires_at=timezone.now() + timedelta(minutes=5))
    done, skipped = services.case_bulk_decide(case_ids=[a.pk, b.pk, c.pk], moderator=moderator, approve=True)
    assert sorted(done) == sorted([a.pk, b.pk]) and skipped == [c.pk]
    assert Event.objects.filter(data__bulk=True).count() == 2


def test_appeal_goes_to_a_different_moderator_once_and_is_final(queued_case, moderator):
    case = queued_case()
    services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="spam")
    author = case.author
    with pytest.raises(ServiceError):
        services.appeal_create(author=author, case_id=case.pk, message="")
    services.appeal_create(author=author, case_id=case.pk, message="It was a real review")
    with pytest.raises(ServiceError):
        services.appeal_create(author=author, case_id=case.pk, message="again")
    assert services.case_claim_next(moderator=moderator) is None  # not offered to the original moderator
    with pytest.raises(PermissionDeniedError):
        services.case_decide(case_id=case.pk, moderator=moderator, approve=True)
    second = _moderator()
    assert services.case_claim_next(moderator=second).pk == case.pk
    services.case_decide(case_id=case.pk, moderator=second, approve=True, note="Fair enough")
    appeal = Appeal.objects.get(case=case)
    assert appeal.status == Appeal.Status.OVERTURNED and appeal.decided_by == second
    assert Review.objects.get(pk=case.object_id).status == Review.Status.PUBLISHED


def test_reports_weigh_by_trust_hide_at_threshold_and_reporters_learn_outcome(
    shopper, product, moderator, django_capture_on_commit_callbacks
):
    from community import services as cs

    with django_capture_on_commit_callbacks(execute=True):
        review, _ = cs.review_post(author=shopper, product=product, rating=5, text="保温效果不错，用了一个月")
    assert Case.objects.get(object_id=review.pk).state == Case.State.APPROVED
    reporters = [factories.UserFactory() for _ in range(4)]
    for reporter in reporters[:2]:
        services.report_create(reporter=reporter, content_type="review", object_id=review.pk, reason="spam")
    review.refresh_from_db()
    assert review.status == Review.Status.PUBLISHED  # 2 × 1.0 is below the 3.0 threshold
    with pytest.raises(ServiceError):
        services.report_create(reporter=reporters[0], content_type="review", object_id=review.pk, reason="spam")
    with pytest.raises(PermissionDeniedError):
        services.report_create(reporter=shopper, content_type="review", object_id=review.pk, reason="spam")
    services.report_create(reporter=reporters[2], content_type="review", object_id=review.pk, reason="fake")
    review.refresh_from_db()
    case = Case.objects.get(content_type="review", object_id=review.pk)
    assert review.status == Review.Status.PENDING and case.state == Case.State.QUEUED
    assert "reported" in case.queue_reasons
    services.case_decide(case_id=case.pk, moderator=moderator, approve=False, reason_code="fake")
    assert set(Report.objects.values_list("status", flat=True)) == {Report.Status.UPHELD}
    assert Notification.objects.filter(user=reporters[0], kind="moderation.report.upheld").exists()
    # An upheld reporter now weighs more than a fresh one.
    assert services.report_weight_for(reporters[0]) > services.report_weight_for(reporters[3])


def test_reports_are_rate_limited(shopper, product, settings):
    from community import services as cs

    services.REPORTS_PER_HOUR, old = 2, services.REPORTS_PER_HOUR
    try:
        reporter = factories.UserFactory()
        for i in range(3):
            author = factories.UserFactory()
            review, _ = cs.review_post(author=author, product=product, rating=1, text=f"评价{i}")
            if i < 2:
                services.report_create(reporter=reporter, content_type="review", object_id=review.pk, reason="spam")
            else:
                with pytest.raises(ServiceError) as err:
                    services.report_create(reporter=reporter, content_type="review", object_id=review.pk,
                                           reason="spam")
                assert err.value.status_code == 429
    finally:
        services.REPORTS_PER_HOUR = old


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_moderators_claiming_at_once_never_share_an_item(queued_case):
    cases = [queued_case(risk=0.3 + i * 0.01) for i in range(12)]
    moderators = [_moderator() for _ in range(20)]
    barrier = threading.Barrier(len(moderators))
    got, errors = {}, []

    def claim(mod):
        try:
            barrier.wait()
            case = services.case_claim_next(moderator=mod)
            got[mod.pk] = case.pk if case else None
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(m,)) for m in moderators]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    claimed = [v for v in got.values() if v is not None]
    assert len(claimed) == len(set(claimed)) == len(cases)
    assert list(got.values()).count(None) == 20 - len(cases)
    assert Case.objects.filter(claimed_by__isnull=False).count() == len(cases)


@pytest.mark.postgres
def test_the_written_out_queue_rows_equal_the_orms(queued_case, moderator):
    # queue_rows reads PostgreSQL with its own statement: the same cases, in the same order, with
    # the same values and holders as the ORM's queryset, under every filter.
    from moderation import selectors

    queued_case(risk=0.9, reasons=("contact", "reported"))
    held = queued_case(risk=0.7, reasons=("appeal",))
    queued_case(risk=0.3, reasons=("banned_words",))
    english = queued_case(risk=0.5)
    Case.objects.filter(pk=english.pk).update(language="en", detectors=[{"name": "contact", "labels": ["phone"]}])
    Case.objects.filter(pk=held.pk).update(claimed_by=moderator, lease_expires_at=timezone.now() + timedelta(minutes=5))
    Case.objects.filter(pk=queued_case().pk).update(state=Case.State.APPROVED)  # not queued: never listed
    fields = [f.attname for f in Case._meta.concrete_fields
              if f.primary_key or f.name in selectors.QUEUE_ROW_FIELDS]

    def shown(cases):
        return [([getattr(c, name) for name in fields], c.claimed_by and (c.claimed_by.pk, c.claimed_by.public_name,
                                                                        c.claimed_by.is_active)) for c in cases]

    checked = 0
    for filters in ({}, {"content_type": "review"}, {"content_type": "entry"}, {"reason": "reported"},
                    {"reason": "appeal"}, {"language": "en"}, {"language": "zh", "reason": "contact"}):
        for limit in (50, 2):
            orm = list(selectors.queue_queryset(**filters).only(*selectors.QUEUE_ROW_FIELDS)[:limit])
            with CaptureQueriesContext(connection) as queries:
                rows = selectors.queue_rows(limit=limit, **filters)
                shown_rows = shown(rows)  # holders and the fields a row shows: no further query
            assert shown_rows == shown(orm), filters
            assert len(queries) == 1
            checked += len(rows)
    assert checked == 4 + 4 + 0 + 1 + 1 + 1 + 1 + 2 + 2 + 0 + 1 + 1 + 1 + 1
    assert selectors.queue_rows(limit=50, language="en")[0].detectors == [{"name": "contact", "labels": ["phone"]}]
