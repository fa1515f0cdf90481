"""The one way to enqueue Celery work from a service.

A bare ``task.delay()`` inside a transaction can run before the rows it reads
are committed (or after they were rolled back). ``enqueue_on_commit`` defers the
send until the surrounding transaction commits; outside a transaction it sends
at once. Task arguments are ids only.
"""
from functools import partial

from django.db import transaction


def enqueue_on_commit(task, *, using=None, countdown=None, **ids):
    """``countdown``: seconds the task waits in the queue (ignored when tasks run eagerly)."""
    options = {"countdown": countdown} if countdown else {}
    transaction.on_commit(partial(task.apply_async, kwargs=ids, **options), using=using)
