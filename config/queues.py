"""Celery queues and routing by task-name pattern (docs/deploy.md, "Celery queues").

Four queues, one worker pool each in production (``make worker QUEUE=screening``):

- ``screening``: latency-critical, a shopper waits for their review to appear;
- ``default`` (CELERY_TASK_DEFAULT_QUEUE): points, badges, thumbnails, phase changes, and every
  task no pattern names;
- ``batch``: rescoring, rebuilds, rollups, scans, exports, retraining, nightly jobs;
- ``email``: outgoing mail, so a slow SMTP server holds up nothing else.

Routes are fnmatch patterns over the task's ``name=``, in ``CELERY_QUEUE_PATTERNS`` (settings),
first match wins; a task no pattern names goes to ``default``. So tasks added later are routed
by their name alone (``community.rollups_daily`` matches ``*.rollups_*`` -> batch) with no edit
here. ``CELERY_QUEUE_PREFIX`` prefixes the non-default queue names (tests give each worker its
own queues on a shared Redis).
"""
from fnmatch import fnmatchcase
from functools import lru_cache

SCREENING, DEFAULT, BATCH, EMAIL = "screening", "default", "batch", "email"
KINDS = (SCREENING, DEFAULT, BATCH, EMAIL)


def _conf(app=None):
    if app is None:
        from celery import current_app as app
    return app.conf


@lru_cache(maxsize=1024)
def _kind_for(name: str, patterns: tuple) -> str:
    for pattern, kind in patterns:
        if fnmatchcase(name, pattern):
            return kind
    return DEFAULT


def queue_kind(task_name: str, app=None) -> str:
    """Which of the four queues a task name belongs to (CELERY_QUEUE_PATTERNS, first match)."""
    patterns = tuple(tuple(p) for p in (_conf(app).get("queue_patterns") or ()))
    return _kind_for(task_name, patterns)


def queue_name(kind: str, app=None) -> str:
    """The broker queue of a kind: the default queue's own name, or the prefixed kind."""
    conf = _conf(app)
    if kind == DEFAULT:
        return conf.task_default_queue
    return f"{conf.get('queue_prefix') or ''}{kind}"


def all_queue_names(app=None) -> list[str]:
    return [queue_name(kind, app) for kind in KINDS]


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery ``task_routes`` entry (an explicit ``queue=`` in apply_async still wins). Reads the
    app's live conf, so a test or a benchmark that moves the default queue moves these too."""
    app = task.app if task is not None else None
    return {"queue": queue_name(queue_kind(name, app), app)}
