from datetime import datetime
from zoneinfo import ZoneInfo

from community.models import HelpfulVote, Review

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=12, mm=0):
    """A moment in Shanghai time."""
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def review(author, product, when, *, text=""):
    return Review.objects.create(author=author, product=product, rating=5, text=text, created_at=when,
                                 published_at=when, status=Review.Status.PUBLISHED)


def vote(user, target, when):
    return HelpfulVote.objects.create(user=user, review=target, helpful=True, created_at=when)


def challenge(brand, *, title_en="New flavour ideas", opens=None):
    from community.cocreation.models import Challenge
    opens = opens or datetime(2026, 1, 1, tzinfo=SH)
    return Challenge.objects.create(
        brand=brand, title_zh="新口味创意征集", title_en=title_en, state=Challenge.State.OPEN, opens_at=opens,
        entries_close_at=opens, voting_close_at=opens, closes_at=opens)


def entry(challenge_, author, when, **fields):
    from community.cocreation.models import Entry
    return Entry.objects.create(challenge=challenge_, author=author, text="桂花乌龙味的气泡水", created_at=when,
                                published_at=when, status=Entry.Status.PUBLISHED, **fields)


def entry_vote(user, entry_, when):
    from community.cocreation.models import EntryVote
    return EntryVote.objects.create(challenge_id=entry_.challenge_id, entry=entry_, user=user, created_at=when)


def badge(user, when, slug="first-review"):
    from gamification.models import Badge, UserBadge
    b, _ = Badge.objects.get_or_create(slug=slug, defaults={"name_zh": slug, "criterion": "reviews_published"})
    return UserBadge.objects.create(user=user, badge=b, awarded_at=when)
