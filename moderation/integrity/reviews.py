"""Behaviour features of review events, text left out.

The feature set of Rayana & Akoglu ("Collective Opinion Spam Detection: Bridging
Review Networks and Metadata", KDD 2015, Table 2), itself drawn from Mukherjee et al.
("What Yelp Fake Review Filter Might Be Doing?", ICWSM 2013) and Lim et al. (CIKM 2010),
as far as it is defined by (user, product, rating, time) alone, plus one feature of our
own (``PB``, the product's local burst). Everything is vectorised numpy over arrays of
events; nothing here reads or writes the database.

Review features (one value per review):
    RANK  1-based position of the review in its product's timeline (earlier = lower)
    RD    |rating - the product's mean rating|
    EXT   1 if the rating is extreme (1 or 5 stars)
    DEV   1 if RD >= DEV_STARS (an extreme deviation)
    ETF   early time frame: 1 - (t - first review of the product) / ETF_DAYS, 0 after that
    ISR   1 if it is its author's only review
    PB    reviews of the same product within +-BURST_HALF_DAYS days, over the number the
          product's average rate would give in such a window (our addition)

Account features (one value per account; ``group_features`` also gives them per product):
    N      number of reviews
    MNR    maximum number of reviews on one calendar day (UTC)
    PR NR  share of positive (4-5) / negative (1-2) ratings
    avgRD  mean RD
    WRD    RD weighted by 1 / RANK ** 1.5 (early deviations weigh more)
    BST    burstiness: 1 - (last - first) / BST_DAYS, 0 when the activity spans longer
    ERD    entropy (bits) of the rating distribution
    ETG    entropy (bits) of the gaps between consecutive reviews, binned at ETG_EDGES days
"""
import datetime as dt
from dataclasses import dataclass

import numpy as np

DAY_SECONDS = 86400.0
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
ETF_DAYS = 210.0  # "7 months" (Mukherjee et al.)
BST_DAYS = 28.0  # Rayana & Akoglu's burstiness window
DEV_STARS = 2.5
WRD_ALPHA = 1.5
ETG_EDGES = np.array([0.5, 1, 4, 7, 13, 33])  # days (Rayana & Akoglu)
BURST_HALF_DAYS = 3.0
RATE_MIN_SPAN_DAYS = 30.0  # a product's rate is never taken over less than this

REVIEW_FEATURES = ("RANK", "RD", "EXT", "DEV", "ETF", "ISR", "PB")
GROUP_FEATURES = ("N", "MNR", "PR", "NR", "avgRD", "WRD", "BST", "ERD", "ETG")


def parse_event(obj):
    """Validate one input record -> (user, product, rating, time in days since the epoch, UTC).

    Raises ValueError with a message naming the field. Other keys are ignored.
    Naive datetimes and plain dates are taken as UTC.
    """
    if not isinstance(obj, dict):
        raise ValueError('expected a JSON object {"user", "product", "rating", "date"}')
    ids = []
    for key in ("user", "product"):
        value = obj.get(key)
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
            raise ValueError(f'"{key}" must be a non-empty string')
        ids.append(str(value))
    rating = obj.get("rating")
    if isinstance(rating, bool) or not isinstance(rating, (int, float)) or rating not in (1, 2, 3, 4, 5):
        raise ValueError(f'"rating" must be an integer from 1 to 5, got {rating!r}')
    date = obj.get("date")
    try:
        when = dt.datetime.fromisoformat(date)
    except (TypeError, ValueError):
        raise ValueError(f'"date" must be "YYYY-MM-DD" or an ISO datetime, got {date!r}') from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return ids[0], ids[1], int(rating), (when - EPOCH).total_seconds() / DAY_SECONDS


def _encode(keys):
    """Dense integer codes in sorted key order, so results do not depend on the input order."""
    index = {k: i for i, k in enumerate(sorted(set(keys)))}
    return np.fromiter((index[k] for k in keys), dtype=np.int64, count=len(keys)), len(index)


@dataclass(frozen=True)
class Events:
    user: np.ndarray  # int account index, 0..n_users-1
    product: np.ndarray  # int product index
    rating: np.ndarray  # float 1..5
    t: np.ndarray  # days since the epoch (float)
    n_users: int
    n_products: int

    @classmethod
    def build(cls, users, products, ratings, times):
        u, n_users = _encode(users)
        p, n_products = _encode(products)
        return cls(u, p, np.asarray(ratings, dtype=float), np.asarray(times, dtype=float), n_users, n_products)

    def __len__(self):
        return self.user.size


def _entropy_bits(counts):
    """Row-wise entropy in bits of a (groups x bins) count matrix; 0 for empty rows."""
    total = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, counts / np.maximum(total, 1), 0.0)
        terms = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return terms.sum(axis=1) + 0.0  # +0.0 turns -0.0 into 0.0


def _timeline(owner, n_owner, t):
    """Order of events by (owner, t, input order), the start of each owner's run, counts."""
    order = np.lexsort((np.arange(owner.size), t, owner))
    counts = np.bincount(owner, minlength=n_owner)
    starts = np.cumsum(counts) - counts
    return order, starts, counts


def product_windows(ev, half_days):
    """Reviews sorted by (product, time): the order, and for each sorted review the
    [lo, hi) range of sorted reviews of the same product within +-half_days."""
    n = len(ev)
    order = np.lexsort((np.arange(n), ev.t, ev.product))
    t = ev.t[order]
    if n == 0:
        return order, order, order
    key = ev.product[order] * (float(t.max() - t.min()) + 2 * half_days + 1) + (t - t.min())
    return order, np.searchsorted(key, key - half_days, side="left"), np.searchsorted(key, key + half_days,
                                                                                       side="right")


def review_features(ev):
    """dict name -> array (len(ev)) of the review features, plus product mean and burst detail."""
    n = len(ev)
    order, starts, counts = _timeline(ev.product, ev.n_products, ev.t)
    rank = np.empty(n)
    rank[order] = np.arange(n) - starts[ev.product[order]] + 1
    first = np.full(ev.n_products, np.inf)
    last = np.full(ev.n_products, -np.inf)
    nonempty = counts > 0
    first[nonempty] = ev.t[order][starts[nonempty]]
    last[nonempty] = ev.t[order][starts[nonempty] + counts[nonempty] - 1]
    mean = np.bincount(ev.product, weights=ev.rating, minlength=ev.n_products) / np.maximum(counts, 1)
    rd = np.abs(ev.rating - mean[ev.product])
    since_first = ev.t - first[ev.product]
    etf = np.where(since_first > ETF_DAYS, 0.0, 1.0 - since_first / ETF_DAYS)
    user_counts = np.bincount(ev.user, minlength=ev.n_users)
    # Product-local burst: neighbours within +-BURST_HALF_DAYS on the product's timeline.
    window_order, lo, hi = product_windows(ev, BURST_HALF_DAYS)
    near = np.empty(n)
    near[window_order] = hi - lo - 1
    span = np.maximum(last - first, RATE_MIN_SPAN_DAYS)
    expected = (counts - 1) * (2 * BURST_HALF_DAYS) / span
    return {
        "RANK": rank,
        "RD": rd,
        "EXT": ((ev.rating == 1) | (ev.rating == 5)).astype(float),
        "DEV": (rd >= DEV_STARS).astype(float),
        "ETF": etf,
        "ISR": (user_counts[ev.user] == 1).astype(float),
        "PB": near / (1.0 + expected[ev.product]),
        # detail for reasons, not features
        "_product_mean": mean[ev.product],
        "_near": near,
        "_expected": expected[ev.product],
        "_product_reviews": counts[ev.product].astype(float),
    }


def group_features(owner, n_owner, ev, rd, rank):
    """dict name -> array (n_owner) of the account features, grouping events by ``owner``
    (``ev.user`` for accounts, ``ev.product`` for products)."""
    counts = np.bincount(owner, minlength=n_owner)
    safe = np.maximum(counts, 1)
    day = np.floor(ev.t).astype(np.int64)
    day -= day.min() if day.size else 0
    per_day = np.unique(owner * (int(day.max()) + 1 if day.size else 1) + day, return_counts=True)
    mnr = np.zeros(n_owner)
    np.maximum.at(mnr, per_day[0] // (int(day.max()) + 1 if day.size else 1), per_day[1])
    w = rank ** -WRD_ALPHA
    order, starts, _ = _timeline(owner, n_owner, ev.t)
    t_sorted = ev.t[order]
    nonempty = counts > 0
    first = np.zeros(n_owner)
    last = np.zeros(n_owner)
    first[nonempty] = t_sorted[starts[nonempty]]
    last[nonempty] = t_sorted[starts[nonempty] + counts[nonempty] - 1]
    span = last - first
    ratings = np.bincount(owner * 5 + ev.rating.astype(np.int64) - 1, minlength=n_owner * 5).reshape(n_owner, 5)
    gap_owner = owner[order][1:]
    same = gap_owner == owner[order][:-1]
    gap_bins = np.digitize(np.diff(t_sorted)[same], ETG_EDGES)
    n_bins = ETG_EDGES.size + 1
    gaps = np.bincount(gap_owner[same] * n_bins + gap_bins, minlength=n_owner * n_bins).reshape(n_owner, n_bins)
    return {
        "N": counts.astype(float),
        "MNR": mnr,
        "PR": ratings[:, 3:].sum(axis=1) / safe,
        "NR": ratings[:, :2].sum(axis=1) / safe,
        "avgRD": np.bincount(owner, weights=rd, minlength=n_owner) / safe,
        "WRD": np.bincount(owner, weights=rd * w, minlength=n_owner)
        / np.maximum(np.bincount(owner, weights=w, minlength=n_owner), 1e-12),
        "BST": np.where(span > BST_DAYS, 0.0, 1.0 - span / BST_DAYS) * nonempty,
        "ERD": _entropy_bits(ratings),
        "ETG": _entropy_bits(gaps),
        "_span": span,
    }
