"""Building ring cases for the ring-case tests: a ring of voters on one entry, through the real
vote service (so counts and points are real), and the case the scan would open for them."""
import hashlib

from community.integrity.models import InteractionEvent
from gamification.models import UserPoints
from moderation.ringcases import open_case
from tests.challenge_helpers import make_challenge, old_user, published_entry

VOTE_POINTS = 1  # gamification's rule "community.entry.vote_cast" (migration 0003)


def ring_case(*, members=3, entries=1, score=0.7, detectors=("lockstep",), shared_device=True):
    """``members`` voters each vote for ``entries`` entries of one challenge; one open ring case
    holds them and their votes. Run inside ``django_capture_on_commit_callbacks(execute=True)``
    (or a transactional test) so the points settle."""
    from community.cocreation import services

    challenge = make_challenge(allow_overlap=True)
    targets = [published_entry(challenge) for _ in range(entries)]
    voters = [old_user(days=20 + i) for i in range(members)]
    for voter in voters:
        for entry in targets:
            services.entry_vote_toggle(user=voter, entry_id=entry.pk)
    events = list(InteractionEvent.objects.filter(actor__in=voters, action="entry_vote").order_by("id"))
    for ev in events:
        # Every voter on one shared device (a sock-puppet farm) and two networks between them.
        ev.device_hash = "d" * 32 if shared_device else hashlib.md5(f"dev{ev.actor_id}".encode()).hexdigest()
        ev.ip_prefix_hash = hashlib.md5(f"net{ev.actor_id % 2}".encode()).hexdigest()
        ev.save(update_fields=["device_hash", "ip_prefix_hash"])
    case, _created = open_case(accounts=[v.pk for v in voters], event_ids=[e.pk for e in events], score=score,
                               detectors=list(detectors),
                               evidence=f"{members} accounts voted for the same {entries} entries within 2 hours")
    return case, voters, targets, events


def points(user):
    row = UserPoints.objects.filter(user=user).first()
    return row.total if row else 0
