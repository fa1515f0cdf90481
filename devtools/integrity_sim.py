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
