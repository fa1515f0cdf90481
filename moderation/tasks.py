from celery import shared_task

from moderation import calibration, services


# ignore_result: nobody reads a screening's return value; storing it cost a Redis write per item.
@shared_task(name="moderation.case_screen", soft_time_limit=20, time_limit=30, ignore_result=True)
def case_screen(case_id, revision=None, content_type=None):
    """Screen this case, and with it the other cases already waiting (micro-batching,
    ``services.case_screen_batch``); returns how many were screened. Sent with ``content_type``
    it was rung by first submissions (``services.screening_ring``) and answers for all of them.

    Run eagerly (no broker: the task runs inside the request that submitted the item, after its
    commit) it screens its own item only: a request does not take on other people's waiting
    items (their own requests screen them)."""
    if case_screen.request.is_eager:
        return len(services.case_screen_batch(case_id=case_id, revision=revision, limit=1))
    if content_type:
        return len(services.screening_answer(case_id=case_id, revision=revision, content_type=content_type))
    return len(services.case_screen_batch(case_id=case_id, revision=revision))


@shared_task(name="moderation.screening_resume")
def screening_resume():
    """First submissions left waiting in screening (a lost task, an item a batch left): ring again."""
    return services.screening_resume()


@shared_task(name="moderation.expire_leases")
def expire_leases():
    return services.expire_leases()


@shared_task(name="moderation.classifier_retrain")
def classifier_retrain():
    """Retrain from moderators' decisions when enough new ones exist (beat, nightly)."""
    from moderation.classifier import retrain_if_needed

    result = retrain_if_needed()
    return result.version if result else None


@shared_task(name="moderation.audit_draw_daily")
def audit_draw_daily(day=None):
    """Draw yesterday's audit sample (beat, daily; idempotent: a rerun adds nothing)."""
    from datetime import timedelta

    from moderation import audit

    day = day or (audit.site_today() - timedelta(days=1)).isoformat()
    return len(audit.audit_draw(day=day))


@shared_task(name="moderation.fakerate_draw_daily")
def fakerate_draw_daily(day=None):
    """Draw yesterday's fake-interaction audit sample (beat; idempotent: a rerun adds nothing)."""
    from datetime import timedelta

    from moderation import audit, fakerate

    day = day or (audit.site_today() - timedelta(days=1)).isoformat()
    return len(fakerate.fakerate_draw(day=day))


@shared_task(name="moderation.quality_score_item", soft_time_limit=20, time_limit=30)
def quality_score_item(content_type, object_id):
    from moderation.quality.services import quality_score_item as score

    row = score(content_type=content_type, object_id=object_id)
    return row.score if row else None


@shared_task(name="moderation.quality_rescore", soft_time_limit=20, time_limit=30)
def quality_rescore(content_type, object_id):
    """Debounced rescore after votes or reports (see quality_rescore_soon)."""
    from moderation.quality.services import quality_rescore as rescore

    row = rescore(content_type=content_type, object_id=object_id)
    return row.score if row else None

@shared_task(name="moderation.quality_rescore_batch", soft_time_limit=300, time_limit=330)
def quality_rescore_batch(content_type, object_ids, run=None):
    """One batch of ``manage.py quality rescore --celery``: score and store the items, then
    add them to the run's progress counter (which the command polls)."""
    from django.core.cache import cache

    from moderation.quality.services import quality_rescore_batch as rescore

    scored, forgotten = rescore(content_type=content_type, object_ids=object_ids)
    if run:
        try:
            cache.incr(f"moderation:quality:rescore-run:{run}", len(object_ids))
        except ValueError:  # the run's counter expired: nobody is watching any more
            pass
    return [scored, forgotten]


# --- periodic operator work (calibration) ---------------------------------------------------


@shared_task(name="moderation.known_answer_requeue")
def known_answer_requeue(share=0.05, limit=50):
    """Keep about ``share`` of the queue as blind known-answer items (beat, hourly)."""
    return len(calibration.known_answer_requeue(share=share, limit=limit))


# --- integrity (issue 11) ---------------------------------------------------------------------

INTEGRITY_SCAN_LOCK = "moderation:integrity-scan:running"


@shared_task(name="moderation.integrity_scan", soft_time_limit=25 * 60, time_limit=28 * 60)
def integrity_scan():
    """The periodic scan (beat, every 30 minutes); returns its counts. One run at a time: a run
    that finds another going returns None (the lock expires should a worker die)."""
    from django.core.cache import cache

    from moderation.integrity_scan import scan

    if not cache.add(INTEGRITY_SCAN_LOCK, 1, timeout=29 * 60):
        return None
    try:
        return scan().counts
    finally:
        cache.delete(INTEGRITY_SCAN_LOCK)
