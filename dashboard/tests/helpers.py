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
