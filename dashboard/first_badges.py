"""The site day of each user's first badge (gamification's UserBadge), read by the creation-
frequency comparison before and after it (docs/dashboard.md). Incremental by UserBadge id; the
nightly reconcile rebuilds the table (a revoked badge can move a first day later)."""
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from dashboard.models import FirstBadge, Watermark
from dashboard.rollups import daynum, site_day
from gamification.models import UserBadge

SOURCE = "gamification.userbadge"


def first_badges_refresh(*, full=False, now=None):
    """Upsert the first-badge day of users with badges added since the watermark (every user
    when ``full``); returns the rows written."""
    mark = Watermark.objects.filter(source=SOURCE).first()
    after = 0 if full or mark is None else mark.last_id
    top = UserBadge.objects.aggregate(m=Max("pk"))["m"] or 0
    qs = UserBadge.objects.all()
    if after:
        qs = qs.filter(user_id__in=UserBadge.objects.filter(pk__gt=after, pk__lte=top).values("user_id"))
    firsts = {r["user_id"]: r["first"] for r in qs.values("user_id").annotate(first=Min("awarded_at")).order_by()}
    rows = [FirstBadge(user_id=u, day=site_day(t), daynum=daynum(site_day(t))) for u, t in firsts.items()]
    with transaction.atomic():
        if full:
            FirstBadge.objects.all().delete()
        else:
            FirstBadge.objects.filter(user_id__in=list(firsts)).delete()
        FirstBadge.objects.bulk_create(rows, batch_size=5000)
        Watermark.objects.update_or_create(source=SOURCE, defaults={"last_id": top, "ran_at": now or timezone.now()})
    return len(rows)
