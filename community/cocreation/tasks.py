"""Celery entry points for challenges (imported from community/tasks.py for autodiscovery)."""
from celery import shared_task


@shared_task(name="community.challenges_advance")
def challenges_advance():
    """Beat: move challenges between states on time; idempotent."""
    from community.cocreation.services import challenges_advance as advance

    return advance()
