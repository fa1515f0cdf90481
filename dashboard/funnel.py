"""The per-challenge co-creation funnel's rollups (docs/dashboard.md): views -> entrants ->
entries -> voters -> votes -> adopted, per challenge and site day. Windows are site days as in
dashboard.rollups, recomputed by the same runs (dashboard.runs): a day's rows are deleted and
written again in one transaction, so a window is idempotent."""
from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import TruncDate

from community.cocreation.models import ChallengeViewDay, Entry, EntryVote, PollVote
from dashboard.models import DailyChallenge, DailyChallengeUser
from dashboard.rollups import day_bounds, day_chunks, site_tz

# (model, author or voter field, column): a user's rows per challenge and day.
USER_SOURCES = ((Entry, "author", "entries"), (EntryVote, "user", "votes"), (PollVote, "user", "votes"))


def compute_days(first, last):
    """{day: (challenges, users)} for the days first..last: challenges {(challenge, brand): [views,
    adopted]}, users {(challenge, brand, user): [entries, votes]}. Five grouped queries."""
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    tz = site_tz()
    out = {}

    def cell(day):
        return out.setdefault(day, ({}, {}))

    for row in (ChallengeViewDay.objects.filter(day__gte=first, day__lte=last)
                .values("day", "challenge_id", "views", b=F("challenge__brand_id"))):
        cell(row["day"])[0].setdefault((row["challenge_id"], row["b"]), [0, 0])[0] += row["views"]
    for row in (Entry.objects.filter(adopted_at__gte=start, adopted_at__lt=end)
                .values("challenge_id", d=TruncDate("adopted_at", tzinfo=tz), b=F("challenge__brand_id"))
                .annotate(n=Count("pk")).order_by()):
        cell(row["d"])[0].setdefault((row["challenge_id"], row["b"]), [0, 0])[1] += row["n"]
    for model, user, column in USER_SOURCES:
        i = 0 if column == "entries" else 1
        rows = (model.objects.filter(created_at__gte=start, created_at__lt=end)
                .values("challenge_id", d=TruncDate("created_at", tzinfo=tz), b=F("challenge__brand_id"), u=F(user))
                .annotate(n=Count("pk")).order_by())
        for row in rows:
            cell(row["d"])[1].setdefault((row["challenge_id"], row["b"], row["u"]), [0, 0])[i] += row["n"]
    return out


def write_day(day, challenges, users):
    with transaction.atomic():
        DailyChallenge.objects.filter(day=day).delete()
        DailyChallengeUser.objects.filter(day=day).delete()
        DailyChallenge.objects.bulk_create(
            [DailyChallenge(day=day, challenge_id=c, brand_id=b, views=v, adopted=a)
             for (c, b), (v, a) in challenges.items()], batch_size=2000)
        DailyChallengeUser.objects.bulk_create(
            [DailyChallengeUser(day=day, challenge_id=c, brand_id=b, user_id=u, entries=e, votes=v)
             for (c, b, u), (e, v) in users.items()], batch_size=5000)


def recompute_days(days, *, chunk=31):
    """Recompute the funnel's windows: sources read a chunk of consecutive days at a time."""
    days = sorted(days)
    for run in day_chunks(days, chunk):
        computed = compute_days(run[0], run[-1])
        for day in run:
            write_day(day, *computed.get(day, ({}, {})))
    return days
