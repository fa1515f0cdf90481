"""Synthetic review events with injected spam, for ``manage.py integrity_sim``.

Organic reviewers: activity from a power law (most write one review, a few hundreds),
product popularity from a Zipf law, ratings skewed positive around a per-product mean
plus a per-reviewer bias, dates over two years, and some organic sessions (several
reviews on one day). Spam patterns, each a share of the spam budget:

- ``singleton_burst``: 15-60 fresh accounts each post one 4-5 star review of one
  little-known product within two days;
- ``ring``: 10-200 accounts review most of 3-8 little-known products within three
  weeks; half the rings add camouflage, reviews of popular products at other times;
- ``slow_campaign``: 20-80 accounts, one 5-star review each of one or two products
  spread over 6-10 weeks, some with a few ordinary-looking reviews around it;
- ``bombing``: 10-50 accounts leave 1 star on a popular, well-rated product within a
  week, half of them with one or two other reviews.

Every review by a spam account is labelled ``spam: 1`` (camouflage too: the account is
the fraud), with its ``pattern``.
"""
import datetime as dt

import numpy as np

DAYS = 730
START = dt.date(2024, 1, 1)
SPAM_SHARE = 0.12
PATTERN_SHARE = {"singleton_burst": 0.25, "ring": 0.35, "slow_campaign": 0.2, "bombing": 0.2}


def simulate(n=100_000, *, seed=7, spam_share=SPAM_SHARE):
    """A list of dicts {user, product, rating, date, spam, pattern}, about ``n`` long, in time order."""
    rng = np.random.default_rng(seed)
    n_products = max(50, n // 40)
    popularity = 1.0 / np.arange(1, n_products + 1) ** 1.05
    popularity /= popularity.sum()
    quality = np.clip(rng.normal(3.9, 0.6, n_products), 1.5, 4.9)
    launch = np.where(np.arange(n_products) < n_products // 20, 0.0, rng.uniform(0, DAYS * 0.8, n_products))
    rows = []  # (user, product, rating, day, spam, pattern)

    def organic_rating(product, bias, size=None):
        return np.clip(np.rint(quality[product] + bias + rng.normal(0, 0.8, size)), 1, 5).astype(int)

    def when(product, day):
        return np.maximum(day, launch[product] + rng.uniform(0, 20, np.shape(product)))

    # --- organic ---
    n_organic = int(n * (1 - spam_share))
    user = 0
    while len(rows) < n_organic:
        k = int(min(rng.zipf(2.0), 300, n_organic - len(rows)))
        products = rng.choice(n_products, size=min(k, n_products), replace=False, p=popularity)
        start = rng.uniform(0, DAYS)
        days = start + np.sort(rng.uniform(0, max(DAYS - start, 1), products.size))
        if products.size > 2 and rng.random() < 0.3:  # a session: several on one day
            s = rng.integers(2, min(6, products.size) + 1)
            days[:s] = days[0]
        days = when(products, days)
        bias = rng.normal(0, 0.5)
        for p, r, d in zip(products, organic_rating(products, bias, products.size), days, strict=True):
            rows.append((f"u{user}", p, r, d, 0, ""))
        user += 1

    # --- spam ---
    budget = n - len(rows)
    obscure = np.arange(n_products // 10, n_products)
    head = np.arange(min(100, n_products))
    account = 0

    def new_account():
        nonlocal account
        account += 1
        return f"s{account}"

    def camouflage(acct, count, pattern, around=None):
        products = rng.choice(n_products, size=count, replace=False, p=popularity)
        if around is None:
            days = rng.uniform(0, DAYS, count)
        else:
            days = np.clip(around + rng.uniform(-60, 60, count), 0, DAYS)
        for p, r, d in zip(products, organic_rating(products, 0.0, count), when(products, days), strict=True):
            rows.append((acct, p, r, d, 1, pattern))

    for pattern, share in PATTERN_SHARE.items():
        target = len(rows) + int(budget * share)
        while len(rows) < target:
            if pattern == "singleton_burst":
                product = rng.choice(obscure)
                day0 = rng.uniform(launch[product], DAYS - 3)
                for _ in range(rng.integers(15, 61)):
                    rows.append((new_account(), product, int(rng.choice([4, 5], p=[0.1, 0.9])),
                                 day0 + rng.uniform(0, 2), 1, pattern))
            elif pattern == "ring":
                products = rng.choice(obscure, size=rng.integers(3, 9), replace=False)
                day0 = rng.uniform(launch[products].max(), DAYS - 21)
                camo = rng.random() < 0.5
                for _ in range(rng.integers(10, 201)):
                    acct = new_account()
                    chosen = products[rng.random(products.size) < 0.7]
                    chosen = chosen if chosen.size else products[:1]
                    for p in chosen:
                        rows.append((acct, p, int(rng.choice([4, 5], p=[0.2, 0.8])),
                                     day0 + rng.uniform(0, 21), 1, pattern))
                    if camo:
                        camouflage(acct, int(rng.integers(2, 9)), pattern)
            elif pattern == "slow_campaign":
                products = rng.choice(obscure, size=rng.integers(1, 3), replace=False)
                weeks = rng.integers(6, 11)
                day0 = rng.uniform(launch[products].max(), DAYS - 7 * weeks)
                for _ in range(rng.integers(20, 81)):
                    acct = new_account()
                    d = day0 + rng.uniform(0, 7 * weeks)
                    rows.append((acct, rng.choice(products), 5, d, 1, pattern))
                    extra = int(rng.choice([0, 1, 2, 3], p=[0.4, 0.3, 0.2, 0.1]))
                    if extra:
                        camouflage(acct, extra, pattern, around=d)
            else:  # bombing
                good = head[quality[head] >= 4.0]
                product = rng.choice(good if good.size else head)
                day0 = rng.uniform(launch[product], DAYS - 7)
                for _ in range(rng.integers(10, 51)):
                    acct = new_account()
                    d = day0 + rng.uniform(0, 7)
                    rows.append((acct, product, 1, d, 1, pattern))
                    if rng.random() < 0.5:
                        camouflage(acct, int(rng.integers(1, 3)), pattern, around=d)

    rows.sort(key=lambda row: row[3])
    return [
        {"user": u, "product": f"p{p}", "rating": int(r),
         "date": (START + dt.timedelta(days=int(min(d, DAYS)))).isoformat(), "spam": s, "pattern": pat}
        for u, p, r, d, s, pat in rows
    ]


# ----------------------------------------------------------------------------------------------
# Vote interactions (issue 11, section 2): ``simulate_votes`` builds ``votes.VoteEvents`` with
# ground truth, vectorised so that 10M events take seconds.

VOTE_DAYS = 60
VOTE_FAKE_SHARE = 0.03
VOTE_ATTACK_SHARE = {"ring": 0.22, "slow_ring": 0.18, "bought_helpful": 0.13, "swarm": 0.13,
                     "sock_puppets": 0.13, "serial": 0.09,
                     # evasions past the detectors' defaults, to show where they stop
                     "ring_deep_camouflage": 0.06, "bought_aged": 0.06}
VOTE_PATTERNS = ("organic", "viral") + tuple(VOTE_ATTACK_SHARE)


def simulate_votes(n=1_000_000, *, seed=7, fake_share=VOTE_FAKE_SHARE):
    """About ``n`` interactions over VOTE_DAYS days: ``(events, fake, pattern, camouflage)``.

    ``fake`` (bool per row): cast by an attacker (a ring account's camouflage votes too;
    for ``serial`` only the serial votes, the voter being a real member). ``pattern``
    (int8 per row): index into VOTE_PATTERNS (``viral`` marks organic votes on the viral
    entries). ``camouflage``: a fake account's vote on a popular target outside its attack.

    Organic: account activity from a Pareto(1.1) law (most vote a few times, a few
    thousands), targets (60 % reviews, 30 % entries, 10 % poll options) with Zipf(1)
    popularity, created over the period with votes decaying from creation (exponential,
    mean 1-10 days) plus a uniform tail, authors drawn from 20 % of the accounts with
    Pareto(1.2) productivity; 15 % of accounts join during the period; 3 % of accounts live
    in families of 2-3 sharing one device and home prefix; votes come 60 % from a home
    /24 (about 20 accounts each) and 40 % from one of 200 carrier prefixes; 10 % carry no
    device cookie. Viral: 1-3 entries each get 1.5 % of the organic votes within 36 hours,
    a quarter of them from accounts made that day. Attacks are described in VOTE_ATTACK_SHARE
    order in docs/integrity.md ("Detectors on interactions").
    """
    from moderation.integrity.votes import KIND_CODE, VoteEvents

    rng = np.random.default_rng(seed)
    horizon = VOTE_DAYS * 86400.0
    n_fake = int(n * fake_share)
    n_org = n - n_fake
    n_acc = max(200, n_org // 12)
    n_tg = max(100, n_org // 30)
    # --- accounts
    activity = np.minimum(rng.pareto(1.1, n_acc) + 1.0, 5000.0)
    created = np.where(rng.random(n_acc) < 0.85, -rng.uniform(30, 1500, n_acc) * 86400.0,
                       rng.uniform(0, horizon, n_acc))
    device = np.arange(n_acc, dtype=np.int64)
    n_home = max(10, n_acc // 20)
    home = rng.integers(0, n_home, n_acc)
    fam = rng.random(n_acc) < 0.03  # family members share the device and the home prefix of a neighbour id
    fam_idx = np.flatnonzero(fam)
    fam_idx = fam_idx[fam_idx > 0]
    device[fam_idx] = device[fam_idx - 1]
    home[fam_idx] = home[fam_idx - 1]
    # --- targets
    tkind = rng.choice(3, n_tg, p=[0.6, 0.3, 0.1])  # review, entry, poll option
    pop = 1.0 / np.arange(1, n_tg + 1)
    rng.shuffle(pop)
    pop /= pop.sum()
    t_created = rng.uniform(-20 * 86400.0, horizon, n_tg)
    decay = rng.uniform(1, 10, n_tg) * 86400.0
    creators = rng.choice(n_acc, max(10, n_acc // 5), replace=False)
    prod = rng.pareto(1.2, creators.size) + 1.0
    t_author = np.where(tkind == 2, -1, creators[rng.choice(creators.size, n_tg, p=prod / prod.sum())])
    # --- organic votes
    n_viral = max(1, min(3, n // 3_000_000 + 1))
    viral_t = np.flatnonzero(tkind == 1)[:n_viral]
    per_viral = int(0.015 * n_org)
    n_plain = n_org - per_viral * n_viral
    m = int(n_plain * 1.6)  # drawn with repeats, which are then dropped
    tg = rng.choice(n_tg, m, p=pop)
    t = t_created[tg] + np.where(rng.random(m) < 0.7, rng.exponential(decay[tg]), rng.uniform(0, horizon, m))
    out = (t < 0) | (t > horizon)
    t[out] = rng.uniform(np.maximum(t_created[tg[out]], 0), horizon)
    actor = rng.choice(n_acc, m, p=activity / activity.sum())
    # one vote per account and target (a vote is a toggle): drop the repeats the draw makes
    _, once = np.unique(actor.astype(np.int64) * n_tg + tg, return_index=True)
    if once.size > n_plain:
        once = rng.choice(once, n_plain, replace=False)
    once.sort()
    actor, tg, t = actor[once], tg[once], t[once]
    n_plain = once.size
    pattern = np.zeros(n_plain, dtype=np.int8)
    parts_actor, parts_tg, parts_t, parts_pat = [actor], [tg], [t], [pattern]
    new_accounts = []  # (first id, count, created array)
    next_acc = n_acc
    for v in viral_t:
        t0 = rng.uniform(5, VOTE_DAYS - 5) * 86400.0
        tv = t0 + rng.gamma(2.0, 0.25 * 86400.0, per_viral)
        fresh = rng.random(per_viral) < 0.25
        av = rng.choice(n_acc, per_viral, p=activity / activity.sum())
        av[fresh] = next_acc + np.arange(fresh.sum())
        _, once = np.unique(av, return_index=True)
        once.sort()
        av, tv, fresh = av[once], tv[once], fresh[once]
        new_accounts.append((next_acc, int(fresh.sum()), tv[fresh] - rng.uniform(0, 6 * 3600, fresh.sum())))
        next_acc += int(fresh.sum())
        parts_actor.append(av)
        parts_tg.append(np.full(av.size, v))
        parts_t.append(tv)
        parts_pat.append(np.full(av.size, VOTE_PATTERNS.index("viral"), dtype=np.int8))
    # --- attacks
    fake_rows = []  # dicts of arrays
    head = np.argsort(-pop)[: max(20, n_tg // 100)]
    tail = np.argsort(-pop)[n_tg // 3:]
    tail = tail[tkind[tail] != 2]
    acc_extra = {}  # account id -> (created, device, home)

    def accounts(k, *, young=False, shared_device=None, shared_home=None):
        nonlocal next_acc
        ids = next_acc + np.arange(k)
        next_acc += k
        for i in ids.tolist():
            acc_extra[i] = (
                None if young else -rng.uniform(60, 900) * 86400.0,
                shared_device if shared_device is not None else 10_000_000 + i,
                shared_home if shared_home is not None else int(rng.integers(0, n_home)),
            )
        return ids

    def add(a, g, tt, pat, camo=False):
        a = np.asarray(a, dtype=np.int64)
        fake_rows.append({"actor": a, "tg": np.asarray(g, dtype=np.int64), "t": np.clip(tt, 0, horizon),
                          "pat": np.full(a.size, VOTE_PATTERNS.index(pat), dtype=np.int8),
                          "camo": np.full(a.size, camo)})

    def camouflage(ids, pat, lo, hi, after=None):
        """Votes on popular targets at random times (after ``after``, when the accounts are new)."""
        k = rng.integers(lo, hi + 1, ids.size)
        a = np.repeat(ids, k)
        t0 = 0.0 if after is None else after
        add(a, rng.choice(head, a.size), rng.uniform(t0, horizon, a.size), pat, camo=True)
        return a.size

    budget = {p: int(n_fake * s) for p, s in VOTE_ATTACK_SHARE.items()}
    young_created = {}
    for pat, left in budget.items():
        used = 0
        while used < left:
            if pat in ("ring", "slow_ring", "ring_deep_camouflage"):
                size = int(rng.integers(10, 101 if pat == "slow_ring" else 201))
                targets = rng.choice(tail, int(rng.integers(3, 9 if pat == "ring" else 7)), replace=False)
                ids = accounts(size)
                take = rng.random((size, targets.size)) < 0.7
                take[np.arange(size), rng.integers(0, targets.size, size)] = True
                take[np.arange(size), rng.integers(0, targets.size, size)] = True
                a, j = np.nonzero(take)
                dur = rng.uniform(14, 42) if pat == "slow_ring" else rng.uniform(0.25, 2)
                start = rng.uniform(0, VOTE_DAYS - dur) * 86400.0
                add(ids[a], targets[j], start + rng.uniform(0, dur * 86400.0, a.size), pat)
                used += a.size
                if pat == "ring_deep_camouflage":
                    used += camouflage(ids, pat, 40, 120)  # busy-looking accounts: ring votes < 5 % of theirs
                elif rng.random() < 0.5:
                    camouflage(ids, pat, 2, 10)
            elif pat in ("bought_helpful", "swarm", "bought_aged"):
                size = int(rng.integers(30, 301) if pat == "swarm" else rng.integers(20, 151))
                kinds_ok = tail[tkind[tail] == (1 if pat == "swarm" else 0)]
                target = rng.choice(kinds_ok)
                ids = accounts(size, young=True)
                dur = rng.uniform(2, 12) * 3600.0 if pat == "swarm" else rng.uniform(1, 2) * 86400.0
                start = rng.uniform(1, VOTE_DAYS - 3) * 86400.0
                tt = start + rng.uniform(0, dur, size)
                # bought_aged: accounts registered 8-30 days ahead, past the swarm's 7-day age
                lo_hi = {"bought_helpful": (0, 3), "swarm": (0, 5), "bought_aged": (8, 30)}[pat]
                for i, ti in zip(ids.tolist(), tt.tolist(), strict=True):
                    young_created[i] = ti - rng.uniform(*lo_hi) * 86400.0
                add(ids, np.full(size, target), tt, pat)
                used += size
                if pat != "swarm":
                    some = ids[rng.random(size) < 0.3]
                    if some.size:
                        camouflage(some, pat, 1, 2, after=start + dur)
            elif pat == "sock_puppets":
                size = int(rng.integers(3, 9))
                devices = 20_000_000 + next_acc + np.arange(int(rng.integers(1, 3)))
                prefix = int(rng.integers(0, n_home))
                ids = next_acc + np.arange(size)
                for k2, i in enumerate(ids.tolist()):
                    acc_extra[i] = (-rng.uniform(60, 900) * 86400.0, int(devices[k2 % devices.size]), prefix)
                next_acc += size
                own = rng.choice(tail, int(rng.integers(5, 21)), replace=False)
                t_author[own] = ids[0]
                take = rng.random((size, own.size)) < rng.uniform(0.6, 1.0)
                take[0] = False  # the operator's main account does not vote on its own content
                a, j = np.nonzero(take)
                add(ids[a], own[j], rng.uniform(0, horizon, a.size), pat)
                used += a.size
                camouflage(ids, pat, 3, 15)
            else:  # serial: a real member votes for one author's content in a sitting
                by_author = np.bincount(t_author[t_author >= 0], minlength=n_acc)
                prolific = np.flatnonzero(by_author >= 10)
                if prolific.size == 0:
                    break
                author = rng.choice(prolific)
                own = np.flatnonzero(t_author == author)
                k = int(rng.integers(10, min(40, own.size) + 1))
                voter = int(rng.choice(n_acc))
                start = rng.uniform(0, VOTE_DAYS - 1) * 86400.0
                add(np.full(k, voter), rng.choice(own, k, replace=False), start + rng.uniform(0, rng.uniform(1, 24) * 3600, k),
                    pat)
                used += k
    # --- assemble
    fa = [r["actor"] for r in fake_rows]
    actor = np.concatenate(parts_actor + fa)
    tg = np.concatenate(parts_tg + [r["tg"] for r in fake_rows])
    t = np.concatenate(parts_t + [r["t"] for r in fake_rows])
    pattern = np.concatenate(parts_pat + [r["pat"] for r in fake_rows])
    n_o = sum(x.size for x in parts_actor)
    fake = np.r_[np.zeros(n_o, dtype=bool), np.ones(t.size - n_o, dtype=bool)]
    camo = np.r_[np.zeros(n_o, dtype=bool)] if not fake_rows else np.r_[np.zeros(n_o, dtype=bool),
                                                                       np.concatenate([r["camo"] for r in fake_rows])]
    # per-account attributes for every id up to next_acc
    total_acc = next_acc
    acc_created = np.full(total_acc, np.nan)
    acc_created[:n_acc] = created
    acc_device = np.arange(total_acc, dtype=np.int64) + 0
    acc_device[:n_acc] = device
    acc_home = rng.integers(0, n_home, total_acc)
    acc_home[:n_acc] = home
    for first, count, cr in new_accounts:
        acc_created[first:first + count] = cr
    for i, (cr, dev, hm) in acc_extra.items():
        acc_device[i] = dev
        acc_home[i] = hm
        if cr is not None:
            acc_created[i] = cr
    for i, cr in young_created.items():
        acc_created[i] = cr
    # no account votes before it exists
    first_t = np.full(total_acc, np.inf)
    np.minimum.at(first_t, actor, t)
    late = np.isnan(acc_created) | (acc_created > first_t)
    acc_created[late] = first_t[late] - rng.uniform(0, 86400.0, late.sum())
    order = np.argsort(t, kind="stable")
    actor, tg, t, pattern, fake, camo = actor[order], tg[order], t[order], pattern[order], fake[order], camo[order]
    kind = np.array([KIND_CODE["helpful_vote"], KIND_CODE["entry_vote"], KIND_CODE["poll_vote"]], dtype=np.int8)[tkind[tg]]
    unhelpful = (kind == KIND_CODE["helpful_vote"]) & (rng.random(t.size) < 0.1) & ~fake
    kind[unhelpful] = KIND_CODE["unhelpful_vote"]
    carrier = rng.random(t.size) < 0.4
    ip = np.where(carrier, 5_000_000 + rng.zipf(1.5, t.size) % 200, acc_home[actor])
    puppet = pattern == VOTE_PATTERNS.index("sock_puppets")
    ip[puppet] = acc_home[actor[puppet]]
    dev = np.where(rng.random(t.size) < 0.1, -1, acc_device[actor])
    dev[puppet] = acc_device[actor[puppet]]
    events = VoteEvents(
        event_id=np.arange(1, t.size + 1, dtype=np.int64),
        actor=actor.astype(np.int64),
        target=tg.astype(np.int64),
        author=t_author[tg].astype(np.int64),
        t=1_700_000_000.0 + t,
        kind=kind,
        ip=ip.astype(np.int64),
        device=dev.astype(np.int64),
        age_days=(t - acc_created[actor]) / 86400.0,
    )
    return events, fake, pattern, camo
