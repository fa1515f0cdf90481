"""Challenge page views for the co-creation funnel (docs/dashboard.md).

A view is counted in the cache at request time (two cache round trips, no database query, so
the challenge page never waits on a write): one per visitor, challenge and site day
(Asia/Shanghai). The visitor is the signed-in user, else the browser's device cookie
(core.client_signals); a client that keeps no cookie counts on every load. HEAD requests,
drafts (brand previews) and user agents that say they are robots are not counted.
``challenge_views_flush`` (run by the dashboard's rollup run) moves the counters into
``ChallengeViewDay`` rows, the only place those rows are written."""
import re
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from community.cocreation.models import Challenge, ChallengeViewDay
from core import client_signals

COUNT_KEY = "cocreation:challenge-views:{day}:{challenge_id}"
SEEN_KEY = "cocreation:challenge-seen:{day}:{challenge_id}:{visitor}"
FLUSH_DAYS = 3  # today and the two days before: a beat stopped for a day loses no views
TTL = FLUSH_DAYS * 24 * 60 * 60
ROBOTS = re.compile(r"bot|crawl|spider|slurp|scrap|curl|wget|python|httpclient|okhttp|java/|go-http|headless"
                    r"|lighthouse|preview|monitor|^$", re.IGNORECASE)


def _site_day(now=None):
    return timezone.localtime(now or timezone.now()).date()


def _visitor(request):
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    signals = client_signals.current()
    device = getattr(signals, "device_hash", None)
    return f"d{device}" if device else None


def challenge_view_count(request, challenge, *, now=None) -> bool:
    """Count one view of the challenge's page; False when it is not a countable view (a HEAD, a
    robot, a draft, or this visitor's repeat on the same day)."""
    if request.method != "GET" or challenge.state == Challenge.State.DRAFT:
        return False
    if ROBOTS.search(request.META.get("HTTP_USER_AGENT", "")[:512]):
        return False
    day = _site_day(now)
    visitor = _visitor(request)
    if visitor and not cache.add(SEEN_KEY.format(day=day, challenge_id=challenge.pk, visitor=visitor), 1, TTL):
        return False
    key = COUNT_KEY.format(day=day, challenge_id=challenge.pk)
    try:
        cache.incr(key)
    except ValueError:  # the day's first view (or the key expired): create it, unless another request just did
        if not cache.add(key, 1, TTL):
            cache.incr(key)
    return True


def challenge_views_flush(*, now=None) -> int:
    """Add the cached view counters of the last FLUSH_DAYS days to ``ChallengeViewDay`` and take them
    out of the cache; returns the views moved. A counter is decremented by what was read, so
    views counted meanwhile stay for the next flush."""
    today = _site_day(now)
    ids = list(Challenge.objects.exclude(state=Challenge.State.DRAFT).values_list("pk", flat=True))
    moved = 0
    for day in (today - timedelta(days=i) for i in range(FLUSH_DAYS - 1, -1, -1)):
        keys = {COUNT_KEY.format(day=day, challenge_id=pk): pk for pk in ids}
        for key, n in cache.get_many(list(keys)).items():
            if not n:
                continue
            try:
                cache.decr(key, n)
            except ValueError:
                continue  # expired between the read and now: nothing to move
            with transaction.atomic():
                row, _ = ChallengeViewDay.objects.get_or_create(challenge_id=keys[key], day=day)
                ChallengeViewDay.objects.filter(pk=row.pk).update(views=F("views") + n)
            moved += n
    return moved
