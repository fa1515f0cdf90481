from celery import shared_task

from moderation import services


@shared_task(name="moderation.case_screen", soft_time_limit=20, time_limit=30)
def case_screen(case_id, revision=None):
    case = services.case_screen(case_id=case_id, revision=revision)
    return case.state if case else None


@shared_task(name="moderation.expire_leases")
def expire_leases():
    return services.expire_leases()


@shared_task(name="moderation.classifier_retrain")
def classifier_retrain():
    """Retrain from moderators' decisions when enough new ones exist (beat, nightly)."""
    from moderation.classifier import retrain_if_needed

    result = retrain_if_needed()
    return result.version if result else None
