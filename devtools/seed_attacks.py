"""Injected vote fraud for ``manage.py seed --attacks`` (issue 16's scale run, issue 11's bench).

The plan is made before any row is written, so fake votes go into the same rows, counters,
ledger and interaction log as organic ones: nothing tells them apart in the database. Which
interaction events are fake is written only to the ``--truth`` JSON file.

Attack types (``TYPES``):

- ``ring``: 10-200 accounts vote helpful on 3-8 reviews written by ring members, within three
  days, from 1-3 shared /24 networks;
- ``ring_camouflage``: the same, plus 3-10 helpful votes per account on the hot product's
  popular reviews spread over a month (the camouflage is fake too: the account is the fraud);
- ``slow_ring``: 20-60 accounts each vote helpful on most of 2-5 reviews, one vote every few
  days over 6-10 weeks, from ordinary home and mobile networks;
- ``bought_votes``: 50-300 aged accounts from a click farm (2-5 networks, own devices) vote
  helpful on one normal user's review within a few hours;
- ``new_account_swarm``: 30-150 accounts made 0-3 days earlier vote for one challenge entry
  within two hours;
- ``sock_puppets``: 3-8 accounts on the same device and network as a real user vote helpful
  on that user's review and for that user's entry.
"""
from dataclasses import dataclass, field

DAY = 86400
TYPES = ("ring", "ring_camouflage", "slow_ring", "bought_votes", "new_account_swarm", "sock_puppets")
TYPE_CODE = {name: code for code, name in enumerate(TYPES, 1)}  # 0 = organic


@dataclass
class Attack:
    index: int
    type: str
    accounts: list = field(default_factory=list)  # user indexes (0-based, seed order)
    target_reviews: list = field(default_factory=list)  # review positions
    target_entries: list = field(default_factory=list)  # entry indexes
    master: int | None = None  # sock puppets: the real account behind them


@dataclass
class AttackPlan:
    """Everything the seeder needs to weave the attacks in.

    - ``joined``: {account index: epoch seconds} for the attack accounts (appended after the
      organic users);
    - ``profiles``: {account index: dict(ip=[network codes], device=code or None)} overriding the
      organic signal profile (network codes ``>= 0`` index ``attack_networks``; a device of
      ``("user", i)`` shares user i's device);
    - ``review_author``: {review position: account index} (the review is written by that account);
    - ``review_votes``: {review position: [(voter, t, attack index, camouflage)]};
    - ``entry_author``: {entry index: account index}; ``entry_votes``: {entry index: [(voter, t, attack)]}.
    """

    first_account: int
    attacks: list = field(default_factory=list)
    joined: dict = field(default_factory=dict)
    profiles: dict = field(default_factory=dict)
    attack_networks: int = 0
    review_author: dict = field(default_factory=dict)
    review_votes: dict = field(default_factory=dict)
    entry_author: dict = field(default_factory=dict)
    entry_votes: dict = field(default_factory=dict)

    @property
    def account_count(self):
        return len(self.joined)


def plan_attacks(*, rng, now, users, reviews, hot_stride, review_time, entries, entry_time, scale=1.0):
    """Plan the attacks. ``users``: organic accounts (attack accounts are numbered after them);
    ``reviews``: review positions 0..reviews-1, hot ones at multiples of ``hot_stride`` (0: none);
    ``review_time(pos)``: the review's creation time, a little early; ``entries``: how many
    entries the seed will write (0: no entry attacks); ``entry_time(i)``: entry i's creation
    time. ``scale`` multiplies how many attacks of each type (1.0 is 6 rings, 3 slow rings, 3
    bought, 3 swarms, 10 sock-puppet groups)."""
    plan = AttackPlan(first_account=users)
    used_positions, used_entries = set(), set()
    recent_from = int(reviews * (1 - 60 / 365))  # the last two months: the scan's window

    def new_account(joined, profile):
        index = users + len(plan.joined)
        plan.joined[index] = joined
        plan.profiles[index] = profile
        return index

    def networks(n):
        first = plan.attack_networks
        plan.attack_networks += n
        return list(range(first, first + n))

    def free_review():
        for _ in range(1000):
            pos = rng.randrange(recent_from, reviews)
            if (hot_stride and pos % hot_stride == 0) or pos in used_positions:
                continue
            used_positions.add(pos)
            return pos
        return None

    def hot_positions():
        if not hot_stride:
            return []
        return [p for p in range(0, reviews, hot_stride)][-2000:]

    def count(n):
        return max(1, round(n * scale))

    if reviews < 200 or users < 50:
        return plan  # too small to hide anything in
    hot = hot_positions()

    def add(attack_type):
        attack = Attack(index=len(plan.attacks), type=attack_type)
        plan.attacks.append(attack)
        return attack

    def ring_votes(attack, authors, start, share, vote_time):
        """The first ``authors`` ring accounts each get a review; each other member votes on it
        with probability ``share`` at ``vote_time(begin)`` (rng draws in the seeded order)."""
        for author in attack.accounts[:authors]:
            pos = free_review()
            if pos is None:
                break
            plan.review_author[pos] = author
            attack.target_reviews.append(pos)
            begin = max(start, review_time(pos) + 3600)
            for voter in attack.accounts:
                if voter != author and rng.random() < share:
                    plan.review_votes.setdefault(pos, []).append((voter, vote_time(begin), attack.index, False))

    # Fast rings, half with camouflage.
    for k in range(count(6)):
        attack = add("ring_camouflage" if k % 2 else "ring")
        size = rng.randint(10, 200)
        nets = networks(rng.randint(1, 3))
        start = now - rng.randint(5, 50) * DAY
        for _ in range(size):
            attack.accounts.append(new_account(start - rng.randint(20, 200) * DAY,
                                               {"ip": [rng.choice(nets)], "device": None}))
        ring_votes(attack, rng.randint(3, 8), start, 0.9,
                   lambda begin: min(now - 60, begin + rng.randrange(3 * DAY)))
        if attack.type == "ring_camouflage" and hot:
            for voter in attack.accounts:
                for pos in rng.sample(hot, min(len(hot), rng.randint(3, 10))):
                    t = max(review_time(pos) + 3600, start - 30 * DAY, plan.joined[voter] + DAY) + rng.randrange(30 * DAY)
                    plan.review_votes.setdefault(pos, []).append((voter, min(now - 60, t), attack.index, True))

    # Slow rings: ordinary networks, votes spread over weeks.
    for _ in range(count(3)):
        attack = add("slow_ring")
        weeks = rng.randint(6, 10)
        start = now - (weeks * 7 + rng.randint(1, 10)) * DAY
        for _ in range(rng.randint(20, 60)):
            attack.accounts.append(new_account(start - rng.randint(60, 400) * DAY, {"ip": None, "device": None}))
        ring_votes(attack, rng.randint(2, 5), start, 0.8,
                   lambda begin: begin + rng.randrange(max(DAY, int(now - 60 - begin))))

    # Bought helpful votes on one normal user's review.
    for _ in range(count(3)):
        attack = add("bought_votes")
        pos = free_review()
        if pos is None:
            break
        attack.target_reviews.append(pos)
        nets = networks(rng.randint(2, 5))
        begin = max(now - rng.randint(3, 50) * DAY, review_time(pos) + 3600)
        window = rng.randint(2, 8) * 3600
        for _ in range(rng.randint(50, 300)):
            voter = new_account(begin - rng.randint(100, 500) * DAY, {"ip": [rng.choice(nets)], "device": None})
            attack.accounts.append(voter)
            plan.review_votes.setdefault(pos, []).append(
                (voter, min(now - 60, begin + rng.randrange(window)), attack.index, False))

    # New-account swarms on one entry.
    if entries >= 10:
        for _ in range(count(3)):
            attack = add("new_account_swarm")
            entry = rng.randrange(entries)
            while entry in used_entries:
                entry = rng.randrange(entries)
            used_entries.add(entry)
            attack.target_entries.append(entry)
            nets = networks(rng.randint(1, 4))
            begin = max(entry_time(entry) + 3600, now - rng.randint(2, 20) * DAY)
            for _ in range(rng.randint(30, 150)):
                t = min(now - 60, begin + rng.randrange(2 * 3600))
                voter = new_account(t - rng.randrange(3 * DAY), {"ip": [rng.choice(nets)], "device": None})
                attack.accounts.append(voter)
                plan.entry_votes.setdefault(entry, []).append((voter, t, attack.index))

    # Sock puppets of a real user: same device and network, vote for the master's review and entry.
    for _ in range(count(10)):
        attack = add("sock_puppets")
        master = rng.randrange(users)
        attack.master = master
        pos = free_review()
        if pos is None:
            break
        plan.review_author[pos] = master
        attack.target_reviews.append(pos)
        entry = None
        if entries >= 10:
            entry = rng.randrange(entries)
            if entry not in used_entries:
                used_entries.add(entry)
                plan.entry_author[entry] = master
                attack.target_entries.append(entry)
            else:
                entry = None
        begin = review_time(pos) + 3600
        for _ in range(rng.randint(3, 8)):
            puppet = new_account(begin - rng.randint(10, 300) * DAY, {"ip": ("user", master), "device": ("user", master)})
            attack.accounts.append(puppet)
            plan.review_votes.setdefault(pos, []).append(
                (puppet, min(now - 60, begin + rng.randrange(5 * DAY)), attack.index, False))
            if entry is not None:
                t = min(now - 60, max(entry_time(entry) + 3600, now - 20 * DAY) + rng.randrange(5 * DAY))
                plan.entry_votes.setdefault(entry, []).append((puppet, t, attack.index))
    return plan
