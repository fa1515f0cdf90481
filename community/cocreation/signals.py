"""Domain events co-creation sends, always after the transaction commits
(``community.signals.send_on_commit``), with ``sender=None`` and keyword ids only.

Gamification turns them into points, badges and leaderboard rows; moderation rescores
entries on votes. Co-creation never imports either.
"""
from django.dispatch import Signal

# entry_id, author_id, challenge_id: an entry became public (points for taking part)
entry_published = Signal()
# entry_id, author_id, challenge_id: a public entry was hidden (its points are reversed)
entry_unpublished = Signal()
# entry_id, challenge_id, voter_id, delta (+1 a vote, -1 a withdrawal or an invalidated vote)
entry_voted = Signal()
# option_id, challenge_id, voter_id, delta (as entry_voted, for poll options)
poll_voted = Signal()
# entry_id, author_id, challenge_id: brand staff picked the entry as a winner
entry_won = Signal()
# entry_id, author_id, challenge_id: the brand adopted the idea ("you said, we did")
entry_adopted = Signal()
