"""The interaction part of ``manage.py seed --interactions N`` (issue 16's scale run).

On top of the users, products and reviews ``seed`` writes, this adds, all by COPY:

- helpful votes (random voters, heavy-tailed per review), written with the review's counts;
- challenges in their voting phase, published entries and entry votes;
- daily check-ins (``ActivityDay`` rows);
- the points ledger those earn (``PointsEntry``: review rated, helpful received, vote cast,
  entry vote cast, check-in; each rule's points, level flag and daily award cap as
  ``points_award_for_action`` applies them), hash-chained per user, with ``UserPoints`` sums
  and levels (points and breadth, as ``level_compute``);
- one ``InteractionEvent`` per review, vote, entry and check-in, with the signals a request
  would carry: keyed hashes (``core.client_signals``) of a home or mobile /24 network and of
  one or two device cookies per account, a browser family, the account's age and level;
- with ``--attacks``, the vote fraud of ``devtools/seed_attacks.py``, its ground truth (the fake
  event ids by attack) written to ``--truth``.

``N`` counts interaction events: the reviews (``--reviews``) first, the rest split 60 % helpful
votes, 20 % entry votes and entries, 20 % check-ins. Organic activity never comes from the attack
accounts, and the attack accounts' votes are real rows: counters, ledger and levels include them.

Times: the review times of ``seed``; votes after the review (and after the voter joined); entries,
entry votes and check-ins within the last 90 days. An account's ``date_joined`` is moved earlier
when it would fall after the account's first action, so every event's account age is >= 0.
"""
import ipaddress
import json
import time
from datetime import UTC, date, datetime, timedelta

import numpy as np
from django.contrib.contenttypes.models import ContentType

from community.cocreation.models import Challenge, Entry, EntryVote
from community.integrity.models import InteractionEvent
from community.models import HelpfulVote, Review
from core import client_signals
from devtools import seed_attacks
from gamification.models import ActivityDay, PointsEntry, Rule, UserPoints

DAY = 86400
LOCAL_OFFSET = 8 * 3600  # seed users live in Asia/Shanghai (no daylight saving)
UA_FAMILIES = ["wechat-mobile", "safari-mobile", "chrome-mobile", "chrome-desktop", "safari-desktop",
               "edge-desktop", "firefox-desktop", "other-mobile"]
UA_WEIGHTS = [0.38, 0.22, 0.17, 0.12, 0.05, 0.03, 0.02, 0.01]
ENTRY_TEXTS = [
    "把精华做成可替换芯的玻璃瓶，减少塑料。",
    "旅行装做成胶囊，一次一颗，不会洒。",
    "A refill pouch that fits the pump bottle, so the bottle lasts years.",
    "包装上印成分用途的二维码，扫码看每种成分的作用。",
    "A sample size sold at the checkout, so people can try before buying the full bottle.",
]
# Ledger row kinds: (rule action, key pattern)
RATED, HELPFUL, CAST, ENTRY_CAST, CHECKIN = range(5)
LEDGER_ACTIONS = {
    RATED: "community.review.rated",
    HELPFUL: "community.review.helpful_received",
    CAST: "community.review.vote_cast",
    ENTRY_CAST: "community.entry.vote_cast",
    CHECKIN: "gamification.checkin",
}
EVENT_KINDS = ["review_submit", "helpful_vote", "unhelpful_vote", "entry_submit", "entry_vote", "checkin"]
CHALLENGE_TAG = "seedbench"  # seed challenges carry this hashtag (``seed --reset`` deletes them)


class Arrays:
    """Growable typed columns (array-backed lists are 8 bytes a value, not ~40)."""

    def __init__(self, **types):
        from array import array

        self._cols = {name: array(code) for name, code in types.items()}
        for name, col in self._cols.items():
            setattr(self, name, col)

    def np(self, name, dtype=None):
        col = self._cols[name]
        return np.frombuffer(col, dtype=dtype or col.typecode).copy() if len(col) else np.zeros(0, col.typecode)


class InteractionSeeder:
    def __init__(self, cmd, *, users, reviews, hot, interactions, attacks, truth, random_seed, attack_scale=1.0):
        self.cmd, self.rng, self.now = cmd, cmd.rng, cmd.now
        self.now_ts = int(self.now.timestamp())
        self.np_rng = np.random.default_rng(random_seed)
        self.U, self.R, self.H = users, reviews, hot
        self.truth_path = truth
        rest = max(0, interactions - reviews)
        self.n_helpful = int(rest * 0.6)
        entry_share = int(rest * 0.2)
        self.n_entries = max(10, entry_share // 60) if entry_share >= 100 else 0
        self.n_entry_votes = entry_share - self.n_entries if self.n_entries else 0
        self.n_checkins = rest - self.n_helpful - entry_share if self.n_entries else rest - self.n_helpful
        self.n_challenges = max(1, self.n_entries // 150) if self.n_entries else 0
        self.with_attacks = attacks
        self.attack_scale = attack_scale
        self.hv = Arrays(review="q", author="q", voter="q", helpful="b", t="q", published="b", attack="l", camo="b")
        self.rv = Arrays(id="q", author="q", t="q", published="b")

    # --- before the reviews -------------------------------------------------------------------
    def prepare(self, joined):
        """``joined``: organic accounts' join times (epoch seconds, a list this seeder may move
        earlier). Plans entries and attacks; returns the join times of all accounts, attack
        accounts appended."""
        rng, now = self.rng, self.now_ts
        self.joined = joined
        self.stride = self.R // self.H if self.H else 0
        span = self.cmd.days * DAY
        # Challenges (voting now) and their entries, written after the reviews.
        C, E = self.n_challenges, self.n_entries
        self.ch_opens = [now - rng.randint(30, 80) * DAY for _ in range(C)]
        self.en_challenge = [i % C for i in range(E)] if C else []
        self.en_t, self.en_author = [], []
        authors_in = [set() for _ in range(C)]
        for i in range(E):
            c = self.en_challenge[i]
            t = self.ch_opens[c] + rng.randrange(20 * DAY)
            a = rng.randrange(self.U)
            while a in authors_in[c]:
                a = rng.randrange(self.U)
            authors_in[c].add(a)
            self.en_t.append(t)
            self.en_author.append(a)
        self.plan = seed_attacks.AttackPlan(first_account=self.U)
        if self.with_attacks:
            self.plan = seed_attacks.plan_attacks(
                rng=rng, now=now, users=self.U, reviews=self.R, hot_stride=self.stride,
                review_time=lambda pos: now - int(span * (1 - pos / self.R)) - 3600,
                entries=E, entry_time=lambda i: self.en_t[i], scale=self.attack_scale,
            )
        for i, a in self.plan.entry_author.items():
            self.en_author[i] = a
        self.joined.extend(self.plan.joined[self.U + k] for k in range(self.plan.account_count))
        for i, a in enumerate(self.en_author):
            self._joined_before(a, self.en_t[i])
        published = 0.97 * (self.R - self.H)
        # Mean organic votes on an ordinary published review (hot ones get their own heavy tail).
        self.mean_votes = max(0.0, (self.n_helpful - 5 * self.H) / published) if published else 0.0
        return self.joined

    def _joined_before(self, account, t):
        if self.joined[account] > t - 3600:
            self.joined[account] = t - 3600 - self.rng.randrange(30 * DAY)

    # --- during the reviews (called per review row) ---------------------------------------------
    def targeted(self, pos):
        return pos in self.plan.review_votes or pos in self.plan.review_author

    def review_author(self, pos, default):
        return self.plan.review_author.get(pos, default)

    def review_votes(self, *, review_id, pos, author, created_ts, published, is_hot, rating):
        """Record the review and its votes; returns (helpful, not helpful) valid vote counts."""
        rng, now, U = self.rng, self.now_ts, self.U
        self._joined_before(author, created_ts)
        rv = self.rv
        rv.id.append(review_id), rv.author.append(author), rv.t.append(created_ts), rv.published.append(published)
        up = down = 0
        if not published:
            return 0, 0
        if is_hot:
            n = min(int(rng.paretovariate(1.2)) - 1, 300)
        elif self.mean_votes:
            n = min(int(self.mean_votes * rng.paretovariate(2.0) / 2.0 + rng.random()), 2000)
        else:
            n = 0
        hv = self.hv
        joined = self.joined
        if n:
            p_helpful = rng.betavariate(5, 2) if rating >= 3 else rng.betavariate(2, 3)
            for voter in rng.sample(range(U), min(n + 1, U)):
                if voter == author:
                    continue
                if n == 0:
                    break
                n -= 1
                lo = max(created_ts + 60, joined[voter])
                t = lo + int(rng.random() * max(0, now - 60 - lo))
                helpful = rng.random() < p_helpful
                up, down = up + helpful, down + (not helpful)
                hv.review.append(review_id), hv.author.append(author), hv.voter.append(voter)
                hv.helpful.append(helpful), hv.t.append(t), hv.published.append(True)
                hv.attack.append(0), hv.camo.append(False)
        for voter, t, attack, camo in self.plan.review_votes.get(pos, ()):
            t = max(t, created_ts + 60)
            hv.review.append(review_id), hv.author.append(author), hv.voter.append(voter)
            hv.helpful.append(True), hv.t.append(t), hv.published.append(True)
            hv.attack.append(attack + 1), hv.camo.append(camo)
            up += 1
        return up, down

    # --- after the reviews ------------------------------------------------------------------------
    def finish(self, *, user_base, brands, write_users):
        cmd = self.cmd
        t0 = time.monotonic()
        self.user_base = user_base
        self._write_votes()
        self._entries(brands)
        self._checkins()
        joined = np.asarray(self.joined, dtype=np.int64)
        write_users(joined)  # after every action moved join dates earlier
        self.joined_np = joined
        level = self._ledger()
        self._events(level)
        cmd._done("interactions (votes, entries, check-ins, ledger, events)", self.event_count, t0)

    def _write_votes(self):
        hv, base = self.hv, self.user_base
        n = len(hv.review)

        def rows():
            for s in range(0, n, 100_000):
                review = hv.review[s:s + 100_000]
                voter, helpful, t = hv.voter[s:s + 100_000], hv.helpful[s:s + 100_000], hv.t[s:s + 100_000]
                stamps = _stamps(np.frombuffer(t, dtype=np.int64))
                for r, v, h, at in zip(review, voter, helpful, stamps):
                    yield r, base + v, bool(h), at

        self.cmd._load(HelpfulVote, ["review_id", "user_id", "helpful", "created_at"], rows(), n, "helpful votes")

    def _entries(self, brands):
        nrng, now, base = self.np_rng, self.now_ts, self.user_base
        E, C = self.n_entries, self.n_challenges
        self.en_ids = np.zeros(0, np.int64)
        self.ev = {"entry": np.zeros(0, np.int64), "voter": np.zeros(0, np.int64), "t": np.zeros(0, np.int64),
                   "attack": np.zeros(0, np.int64)}
        if not E:
            return
        brand_list = list(brands.values())
        challenges = []
        for c in range(C):
            opens = datetime.fromtimestamp(self.ch_opens[c], UTC)
            challenges.append(Challenge(
                brand=brand_list[c % len(brand_list)], kind=Challenge.Kind.IDEA,
                title_zh=f"种子共创挑战 {c + 1}", title_en=f"Seed challenge {c + 1}", hashtag=CHALLENGE_TAG,
                brief_zh="用于性能测试的示例挑战。", brief_en="A sample challenge for performance tests.",
                opens_at=opens, entries_close_at=opens + timedelta(days=20),
                voting_close_at=self.now + timedelta(days=10), closes_at=self.now + timedelta(days=13),
                state=Challenge.State.VOTING, votes_per_user=3,
            ))
        Challenge.objects.bulk_create(challenges)
        if not challenges[0].pk:
            by_title = dict(Challenge.objects.filter(hashtag=CHALLENGE_TAG).values_list("title_en", "id"))
            for ch in challenges:
                ch.pk = ch.id = by_title[ch.title_en]
        self.ch_ids = np.array([ch.pk for ch in challenges], dtype=np.int64)
        entry_base = _next_id(Entry)
        self.en_ids = entry_base + np.arange(E, dtype=np.int64)
        en_author = np.asarray(self.en_author, dtype=np.int64)
        en_t = np.asarray(self.en_t, dtype=np.int64)
        en_ch = np.asarray(self.en_challenge, dtype=np.int64)

        # Organic entry votes: popular entries get most; one vote per (entry, voter).
        V = self.n_entry_votes
        weights = nrng.pareto(1.3, E) + 0.05
        entry = nrng.choice(E, int(V * 1.02) + 10, p=weights / weights.sum())
        voter = nrng.integers(0, self.U, entry.size)
        keep = voter != en_author[entry]
        entry, voter = entry[keep], voter[keep]
        _, first = np.unique(entry * (self.U + 1) + voter, return_index=True)
        first = np.sort(first)[:V]
        entry, voter = entry[first], voter[first]
        t = en_t[entry] + (nrng.random(entry.size) * (now - 60 - en_t[entry])).astype(np.int64)
        attack = np.zeros(entry.size, np.int64)
        fake = [(e, v, tt, a + 1) for e, votes in self.plan.entry_votes.items() for v, tt, a in votes]
        if fake:
            fe, fv, ft, fa = (np.array(col, dtype=np.int64) for col in zip(*fake))
            ft = np.maximum(ft, en_t[fe] + 60)
            entry, voter, t, attack = (np.concatenate(p) for p in ((entry, fe), (voter, fv), (t, ft), (attack, fa)))
        self.joined = _joined_before(self.joined, voter, t, nrng)
        self.ev = {"entry": entry, "voter": voter, "t": t, "attack": attack}
        vote_count = np.bincount(entry, minlength=E)

        texts = ENTRY_TEXTS
        stamps = _stamps(en_t)

        def entry_rows():
            for i in range(E):
                yield (int(self.en_ids[i]), int(self.ch_ids[en_ch[i]]), base + int(en_author[i]), texts[i % len(texts)],
                       "zh", Entry.Status.PUBLISHED, "", stamps[i], stamps[i], int(vote_count[i]), 0.0)

        self.cmd._load(Entry, ["id", "challenge_id", "author_id", "text", "language", "status", "status_reason",
                               "created_at", "published_at", "vote_count", "fair_score"], entry_rows(), E, "entries")

        def vote_rows():
            ch = self.ch_ids[en_ch[entry]]
            ids = self.en_ids[entry]
            for s in range(0, entry.size, 100_000):
                sl = slice(s, s + 100_000)
                for c, e, v, at in zip(ch[sl].tolist(), ids[sl].tolist(), (voter[sl] + base).tolist(),
                                       _stamps(t[sl])):
                    yield c, e, v, True, at

        self.cmd._load(EntryVote, ["challenge_id", "entry_id", "user_id", "valid", "created_at"], vote_rows(),
                       entry.size, "entry votes")
        per_challenge_entries = np.bincount(en_ch, minlength=C)
        per_challenge_votes = np.bincount(en_ch[entry], minlength=C)
        for c, ch in enumerate(challenges):
            Challenge.objects.filter(pk=ch.pk).update(entry_count=int(per_challenge_entries[c]),
                                                      vote_count=int(per_challenge_votes[c]))
        self.en_author_np, self.en_t_np, self.en_ch_np = en_author, en_t, en_ch

    def _checkins(self):
        nrng, now = self.np_rng, self.now_ts
        n = self.n_checkins
        self.ci = {"user": np.zeros(0, np.int64), "day": np.zeros(0, np.int64), "t": np.zeros(0, np.int64)}
        if not n:
            return
        # A few habitual users check in most days, most users now and then: each user checks in on
        # a share of the last 60 days drawn from a heavy tail, scaled so the total comes to ``n``.
        days_back = 60
        weights = nrng.pareto(1.1, self.U) + 0.02
        lo, hi = 0.0, days_back * float(n) / max(weights.sum(), 1e-9) * 1e3
        for _ in range(60):  # bisect the scale: sum(min(1, w * scale)) * days = n
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if np.minimum(1.0, weights * mid).sum() * days_back < n else (lo, mid)
        rate = np.minimum(1.0, weights * hi)
        users, backs = [], []
        for s in range(0, self.U, 50_000):
            chosen = nrng.random((min(50_000, self.U - s), days_back)) < rate[s:s + 50_000, None]
            u, b = np.nonzero(chosen)
            users.append(u + s)
            backs.append(b + 1)
        user, back = np.concatenate(users), np.concatenate(backs)
        if user.size > n:
            keep = np.sort(nrng.choice(user.size, n, replace=False))
            user, back = user[keep], back[keep]
        today = (now + LOCAL_OFFSET) // DAY
        day = today - back
        t = day * DAY - LOCAL_OFFSET + nrng.integers(6 * 3600, 23 * 3600, user.size)
        self.joined = _joined_before(self.joined, user, t, nrng)
        self.ci = {"user": user, "day": day, "t": t}
        base = self.user_base
        epoch = date(1970, 1, 1)

        def rows():
            for s in range(0, user.size, 100_000):
                sl = slice(s, s + 100_000)
                for u, d, at in zip((user[sl] + base).tolist(), day[sl].tolist(), _stamps(t[sl])):
                    yield u, (epoch + timedelta(days=d)).isoformat(), ActivityDay.Kind.CHECKIN, at

        self.cmd._load(ActivityDay, ["user_id", "day", "kind", "created_at"], rows(), user.size, "check-ins")

    # --- the ledger -----------------------------------------------------------------------------
    def _ledger(self):
        """Write the ledger rows the activity earns and the UserPoints caches; returns each
        account's level (index = account)."""
        rules = {r.action: r for r in Rule.objects.filter(is_active=True, action__in=LEDGER_ACTIONS.values())}
        hv, rv, ev, ci = self.hv, self.rv, self.ev, self.ci
        r_id, r_author, r_t, r_pub = rv.np("id"), rv.np("author"), rv.np("t"), rv.np("published").astype(bool)
        h_review, h_author, h_voter = hv.np("review"), hv.np("author"), hv.np("voter")
        h_helpful, h_t = hv.np("helpful").astype(bool), hv.np("t")
        self.h = {"review": h_review, "author": h_author, "voter": h_voter, "helpful": h_helpful, "t": h_t,
                  "attack": hv.np("attack"), "camo": hv.np("camo").astype(bool)}
        ch_of_entry = self.ch_ids[self.en_ch_np] if self.n_entries else np.zeros(0, np.int64)
        parts = []  # (kind, user, a, b, source_id, t)

        def part(kind, user, a, b, src, t):
            if LEDGER_ACTIONS[kind] in rules and rules[LEDGER_ACTIONS[kind]].points > 0 and user.size:
                parts.append((np.full(user.size, kind, np.int8), user, a, b, src, t))

        pub = r_pub
        part(RATED, r_author[pub], r_id[pub], np.zeros(pub.sum(), np.int64), r_id[pub], r_t[pub])
        part(HELPFUL, h_author[h_helpful], h_review[h_helpful], h_voter[h_helpful], h_review[h_helpful], h_t[h_helpful])
        part(CAST, h_voter, h_review, h_voter, h_review, h_t)
        if ev["entry"].size:
            e = ev["entry"]
            part(ENTRY_CAST, ev["voter"], self.en_ids[e], ev["voter"], ch_of_entry[e], ev["t"])
        part(CHECKIN, ci["user"], ci["day"], ci["user"], np.full(ci["user"].size, -1, np.int64), ci["t"])
        if parts:
            kind, user, a, b, src, t = (np.concatenate(col) for col in zip(*parts))
        else:
            kind = np.zeros(0, np.int8)
            user = a = b = src = t = np.zeros(0, np.int64)
        # Daily award caps per user, action and local day, earliest first (points_award_for_action).
        day = (t + LOCAL_OFFSET) // DAY
        order = np.lexsort((t, day, kind, user))
        kind, user, a, b, src, t, day = (x[order] for x in (kind, user, a, b, src, t, day))
        keep = np.ones(kind.size, bool)
        if kind.size:
            group_start = np.r_[True, (user[1:] != user[:-1]) | (kind[1:] != kind[:-1]) | (day[1:] != day[:-1])]
            idx = np.arange(kind.size)
            rank = idx - np.maximum.accumulate(np.where(group_start, idx, 0))
            for k, action in LEDGER_ACTIONS.items():
                rule = rules.get(action)
                if rule is not None and rule.daily_cap_count is not None:
                    keep &= ~((kind == k) & (rank >= rule.daily_cap_count))
                if rule is not None and rule.daily_cap_points is not None:
                    keep &= ~((kind == k) & ((rank + 1) * rule.points > rule.daily_cap_points))
        kind, user, a, b, src, t = (x[keep] for x in (kind, user, a, b, src, t))
        # Per user, in time order: each user's chain runs in id order.
        order = np.lexsort((t, user))
        kind, user, a, b, src, t = (x[order] for x in (kind, user, a, b, src, t))
        points = np.array([rules[LEDGER_ACTIONS[k]].points if LEDGER_ACTIONS[k] in rules else 0 for k in range(5)])
        toward = np.array([bool(rules[LEDGER_ACTIONS[k]].counts_toward_level) if LEDGER_ACTIONS[k] in rules else False
                           for k in range(5)])
        amount = points[kind]
        n_accounts = len(self.joined)
        total = np.bincount(user, weights=amount, minlength=n_accounts).astype(np.int64)
        level_points = np.bincount(user, weights=amount * toward[kind], minlength=n_accounts).astype(np.int64)
        level = self._levels(level_points)
        heads = self._write_ledger(kind, user, a, b, src, t, points, toward, rules)
        base = self.user_base
        has_rows = np.flatnonzero(np.bincount(user, minlength=n_accounts) > 0)

        def up_rows():
            now = self.now
            for u in has_rows.tolist():
                yield base + u, int(total[u]), int(total[u]), int(level_points[u]), int(level[u]), heads[u], now

        self.cmd._load(UserPoints, ["user_id", "total", "spendable", "level_points", "level", "last_hash",
                                    "updated_at"], up_rows(), has_rows.size, "user points")
        self.ledger_rows = int(kind.size)
        return level

    def _levels(self, level_points):
        """``level_compute`` for every account at once: points plus breadth (distinct helpful voters
        and distinct local days of helpful votes on the account's published reviews)."""
        from gamification.levels import levels_table

        n = level_points.size
        h = self.h
        helpful = h["helpful"]
        author, voter, t = h["author"][helpful], h["voter"][helpful], h["t"][helpful]
        voters = np.bincount(np.unique(author * n + voter) // n, minlength=n)
        day = (t + LOCAL_OFFSET) // DAY
        days = np.bincount(np.unique(author * 100_000 + (day - day.min() if day.size else day)) // 100_000,
                           minlength=n)
        level = np.ones(n, np.int64)
        table = levels_table()
        level[:] = table[0]["number"]
        alive = np.ones(n, bool)
        for row in table[1:]:
            alive &= ((level_points >= row["min_points"]) & (voters >= row["min_distinct_voters"])
                      & (days >= row["min_distinct_days"]))
            level[alive] = row["number"]
        return level

    def _write_ledger(self, kind, user, a, b, src, t, points, toward, rules):
        import hashlib

        base = self.user_base
        n = kind.size
        heads = {}
        amounts = [int(p) for p in points]
        counts_flags = [int(bool(x)) for x in toward]
        first_id = _next_id(PointsEntry)
        keys_fmt = {
            RATED: "review.rated:{}",
            HELPFUL: "vote.helpful:{}:{}",
            CAST: "vote.cast:{}:{}",
            ENTRY_CAST: "community.entry.vote_cast:{}:{}",
            CHECKIN: "checkin:{}:{}",
        }
        src_type = {RATED: "community.review", HELPFUL: "community.review", CAST: "community.review",
                    ENTRY_CAST: "community.challenge", CHECKIN: ""}
        epoch = date(1970, 1, 1)
        actions = LEDGER_ACTIONS
        sha = hashlib.sha256

        def rows():
            prev_user, prev = -1, ""
            for s in range(0, n, 100_000):
                sl = slice(s, s + 100_000)
                iso = _isos(t[sl])
                for j, (k, u, ai, bi, si) in enumerate(zip(kind[sl].tolist(), (user[sl] + base).tolist(),
                                                           a[sl].tolist(), b[sl].tolist(), src[sl].tolist())):
                    if u != prev_user:
                        if prev_user >= 0:
                            heads[prev_user - base] = prev
                        prev_user, prev = u, ""
                    if k == CHECKIN:
                        key = f"checkin:{u}:{(epoch + timedelta(days=ai)).isoformat()}"
                        source_id = None
                    elif k == RATED:
                        key = f"review.rated:{ai}"
                        source_id = si
                    else:
                        key = keys_fmt[k].format(ai, bi + base)
                        source_id = si
                    amount, counts, when = amounts[k], counts_flags[k], iso[j]
                    content = (f"{u}|{amount}|{actions[k]}|{src_type[k]}|{'' if source_id is None else source_id}"
                               f"|{key}|||{counts}|{when}")
                    digest = sha(f"{prev}\n{content}".encode()).hexdigest()
                    yield (first_id + s + j, u, amount, actions[k], src_type[k], source_id, key, None, "", None,
                           None, bool(counts), prev, digest, when)
                    prev = digest
            if prev_user >= 0:
                heads[prev_user - base] = prev

        self.cmd._load(PointsEntry, ["id", "user_id", "amount", "action", "source_type", "source_id", "key",
                                     "reverses_id", "reason", "vests_at", "vested_at", "counts_toward_level",
                                     "prev_hash", "hash", "created_at"], rows(), n, "ledger rows")
        return heads

    # --- the interaction log ----------------------------------------------------------------------
    def _events(self, level):
        base = self.user_base
        rv, h, ev, ci = self.rv, self.h, self.ev, self.ci
        review_ct = ContentType.objects.get_for_model(Review).pk
        entry_ct = ContentType.objects.get_for_model(Entry).pk
        r_id, r_author, r_t = rv.np("id"), rv.np("author"), rv.np("t")
        E = self.n_entries
        cols = {"actor": [], "kind": [], "ct": [], "target": [], "author": [], "t": [], "attack": [], "camo": []}

        def add(actor, kind, ct, target, author, t, attack=None, camo=None):
            n = actor.size
            cols["actor"].append(actor)
            cols["kind"].append(np.full(n, kind, np.int8) if np.isscalar(kind) else kind.astype(np.int8))
            cols["ct"].append(np.full(n, ct, np.int64))
            cols["target"].append(target)
            cols["author"].append(author)
            cols["t"].append(t)
            cols["attack"].append(np.zeros(n, np.int64) if attack is None else attack)
            cols["camo"].append(np.zeros(n, bool) if camo is None else camo)

        add(r_author, 0, review_ct, r_id, r_author, r_t)
        add(h["voter"], np.where(h["helpful"], 1, 2), review_ct, h["review"], h["author"], h["t"], h["attack"],
            h["camo"])
        if E:
            add(self.en_author_np, 3, entry_ct, self.en_ids, self.en_author_np, self.en_t_np)
            add(ev["voter"], 4, entry_ct, self.en_ids[ev["entry"]], self.en_author_np[ev["entry"]], ev["t"],
                ev["attack"])
        add(ci["user"], 5, -1, np.full(ci["user"].size, -1, np.int64), np.full(ci["user"].size, -1, np.int64), ci["t"])
        actor, kind, ct, target, author, t, attack, camo = (np.concatenate(cols[k]) for k in cols)
        order = np.argsort(t, kind="stable")
        actor, kind, ct, target, author, t, attack, camo = (
            x[order] for x in (actor, kind, ct, target, author, t, attack, camo))
        n = actor.size
        first_id = _next_id(InteractionEvent)
        ids = first_id + np.arange(n, dtype=np.int64)
        ip_code, dev_code, ua_code, ip_hashes, dev_hashes = self._signals(actor)
        age = np.maximum(0, (t - self.joined_np[actor]) // DAY)
        lvl = level[actor]
        kinds = EVENT_KINDS

        def rows():
            for s in range(0, n, 100_000):
                sl = slice(s, s + 100_000)
                for (i, a, k, c, tg, au, at, ip, dv, ua, ag, lv) in zip(
                        ids[sl].tolist(), (actor[sl] + base).tolist(), kind[sl].tolist(), ct[sl].tolist(),
                        target[sl].tolist(), author[sl].tolist(), _stamps(t[sl]), ip_code[sl].tolist(),
                        dev_code[sl].tolist(), ua_code[sl].tolist(), age[sl].tolist(), lvl[sl].tolist()):
                    yield (i, a, kinds[k], c if c >= 0 else None, tg if tg >= 0 else None,
                           au + base if au >= 0 else None, at, ip_hashes[ip], dev_hashes[dv], UA_FAMILIES[ua],
                           ag, lv, False, True)

        self.cmd._load(InteractionEvent, ["id", "actor_id", "action", "target_ct_id", "target_id", "target_author_id",
                                          "at", "ip_prefix_hash", "device_hash", "ua_family", "account_age_days",
                                          "actor_level", "signals_expired", "valid"], rows(), n, "interaction events")
        self.event_count = n
        self.counts = {name: int((kind == code).sum()) for code, name in enumerate(kinds)}
        if self.truth_path:
            self._truth(ids, attack, camo, actor)

    def _signals(self, actor):
        """Each account's home /24, a shared mobile carrier /24, one device (a fifth have two) and
        a browser family; attack accounts take the plan's networks and devices."""
        nrng = self.np_rng
        n_acc = len(self.joined)
        U = self.U
        n_home = max(1, U // 6)  # about six accounts per home or office network
        n_carrier = max(1, min(500, U // 200))
        carrier_w = 1.0 / np.arange(1, n_carrier + 1)
        home = nrng.integers(0, n_home, n_acc)
        mobile = n_home + nrng.choice(n_carrier, n_acc, p=carrier_w / carrier_w.sum())
        p_mobile = np.full(n_acc, 0.35)
        dev1 = np.arange(n_acc, dtype=np.int64)
        has2 = nrng.random(n_acc) < 0.2
        dev2 = np.where(has2, n_acc + np.cumsum(has2) - 1, -1)
        ua = nrng.choice(len(UA_FAMILIES), n_acc, p=UA_WEIGHTS)
        attack_net0 = n_home + n_carrier
        for account, profile in self.plan.profiles.items():
            ip, device = profile["ip"], profile["device"]
            if isinstance(ip, tuple):  # ("user", i): a sock puppet on its master's network and device
                home[account], p_mobile[account] = home[ip[1]], 0.0
            elif ip:
                home[account], p_mobile[account] = attack_net0 + ip[0], 0.0
            if isinstance(device, tuple):
                dev1[account], dev2[account], ua[account] = dev1[device[1]], -1, ua[device[1]]
            else:
                dev2[account] = -1
        m = actor.size
        use_mobile = nrng.random(m) < p_mobile[actor]
        ip_code = np.where(use_mobile, mobile[actor], home[actor])
        use2 = (dev2[actor] >= 0) & (nrng.random(m) < 0.3)
        dev_code = np.where(use2, dev2[actor], dev1[actor])
        n_ips = attack_net0 + self.plan.attack_networks
        first_net = int(ipaddress.IPv4Address("11.0.0.0"))
        ip_hashes = [client_signals.ip_prefix_hash(str(ipaddress.IPv4Address(first_net + k * 256 + 7)))
                     for k in range(n_ips)]
        n_dev = int(max(dev1.max(initial=0), dev2.max(initial=0))) + 1
        dev_hashes = [client_signals.signal_hash("device", f"seed-device-{k:012d}") for k in range(n_dev)]
        return ip_code, dev_code, ua[actor], ip_hashes, dev_hashes

    def _truth(self, ids, attack, camo, actor):
        base = self.user_base
        out = {"generated_at": self.now.isoformat(), "events": int(ids.size), "attacks": [], "by_type": {}}
        for at in self.plan.attacks:
            mask = attack == at.index + 1
            fake_ids = ids[mask & ~camo].tolist()
            camo_ids = ids[mask & camo].tolist()
            out["attacks"].append({
                "index": at.index, "type": at.type, "accounts": [base + a for a in at.accounts],
                "master": base + at.master if at.master is not None else None,
                "fake_event_ids": fake_ids, "camouflage_event_ids": camo_ids,
            })
            out["by_type"].setdefault(at.type, []).extend(fake_ids + camo_ids)
        for key in out["by_type"]:
            out["by_type"][key].sort()
        out["fake_events"] = sum(len(v) for v in out["by_type"].values())
        with open(self.truth_path, "w") as fh:
            json.dump(out, fh)
        self.cmd.stdout.write(f"  ground truth: {out['fake_events']:,} fake events in {len(self.plan.attacks)} "
                              f"attacks -> {self.truth_path}")


def _joined_before(joined, accounts, t, nrng):
    """Move the join date of each account that acted at ``t`` before it joined to 1 hour - 30 days
    before ``t`` (vectorised ``InteractionSeeder._joined_before``); other accounts keep theirs."""
    joined = np.asarray(joined, dtype=np.int64)
    late = joined[accounts] > t - 3600
    np.minimum.at(joined, accounts[late], t[late] - 3600 - nrng.integers(0, 30 * DAY, int(late.sum())))
    return joined.tolist()


def _next_id(model):
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def _isos(t):
    """Epoch seconds -> ``datetime.isoformat()`` of the UTC datetime (what the ledger hashes)."""
    return [s + "+00:00" for s in np.datetime_as_string(np.asarray(t, dtype="datetime64[s]"), unit="s").tolist()]


def _stamps(t):
    """Epoch seconds -> timestamptz literals for COPY (and datetimes on SQLite)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return [s + "+00" for s in np.datetime_as_string(np.asarray(t, dtype="datetime64[s]"), unit="s").tolist()]
    return [datetime.fromtimestamp(v, UTC) for v in np.asarray(t).tolist()]
