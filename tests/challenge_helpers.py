"""Building challenges for the challenge tests (rows a brand would create in the admin)."""
from datetime import timedelta

from django.utils import timezone

from community.cocreation import services
from community.cocreation.models import Challenge, Entry
from tests import factories


def make_challenge(brand=None, *, state=None, start=None, **fields):
    """A challenge whose schedule starts at ``start`` (default: opened an hour ago), then
    moved by the schedule to the state it says (or left a draft when ``state='draft'``)."""
    start = start or timezone.now() - timedelta(hours=1)
    values = {
        "brand": brand or factories.BrandFactory(),
        "title_zh": "新口味创意征集",
        "title_en": "New flavour ideas",
        "brief_zh": "告诉我们你想要的新口味",
        "opens_at": start,
        "entries_close_at": start + timedelta(days=3),
        "voting_close_at": start + timedelta(days=5),
        "closes_at": start + timedelta(days=6),
    }
    values.update(fields)
    challenge = Challenge.objects.create(**values)
    if state != Challenge.State.DRAFT:
        services.challenge_publish(challenge_id=challenge.pk)
    challenge.refresh_from_db()
    return challenge


def published_entry(challenge, author=None, text="我想要一款桂花乌龙味的气泡水，清爽不甜。"):
    """An entry published through screening (moderation decides, as in production)."""
    author = author or factories.UserFactory()
    entry = services.entry_submit(author=author, challenge_id=challenge.pk, text=text)
    services.entry_moderate(entry_id=entry.pk, status=Entry.Status.PUBLISHED)
    entry.refresh_from_db()
    return entry


def old_user(days=30):
    return factories.UserFactory(date_joined=timezone.now() - timedelta(days=days))
