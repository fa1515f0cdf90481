"""Zero-shot suspicion of review events from behaviour alone.

1. Features (``reviews.py``) per review and per account.
2. Each feature becomes a suspiciousness in [0, 1] through its empirical CDF in the
   suspicious direction, as SpEagle's priors do (Rayana & Akoglu 2015, section 4.2);
   the CDF is the mid-rank one, so a value shared by many (ISR = 0) is not pushed to 1.
3. Per node (review, account), the feature suspicions combine as SpEagle's prior does,
   1 - sqrt(mean((1 - f)^2)), a mean that leans towards the least suspicious features,
   so one odd feature alone does not make a node suspicious.
4. A light propagation in place of SpEagle's loopy belief propagation. First round: a
   review blends its own prior, its author's (the account prior and a power mean of the
   priors of the account's reviews) and the mean prior of the other reviews of the same
   product within +-3 days, so reviews in a coordinated burst lift each other. Second
   round: a review takes half of its author's mean, so the camouflage reviews of a
   suspicious account rise with it.
5. FRAUDAR (``fraudar.py``) runs on the reviews that sit in a product-local burst
   (PB >= 2); a block whose reviews are also close in time is lockstep evidence, and
   membership joins the behaviour score by noisy-OR.
6. An account's suspicion is the mean suspicion of its reviews.
"""
from dataclasses import dataclass, field

import numpy as np

from . import fraudar, reviews

# Direction in which each feature is suspicious (Rayana & Akoglu, Table 2).
REVIEW_DIRECTIONS = {"RANK": "low", "RD": "high", "EXT": "high", "DEV": "high", "ETF": "high",
                     "ISR": "high", "PB": "high"}
ACCOUNT_DIRECTIONS = {"MNR": "high", "PR": "high", "NR": "high", "avgRD": "high", "WRD": "high",
                      "BST": "high", "ERD": "low", "ETG": "low"}
FRAUDAR_BLOCKS = 12
BLOCK_MIN_ACCOUNTS = 3
# Accounts in a lockstep block share several targets; a block with about one review per
# account is a crowd on one product, which PB already sees, or a coincidence.
BLOCK_MIN_EDGES_PER_ACCOUNT = 1.5
BLOCK_MAX_IQR_DAYS = reviews.BST_DAYS
BLOCK_MIN_PB = 2.0
BLOCK_SUSPICION = 0.6  # what membership of a lockstep block adds, by noisy-OR
# Weights of the final blend: own prior, author, same-product neighbours in time.
BLEND = (0.4, 0.2, 0.4)
ACCOUNT_POWER = 4.0


def ecdf(x, direction="high", *, midrank=True):
    """Empirical-CDF suspiciousness of each value: P(X <= x) (``direction="high"``) or
    P(X >= x) (``"low"``); with ``midrank`` ties share the mean of the two."""
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        return x.copy()
    if direction == "low":
        x = -x
    s = np.sort(x)
    hi = np.searchsorted(s, x, side="right")
    if not midrank:
        return hi / x.size
    lo = np.searchsorted(s, x, side="left")
    return (lo + hi) / (2.0 * x.size)


def prior(columns):
    """SpEagle's prior from feature suspicions: 1 - sqrt(mean((1 - f)^2))."""
    stacked = np.vstack(columns)
    return 1.0 - np.sqrt(np.mean((1.0 - stacked) ** 2, axis=0))


def _group_mean(values, owner, n_owner):
    return np.bincount(owner, weights=values, minlength=n_owner) / np.maximum(
        np.bincount(owner, minlength=n_owner), 1)


def _window_mean_others(ev, values, half_days):
    """Mean of ``values`` over the other reviews of the same product within +-half_days
    (NaN where there are none)."""
    order, lo, hi = reviews.product_windows(ev, half_days)
    csum = np.concatenate([[0.0], np.cumsum(values[order])])
    count = hi - lo - 1
    total = csum[hi] - csum[lo] - values[order]
    out = np.empty(len(ev))
    with np.errstate(invalid="ignore", divide="ignore"):
        out[order] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


def _power_mean(values, owner, n_owner, p=None):
    """Per-owner power mean: between the mean (p=1) and the max, so one clearly suspicious
    review marks its account while many ordinary ones do not average it away."""
    p = ACCOUNT_POWER if p is None else p
    return _group_mean(values ** p, owner, n_owner) ** (1.0 / p)


@dataclass
class DenseBlocks:
    block_of: np.ndarray  # per account: index into ``blocks`` or -1
    blocks: list = field(default_factory=list)  # fraudar.Block, evidence ones only
    spread_days: list = field(default_factory=list)  # per kept block: median IQR of its review dates


def _median_column_iqr(col, t):
    """Median over columns of the interquartile range of ``t`` within each column (lower
    nearest-rank quartiles), columns with one edge left out; inf when none has two."""
    order = np.lexsort((t, col))
    col, t = col[order], t[order]
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    counts = np.diff(np.r_[starts, col.size])
    several = counts >= 2
    if not several.any():
        return np.inf
    starts, counts = starts[several], counts[several]
    q1 = t[starts + ((counts - 1) * 0.25).astype(int)]
    q3 = t[starts + ((counts - 1) * 0.75).astype(int)]
    return float(np.median(q3 - q1))


def dense_blocks(ev, burst, *, blocks=FRAUDAR_BLOCKS):
    """FRAUDAR over the account x product graph; a block counts as evidence only when its
    reviews are also close in time (lockstep, as in CopyCatch, Beutel et al. WWW 2013):
    the median, over the block's products, of the interquartile range of the block's
    review dates is at most BLOCK_MAX_IQR_DAYS. In review data FRAUDAR's densest blocks
    are otherwise the cores of heavy organic reviewers on popular products, whose reviews
    of one product are months apart. ``burst`` (the PB feature) restricts the graph to
    reviews in a product-local burst, which leaves most of those cores out."""
    edges = burst >= BLOCK_MIN_PB
    found = fraudar.fraudar(ev.user[edges], ev.product[edges], ev.n_users, ev.n_products, blocks=blocks)
    block_of = np.full(ev.n_users, -1)
    kept, spread = [], []
    for block in found:
        if block.rows.size < BLOCK_MIN_ACCOUNTS or block.edges < BLOCK_MIN_EDGES_PER_ACCOUNT * block.rows.size:
            continue
        inside = np.isin(ev.user, block.rows) & np.isin(ev.product, block.cols)
        iqr = _median_column_iqr(ev.product[inside], ev.t[inside])
        if iqr > BLOCK_MAX_IQR_DAYS:
            continue
        fresh = block.rows[block_of[block.rows] < 0]
        block_of[fresh] = len(kept)
        kept.append(block)
        spread.append(iqr)
    return DenseBlocks(block_of=block_of, blocks=kept, spread_days=spread)


@dataclass
class Scores:
    suspicion: np.ndarray  # per review, [0, 1]
    account_suspicion: np.ndarray  # per review: its author's suspicion
    reasons: list  # per review: list of reason strings
    # intermediate results, for evaluation and for reasons
    review_prior: np.ndarray = None
    account_prior: np.ndarray = None
    blocks: DenseBlocks = None


def score(ev, *, blocks=FRAUDAR_BLOCKS):
    """Score every review of ``ev`` (an ``reviews.Events``)."""
    if len(ev) == 0:
        return Scores(np.zeros(0), np.zeros(0), [], np.zeros(0), np.zeros(0), DenseBlocks(np.zeros(0, dtype=int)))
    rf = reviews.review_features(ev)
    af = reviews.group_features(ev.user, ev.n_users, ev, rf["RD"], rf["RANK"])
    dense = dense_blocks(ev, rf["PB"], blocks=blocks)
    review_cols = {k: ecdf(rf[k], d) for k, d in REVIEW_DIRECTIONS.items()}
    account_cols = {k: ecdf(af[k], d) for k, d in ACCOUNT_DIRECTIONS.items()}
    review_prior = prior(list(review_cols.values()))
    account_prior = prior(list(account_cols.values()))
    author = 0.5 * account_prior[ev.user] + 0.5 * _power_mean(review_prior, ev.user, ev.n_users)[ev.user]
    neighbours = _window_mean_others(ev, review_prior, reviews.BURST_HALF_DAYS)
    neighbours = np.where(np.isnan(neighbours), review_prior, neighbours)
    a, b, c = BLEND
    first_round = a * review_prior + b * author + c * neighbours
    # Second round: a review shares half its author's mean, so camouflage reviews of a
    # suspicious account rise with it.
    behaviour = 0.5 * first_round + 0.5 * _group_mean(first_round, ev.user, ev.n_users)[ev.user]
    # The block detector's output joins by noisy-OR: lockstep evidence stands on its own.
    in_block = (dense.block_of >= 0)[ev.user]
    suspicion = np.clip(1.0 - (1.0 - behaviour) * (1.0 - BLOCK_SUSPICION * in_block), 0.0, 1.0)
    account = _group_mean(suspicion, ev.user, ev.n_users)
    return Scores(
        suspicion=suspicion,
        account_suspicion=account[ev.user],
        reasons=explain(ev, rf, af, dense),
        review_prior=review_prior,
        account_prior=account_prior,
        blocks=dense,
    )


def baseline_feature_mean(ev):
    """Baseline: the plain mean of the SpEagle-prior CDFs P(X <= x) of Rayana & Akoglu's
    behaviour features of the review and of its author, no propagation, no FRAUDAR."""
    rf = reviews.review_features(ev)
    af = reviews.group_features(ev.user, ev.n_users, ev, rf["RD"], rf["RANK"])
    cols = [ecdf(rf[k], d, midrank=False) for k, d in REVIEW_DIRECTIONS.items() if k != "PB"]
    cols += [ecdf(af[k], d, midrank=False)[ev.user] for k, d in ACCOUNT_DIRECTIONS.items()]
    return np.mean(np.vstack(cols), axis=0)


def baseline_fraudar(ev, *, blocks=FRAUDAR_BLOCKS):
    """Baseline: plain FRAUDAR; a review scores its author's block density (0 outside any block)."""
    density = np.zeros(ev.n_users)
    for block in fraudar.fraudar(ev.user, ev.product, ev.n_users, ev.n_products, blocks=blocks):
        rows = block.rows[density[block.rows] == 0]
        density[rows] = block.density
    return density[ev.user]


def explain(ev, rf, af, dense):
    """Short stable reason strings per review: ``code`` or ``code:detail``."""
    u = ev.user
    n_reviews = af["N"][u]
    mnr = af["MNR"][u]
    span = af["_span"][u]
    one_sided = (af["ERD"][u] == 0) & (n_reviews >= 3) & (af["PR"][u] + af["NR"][u] == 1)
    block = dense.block_of[u]
    out = []
    for i in range(len(ev)):
        r = []
        if n_reviews[i] == 1:
            r.append("singleton")
        if mnr[i] >= 3:
            r.append(f"burst:{int(mnr[i])} reviews in 1 day")
        elif n_reviews[i] >= 3 and span[i] <= 7:
            r.append(f"burst:{int(n_reviews[i])} reviews in {int(span[i]) + 1} days")
        if rf["PB"][i] >= 4 and rf["_near"][i] >= 4:
            r.append(f"product_burst:{int(rf['_near'][i]) + 1} reviews of the product within 7 days, "
                     f"{rf['_expected'][i]:.1f} usual")
        if rf["DEV"][i]:
            r.append(f"extreme_rating_deviation:{int(ev.rating[i])} stars against a mean of "
                     f"{rf['_product_mean'][i]:.1f}")
        if one_sided[i]:
            r.append(f"one_sided:all {int(n_reviews[i])} reviews rated {int(ev.rating[i])}")
        if rf["RANK"][i] <= 3 and rf["_product_reviews"][i] >= 20:
            r.append(f"early_review:#{int(rf['RANK'][i])} of {int(rf['_product_reviews'][i])}")
        if block[i] >= 0:
            b = dense.blocks[block[i]]
            r.append(f"dense_block:one of {b.rows.size} accounts reviewing the same {b.cols.size} products "
                     f"within {dense.spread_days[block[i]]:.0f} days")
        out.append(r)
    return out
