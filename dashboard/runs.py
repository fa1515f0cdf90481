"""The rollup runs as the beat, the nightly reconcile and `manage.py rollups` call them: the
per-day figures (dashboard.rollups), then the challenge funnel's windows for the same days
(dashboard.funnel, after the cached page views are flushed) and the first-badge days
(dashboard.first_badges). The first-badge watermark is stored last, so the dashboard's cache key
(the latest ``Watermark.ran_at``) moves once every table of the run is written."""
import time
from contextlib import contextmanager

from django.utils import timezone

from community.cocreation.pageviews import challenge_views_flush
from dashboard import first_badges, funnel, rollups


def _days(windows):
    # The funnel keeps day windows: a day with any hour recomputed is recomputed whole.
    return sorted({day for day, _hour in windows})


@contextmanager
def _step(timings, name):
    started = time.perf_counter()
    yield
    if timings is not None:
        timings[name] = time.perf_counter() - started


def run(*, now=None, progress=None, timings=None):
    """The windows ``rollups`` recomputed ((day, hour) pairs, ``rollups.window_label`` names them).
    ``timings``, a dict, receives each step's wall seconds (``manage.py rollups bench``)."""
    now = now or timezone.now()
    with _step(timings, "views flush"):
        challenge_views_flush(now=now)
    with _step(timings, "rollups"):
        windows = rollups.rollups_run(now=now, progress=progress)
    with _step(timings, "funnel"):
        funnel.recompute_days(_days(windows))
    with _step(timings, "first badges"):
        first_badges.first_badges_refresh(now=now)
    return windows


def rebuild(*, since=None, now=None, progress=None, timings=None):
    now = now or timezone.now()
    with _step(timings, "views flush"):
        challenge_views_flush(now=now)
    with _step(timings, "rollups"):
        windows = rollups.rollups_rebuild(since=since, now=now, progress=progress)
    with _step(timings, "funnel"):
        funnel.recompute_days(_days(windows))
    with _step(timings, "first badges"):
        first_badges.first_badges_refresh(full=True, now=now)
    return windows
