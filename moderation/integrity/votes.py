"""Detectors over stored interactions (votes, reports, check-ins, submissions): issue 11, section 2.

Pure numpy, like the rest of ``moderation/integrity``: no Django, no database. The live scan
(``moderation/integrity_scan.py``) and ``manage.py integrity replay`` load ``VoteEvents`` from the
interaction log and act on the ``Verdicts``; ``detect`` is the one entry point.

The interface (``VoteEvents``, ``Finding``, ``Verdicts``, ``detect``) is what both sides build
against. ``detect`` runs seven detectors, each returning ``Finding``s: ``serial`` (one voter on
one author's content, Stack Exchange), ``lockstep`` (CopyCatch: accounts on the same targets
within a time cell), ``dense_block`` (FRAUDAR on voter x target, any time apart), ``burst``
(Poisson test against a target's own rate; evidence only), ``swarm`` (new accounts piling onto
one target), ``shared_signal`` (accounts on one device or IP-prefix code voting together or
for each other) and ``network_burst`` (a burst's votes packed into IP prefixes or devices that
carry almost none of the other votes: bought votes from aged accounts). Every threshold is
in ``DEFAULT_PARAMS``; a score of 0.5 means a rule was met exactly (``_score``). docs/integrity.md, "Detectors on interactions", has the rules, the
levels and the measured figures. Everything is sorts, ``searchsorted`` and ``bincount`` over
the rows; Python loops run over findings, seeds and bands only.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Interaction kinds, as integer codes in ``VoteEvents.kind`` (InteractionEvent.Action values).
KINDS = ("helpful_vote", "unhelpful_vote", "entry_vote", "poll_vote", "review_submit", "entry_submit",
         "report", "checkin", "redemption")
KIND_CODE = {name: code for code, name in enumerate(KINDS)}
VOTE_KINDS = tuple(KIND_CODE[k] for k in ("helpful_vote", "unhelpful_vote", "entry_vote", "poll_vote"))


@dataclass(frozen=True)
class VoteEvents:
    """One row per interaction, all arrays of the same length, ordered by ``t``.

    Codes are dense integers made by the loader (``-1`` means unknown / none)."""

    event_id: np.ndarray   # int64: InteractionEvent id (replay: the input line number)
    actor: np.ndarray      # int64: account id
    target: np.ndarray     # int64: dense code of (target type, target id); -1 for a check-in
    author: np.ndarray     # int64: the target's author account id, -1 unknown
    t: np.ndarray          # float64: seconds since the epoch, UTC
    kind: np.ndarray       # int8: KIND_CODE
    ip: np.ndarray         # int64: dense code of the keyed /24 or /48 prefix hash, -1 none
    device: np.ndarray     # int64: dense code of the keyed device-cookie hash, -1 none
    age_days: np.ndarray   # float64: the account's age at the event, nan unknown

    def __len__(self):
        return len(self.event_id)


@dataclass
class Finding:
    """What one detector found: a suspicion, the interactions it implicates and why."""

    detector: str               # stable code: serial, lockstep, dense_block, burst, swarm, shared_signal
    score: float                # suspicion in [0, 1]
    event_ids: np.ndarray       # int64: implicated interactions (values of VoteEvents.event_id)
    accounts: tuple             # account ids involved
    targets: tuple              # target codes involved
    evidence: str               # one plain English sentence for moderators ("12 accounts voted for the same 5 entries within 40 minutes")
    data: dict = field(default_factory=dict)  # the numbers behind the evidence; JSON-serialisable


@dataclass
class Verdicts:
    """The detectors' outputs combined: one suspicion per interaction and per account."""

    event_suspicion: np.ndarray            # float64 in [0, 1], aligned with the VoteEvents rows
    event_reasons: list                    # per row: list of detector codes that implicated it
    account_suspicion: dict                # account id -> float in [0, 1]
    findings: list                         # every Finding, strongest first


DAY = 86400.0
DETECTORS = ("serial", "lockstep", "dense_block", "burst", "swarm", "shared_signal", "network_burst")

# Every threshold the detectors use; ``detect(params=...)`` overrides any of them.
# A detector's score is 0.5 when its rule is met exactly and rises towards 1 with the
# margin (see ``_score``), so 0.5 means "the rule fired" and 0.8 "well past it".
DEFAULT_PARAMS = {
    "kinds": VOTE_KINDS,            # rows the detectors look at (target >= 0 too)
    "popular_accounts": 1000,       # targets with more distinct voters are "popular": left out of the
    "popular_quantile": 0.995,      # co-votes of shared signals, and so are those above this quantile (if over 100)
    "group_popular_min_voters": 300,  # the group search leaves out only targets over this quantile
                                    # that also have more voters than this: a ring of up to 300 stays visible
    # serial / targeted voting (Stack Exchange): voter -> one author's content
    "serial_window": DAY,           # short window
    "serial_window_votes": 5,       # votes to one author inside it
    "serial_min_votes": 10,         # over the whole log
    "serial_min_share": 0.5,        # of the voter's votes (in the window / overall)
    "serial_alpha": 1e-6,           # Poisson tail against the author's share of all votes
    "serial_account_weight": 0.5,   # how much of the finding lands on the voter's other votes
    # lockstep groups (CopyCatch) on (target, time cell) items
    "lockstep_window": 2 * DAY,     # cell width; two grids offset by half a cell
    "lockstep_min_accounts": 5,
    "lockstep_min_targets": 2,
    "lockstep_min_share": 0.5,      # the group's share of a cell's accounts
    # dense blocks (FRAUDAR) on voter x target, no time
    "dense_min_accounts": 5,
    "dense_min_targets": 2,
    "dense_min_share": 0.5,         # the block's share of a target's voters
    "fraudar_blocks": 2,            # blocks peeled per MinHash seed group
    "group_min_lift": 10.0,         # a member's votes on the group's targets over chance
    "group_min_coverage": 0.3,      # share of the group's targets a member voted on
    "group_min_focus": 0.05,        # share of a member's targets that are the group's (heavy voters are not members)
    "seed_max_voters": 300,         # MinHash seeds use targets with at most this many voters
    "seed_min_share": 0.1,          # a seed widens to the items where it holds this share of voters
    # MinHash banding that picks the candidate accounts for both group detectors
    "lsh_bands": 8,
    "lsh_rows": 2,
    # bursts (Poisson test against the target's own rate) and new-account swarms
    "burst_window": 6 * 3600.0,
    "burst_min_votes": 10,
    "burst_alpha": 1e-6,
    "burst_min_span_days": 7.0,     # a target's rate is never taken over less than this
    "burst_score": 0.3,             # a burst alone is evidence, not a verdict: viral entries burst
    "swarm_age_days": 7.0,
    "swarm_thin_age_days": 60.0,    # ... or younger than this with at most swarm_thin_votes targets voted
    "swarm_thin_votes": 3,
    "swarm_window": DAY,
    "swarm_min_accounts": 8,
    "swarm_min_share": 0.6,         # young accounts' share of the window's voters
    "swarm_alpha": 1e-6,            # Poisson tail against the base share of young voters
    # shared signals (sock puppets)
    "device_max_accounts": 10,      # a device code shared by more is a public machine: skipped
    "ip_max_accounts": 30,          # same for an IP-prefix code (carrier NAT, campus)
    "device_min_links": 2,          # co-voted rare targets + votes for each other, per account pair
    "ip_min_links": 4,
    "ip_score_factor": 0.8,         # an IP prefix is weaker evidence than a device
    # network bursts (bought votes): a burst's voters packed into a few IP prefixes or devices
    # far beyond those codes' share of all votes (aged accounts voting once each escape the
    # swarm and shared-signal rules; their network does not)
    "network_min_votes": 5,         # votes of one code inside one burst window
    "network_min_total": 10,        # packed votes in the window for a finding
    "network_alpha": 1e-6,          # Poisson tail against the code's share of all votes
    "shared_alpha": 1e-6,           # Poisson tail of a pair's links against chance
    # combination
    "account_spread": 0.9,          # a suspicious account's other rows get this share of its suspicion
    "account_focus_full": 0.2,      # a finding weighs fully on an account when it holds this share of
                                    # the account's votes, proportionally below
}

_ACCOUNT_WEIGHT = {"serial": None, "lockstep": 1.0, "dense_block": 1.0, "burst": 0.0, "swarm": 1.0,
                   "shared_signal": 1.0, "network_burst": 1.0}


def _score(ratio):
    """0.5 at ratio 1 (the rule met exactly), 0.75 at 2, 0.875 at 3; 0 at ratio 0."""
    return float(np.clip(1.0 - 0.5 ** np.maximum(ratio, 0.0), 0.0, 0.999))


def _uniq(x):
    """Sorted distinct values. ``np.unique`` without return arrays takes a hash path in
    numpy 2.4 that is about 50 times slower than sorting on a million integers."""
    x = np.sort(np.asarray(x).ravel())
    return x[np.r_[True, x[1:] != x[:-1]]] if x.size else x


def _isin(a, b):
    """``np.isin`` through a binary search in the sorted distinct ``b`` (see ``_uniq``)."""
    a = np.asarray(a)
    b = _uniq(b)
    if b.size == 0:
        return np.zeros(a.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(b, a), b.size - 1)
    return b[pos] == a


def _poisson_tail(k, mu):
    """P(X >= k) for X ~ Poisson(mu), elementwise."""
    from scipy.special import pdtrc

    k = np.asarray(k, dtype=float)
    return np.where(k <= 0, 1.0, pdtrc(np.maximum(k - 1, 0), np.maximum(mu, 1e-12)))


def _mix(x):
    """splitmix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class _Ctx:
    """The events in canonical order (t, event_id) with dense codes; every detector works
    on row indices into these arrays, so no result depends on the input row order."""

    def __init__(self, ev, now, params):
        self.p = params
        t = np.asarray(ev.t, dtype=float)
        eid = np.asarray(ev.event_id, dtype=np.int64)
        # the loader gives rows in (t, id) order: then the arrays are used as they are, no copies
        dt, di = np.diff(t), np.diff(eid)
        if bool(np.all((dt > 0) | ((dt == 0) & (di > 0)))):
            o = slice(None)
            self.order = np.arange(t.size)
        else:
            o = self.order = np.lexsort((eid, t))
        del dt, di
        self.eid = eid[o]
        self.actor = np.asarray(ev.actor, dtype=np.int64)[o]
        self.target = np.asarray(ev.target, dtype=np.int64)[o]
        self.author = np.asarray(ev.author, dtype=np.int64)[o]
        self.t = t[o]
        self.kind = np.asarray(ev.kind)[o]
        self.ip = np.asarray(ev.ip, dtype=np.int64)[o]
        self.device = np.asarray(ev.device, dtype=np.int64)[o]
        self.age = np.asarray(ev.age_days, dtype=float)[o]
        self.n = self.eid.size
        self.t0 = float(self.t[0]) if self.n else 0.0
        self.now = float(self.t[-1]) if now is None and self.n else float(now or 0.0)
        self.span = max(self.now, float(self.t[-1]) if self.n else 0.0) - self.t0 + 1.0
        self.accounts, self.a = np.unique(self.actor, return_inverse=True)
        self.n_acc = self.accounts.size
        self.vote = _isin(self.kind, np.asarray(params["kinds"])) & (self.target >= 0)
        self.vrows = np.flatnonzero(self.vote)
        self.targets, tg = np.unique(self.target[self.vrows], return_inverse=True)
        self.tg = np.full(self.n, -1, dtype=np.int64)
        self.tg[self.vrows] = tg
        self.n_tg = self.targets.size
        # first vote of each (account, target): repeated toggles count once
        pair = self.a[self.vrows] * max(self.n_tg, 1) + tg
        _, first = np.unique(pair, return_index=True)
        self.frows = self.vrows[np.sort(first)]
        self.voters = np.bincount(self.tg[self.frows], minlength=self.n_tg)  # distinct voters per target
        q = float(np.quantile(self.voters, params["popular_quantile"])) if self.n_tg else 0.0
        self.popular = self.voters > min(params["popular_accounts"], max(100.0, q))
        self.group_popular = self.voters > min(params["popular_accounts"],
                                               max(float(params["group_popular_min_voters"]), q))
        # author as a dense account code (-1 when the author never acted in the log)
        pos = np.minimum(np.searchsorted(self.accounts, self.author), self.n_acc - 1)
        self.author_a = np.where((self.author >= 0) & (self.accounts[pos] == self.author), pos, -1)

    def finding(self, detector, score, rows, evidence, data, accounts=None, account_score=None):
        rows = _uniq(rows)
        accts = _uniq(self.actor[rows]) if accounts is None else _uniq(accounts)
        tgts = _uniq(self.target[rows])
        f = Finding(detector=detector, score=float(score), event_ids=np.sort(self.eid[rows]),
                    accounts=tuple(int(x) for x in accts), targets=tuple(int(x) for x in tgts if x >= 0),
                    evidence=evidence, data=data)
        return f, rows, accts, (float(score) if account_score is None else float(account_score))


def _window_end(group, t, width):
    """For rows sorted by (group, t): index one past the last row of the same group with
    time < t + width."""
    if group.size == 0:
        return np.zeros(0, dtype=np.int64)
    rel = t - t.min()
    stride = float(rel.max()) + width + 1.0
    key = group.astype(float) * stride + rel
    return np.searchsorted(key, key + width, side="left")


def _cover(n, starts, ends):
    """Boolean mask over n sorted positions: inside any [start, end)."""
    diff = np.zeros(n + 1, dtype=np.int64)
    np.add.at(diff, starts, 1)
    np.add.at(diff, ends, -1)
    return np.cumsum(diff[:-1]) > 0


# --------------------------------------------------------------------------- serial voting
def _serial(c):
    p = c.p
    rows = c.frows[(c.author[c.frows] >= 0) & (c.author[c.frows] != c.actor[c.frows])]  # distinct targets
    if rows.size == 0:
        return []
    v = c.a[rows]
    authors, au = np.unique(c.author[rows], return_inverse=True)
    pair = v * authors.size + au
    o = np.argsort(pair, kind="stable")  # rows are in time order: now (pair, t)
    rows, pair, v, au = rows[o], pair[o], v[o], au[o]
    t = c.t[rows]
    pu, pstart, pcount = np.unique(pair, return_index=True, return_counts=True)
    pid = np.repeat(np.arange(pu.size), pcount)
    n_v = np.bincount(v, minlength=c.n_acc)
    to_a = np.bincount(au, minlength=authors.size)
    total = rows.size
    pv, pa = pu // authors.size, pu % authors.size
    base = (to_a[pa] - pcount) / np.maximum(total - n_v[pv], 1)  # the author's share of others' votes
    base = np.maximum(base, 1.0 / max(total, 1))
    # over the whole log
    p_over = _poisson_tail(pcount, n_v[pv] * base)
    share = pcount / np.maximum(n_v[pv], 1)
    over = (pcount >= p["serial_min_votes"]) & (share >= p["serial_min_share"]) & (p_over <= p["serial_alpha"])
    # short window: votes to the author in [t, t + W) against all the voter's votes then
    w = p["serial_window"]
    end = _window_end(pid, t, w)
    fwd = end - np.arange(rows.size)
    # the voter's own votes in the same window, for the few window starts with enough votes
    cand = np.flatnonzero(fwd >= p["serial_window_votes"])
    vo = np.lexsort((t, v))
    vkey = v[vo].astype(float) * (c.span + w + 1) + (t[vo] - c.t0)
    del vo
    k0 = v[cand].astype(float) * (c.span + w + 1) + (t[cand] - c.t0)
    voter_fwd = np.searchsorted(vkey, k0 + w, side="left") - np.searchsorted(vkey, k0, side="left")
    del vkey, k0
    p_win = _poisson_tail(fwd[cand], voter_fwd * base[pid[cand]])
    win = cand[(fwd[cand] >= p["serial_min_share"] * voter_fwd) & (p_win <= p["serial_alpha"])]
    covered = _cover(rows.size, win, end[win])
    win_pair = np.zeros(pu.size, dtype=bool)
    win_pair[pid[win]] = True
    peak = np.zeros(pu.size, dtype=np.int64)
    np.maximum.at(peak, pid[win], fwd[win])
    out = []
    for k in np.flatnonzero(over | win_pair):
        sl = slice(pstart[k], pstart[k] + pcount[k])
        r = rows[sl] if over[k] else rows[sl][covered[sl]]
        s_over = _score(np.log(max(p_over[k], 1e-300)) / np.log(p["serial_alpha"]) * share[k] / p["serial_min_share"]) \
            if over[k] else 0.0
        s_win = _score(peak[k] / p["serial_window_votes"]) if win_pair[k] else 0.0
        voter, author = int(c.accounts[pv[k]]), int(authors[pa[k]])
        expected = float(n_v[pv[k]] * base[k])
        if win_pair[k] and s_win >= s_over:
            text = (f"Account {voter} gave {int(peak[k])} votes to account {author}'s content within "
                    f"{w / 3600:.0f} hours ({int(pcount[k])} of its {int(n_v[pv[k]])} votes overall; "
                    f"{expected:.1f} expected from that author's share of votes).")
        else:
            text = (f"Account {voter} gave {int(pcount[k])} of its {int(n_v[pv[k]])} votes to account {author}'s "
                    f"content, where {expected:.1f} were expected from that author's share of votes.")
        score = max(s_over, s_win)
        out.append(c.finding("serial", score, r, text, {
            "voter": voter, "author": author, "votes": int(pcount[k]), "voter_votes": int(n_v[pv[k]]),
            "expected": round(expected, 3), "peak_in_window": int(peak[k]), "window_seconds": w,
            "p_value": float(min(p_over[k], 1.0))}, account_score=score * p["serial_account_weight"]))
    return out


# --------------------------------------------------------------------------- group search
def _minhash_seeds(acc, item, n_acc, min_items, min_accounts, bands, rows_per_band, salt):
    """Seed groups of accounts with near-duplicate item sets, by MinHash banding in
    O(edges x bands x rows): accounts whose band key is shared by at least
    ``min_accounts`` accounts. Each account joins the largest such group it is in (ties:
    the first band); returns the seed label per account, -1 for none."""
    seed_of = np.full(n_acc, -1, dtype=np.int64)
    deg = np.bincount(acc, minlength=n_acc)
    keep = deg[acc] >= min_items
    acc, item = acc[keep], item[keep]
    if acc.size == 0:
        return seed_of
    o = np.argsort(acc, kind="stable")
    acc, item = acc[o], item[o]
    starts = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]])
    owners = acc[starts]
    base = _mix(item.astype(np.uint64) + np.uint64(salt))
    best_size = np.zeros(starts.size, dtype=np.int64)
    best_key = np.full(starts.size, -1, dtype=np.int64)
    for b in range(bands):
        key = np.zeros(starts.size, dtype=np.uint64)
        for r in range(rows_per_band):
            seed = np.uint64((b * rows_per_band + r + 1) * 0x9E3779B97F4A7C15 % (1 << 64))
            m = np.minimum.reduceat(_mix(base ^ seed), starts)
            with np.errstate(over="ignore"):
                key = _mix(key * np.uint64(1099511628211) + m)
        _, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
        size = counts[inv]
        better = (size >= min_accounts) & (size > best_size)
        best_size[better] = size[better]
        best_key[better] = b * (starts.size + 1) + inv[better]
    has = best_key >= 0
    _, labels = np.unique(best_key[has], return_inverse=True)
    seed_of[owners[has]] = labels
    return seed_of


def _groups(c, detector, acc, item, item_target, n_items, rows_of_edge, *, min_accounts, min_targets, min_share,
            window=None):
    """Seed groups by MinHash, FRAUDAR blocks inside each seed's subgraph (popular targets
    down-weighted by their degree in the whole graph), then the gate. A block's items with
    ``min_accounts`` of its accounts are widened to their voters: the members are the
    accounts with edges to ``min_targets`` of those targets, that many targets being at
    least ``group_min_focus`` of all they voted on, and a lift (their edges there over what
    their activity and those items' popularity give) of ``group_min_lift``. The finding
    holds the items where the members are ``min_accounts`` and ``min_share`` of the voters,
    if they span ``min_targets`` targets. Focus and lift turn away the cores of heavy
    organic voters, who make up most voters of many long-tail targets by voting on everything."""
    from . import fraudar

    p = c.p
    item_deg = np.bincount(item, minlength=n_items)
    # seeds come from rarely voted targets only: an account's few organic votes mostly go to
    # well-known targets, whose shared pairs would otherwise make crowds of seeds
    rare = c.voters[item_target[item]] <= p["seed_max_voters"]
    # an item with fewer than min_accounts voters is in no finding (the gate below needs that
    # many members on it): left out of the seeds, or a ring's camouflage votes on many such
    # items (a month of votes on a hot product's reviews) make its members' sets dissimilar
    rare &= item_deg[item] >= min_accounts
    seed_of = _minhash_seeds(acc[rare], item[rare], c.n_acc, min_targets, min_accounts, p["lsh_bands"],
                             p["lsh_rows"], salt=len(detector))
    # activity: distinct targets voted (popular ones too); item shares of all votes
    n_votes = np.bincount(c.a[c.frows], minlength=c.n_acc).astype(float)
    item_p = item_deg / max(float(c.frows.size), 1.0)
    e = np.flatnonzero(seed_of[acc] >= 0)
    if e.size == 0:
        return []
    o = e[np.argsort(seed_of[acc[e]], kind="stable")]
    seeds = seed_of[acc[o]]
    sstart = np.flatnonzero(np.r_[True, seeds[1:] != seeds[:-1]])
    send = np.r_[sstart[1:], o.size]
    by_item = np.argsort(item, kind="stable")
    item_ptr = np.r_[0, np.cumsum(item_deg)]
    out = []
    claimed = np.zeros(n_items, dtype=bool)
    # biggest seeds first, so a ring found whole is not reported again in pieces
    for k in sorted(range(sstart.size), key=lambda k: (-(send[k] - sstart[k]), k)):
        sel = o[sstart[k]:send[k]]
        sel = sel[~claimed[item[sel]]]
        if sel.size == 0:
            continue
        # a seed is often part of a ring: widen it to every voter of the items it holds
        s_items, s_counts = np.unique(item[sel], return_counts=True)
        held = s_items[(s_counts >= min_accounts) & (s_counts >= p["seed_min_share"] * item_deg[s_items])]
        if _uniq(item_target[held]).size < min_targets:
            continue
        sel = np.concatenate([by_item[item_ptr[i]:item_ptr[i + 1]] for i in held.tolist()])
        accs, ra = np.unique(acc[sel], return_inverse=True)
        if accs.size < min_accounts:
            continue
        items, rc = np.unique(item[sel], return_inverse=True)
        for block in fraudar.fraudar(ra, rc, accs.size, items.size, blocks=p["fraudar_blocks"],
                                     col_degree=item_deg[items]):
            in_block = _isin(ra, block.rows) & _isin(rc, block.cols)
            b_items, b_counts = np.unique(item[sel][in_block], return_counts=True)
            # peeling keeps the fully connected core of a ring: widen to every account of the pattern
            owned = b_items[(b_counts >= min_accounts) & ~claimed[b_items]]
            if _uniq(item_target[owned]).size < min_targets:
                continue
            on = np.concatenate([by_item[item_ptr[i]:item_ptr[i + 1]] for i in owned.tolist()])
            # members: edges to min_targets distinct owned targets, far above chance
            at = _uniq(acc[on] * max(c.n_tg, 1) + item_target[item[on]])
            members, per_acc = np.unique(at // max(c.n_tg, 1), return_counts=True)
            n_cand = _uniq(item_target[owned]).size
            focused = ((per_acc >= max(min_targets, p["group_min_coverage"] * n_cand))
                       & (per_acc >= p["group_min_focus"] * n_votes[members]))
            members = members[focused]
            ma, observed = np.unique(acc[on][_isin(acc[on], members)], return_counts=True)
            lift = observed / np.maximum(n_votes[ma] * float(item_p[owned].sum()), 1e-12)
            members = ma[lift >= p["group_min_lift"]]
            if members.size < min_accounts:
                continue
            hit = on[_isin(acc[on], members)]
            # the gate again on the members alone
            m_items, m_counts = np.unique(item[hit], return_counts=True)
            m_share = m_counts / item_deg[m_items]
            m_good = (m_counts >= min_accounts) & (m_share >= min_share)
            owned = m_items[m_good]
            n_t = _uniq(item_target[owned]).size
            if n_t < min_targets:
                continue
            hit = hit[_isin(item[hit], owned)]
            claimed[owned] = True
            rows = rows_of_edge[hit]
            mean_share = float(np.mean(m_share[m_good]))
            group_lift = float(m_counts[m_good].sum() / max(n_votes[members].sum() * float(item_p[owned].sum()), 1e-12))
            score = _score(np.sqrt(members.size / min_accounts * n_t / min_targets) * mean_share / min_share)
            rt = c.t[rows]
            spread = float(np.percentile(rt, 90) - np.percentile(rt, 10)) if rows.size else 0.0
            if window is None:
                text = (f"{members.size} accounts voted together on the same {n_t} targets, casting "
                        f"{mean_share:.0%} of those targets' votes on average.")
            else:
                text = (f"{members.size} accounts voted on the same {n_t} targets within {window / 3600:.0f} hours "
                        f"of each other, casting {mean_share:.0%} of the votes those targets got then.")
            out.append(c.finding(detector, score, rows, text, {
                "accounts": int(members.size), "targets": int(n_t), "mean_share": round(mean_share, 3),
                "lift": round(min(group_lift, 1e9), 1), "fraudar_density": round(float(block.density), 3),
                "spread_seconds_p10_p90": round(spread, 1),
                **({} if window is None else {"window_seconds": window})}))
    return out


def _lockstep(c):
    p = c.p
    r = c.frows
    w = p["lockstep_window"]
    rel = (c.t[r] - c.t0) / w
    nb = int(np.floor(c.span / w)) + 2
    tg = c.tg[r]
    items = np.concatenate([(tg * nb + np.floor(rel).astype(np.int64)) * 2,
                            (tg * nb + np.floor(rel + 0.5).astype(np.int64)) * 2 + 1])
    acc = np.concatenate([c.a[r], c.a[r]])
    rows_of_edge = np.concatenate([r, r])
    keep = ~c.group_popular[np.concatenate([tg, tg])]
    codes, item = np.unique(items[keep], return_inverse=True)
    item_target = codes // 2 // nb
    return _groups(c, "lockstep", acc[keep], item, item_target, codes.size, rows_of_edge[keep],
                   min_accounts=p["lockstep_min_accounts"], min_targets=p["lockstep_min_targets"],
                   min_share=p["lockstep_min_share"], window=w)


def _dense(c):
    p = c.p
    r = c.frows
    tg = c.tg[r]
    keep = ~c.group_popular[tg]
    return _groups(c, "dense_block", c.a[r][keep], tg[keep], np.arange(c.n_tg), c.n_tg, r[keep],
                   min_accounts=p["dense_min_accounts"], min_targets=p["dense_min_targets"],
                   min_share=p["dense_min_share"])


# --------------------------------------------------------------------------- bursts and swarms
def _bursts(c):
    p = c.p
    r = c.frows
    if r.size == 0:
        return []
    o = np.argsort(c.tg[r], kind="stable")
    r = r[o]
    g = c.tg[r]
    t = c.t[r]
    idx = np.arange(r.size)
    n_t = np.bincount(g, minlength=c.n_tg)
    gstart = np.cumsum(n_t) - n_t
    first_t = t[np.minimum(gstart, r.size - 1)]
    out = []
    # burst: votes in [t, t + W) against the target's rate outside that window
    w = p["burst_window"]
    end = _window_end(g, t, w)
    f = end - idx
    mu = np.zeros(r.size)
    pb = np.ones(r.size)
    cand = np.flatnonzero(f >= p["burst_min_votes"])  # the tail only where it can matter
    span = np.maximum(c.now - first_t[g[cand]], p["burst_min_span_days"] * DAY)
    mu[cand] = (n_t[g[cand]] - f[cand]) * w / np.maximum(span - w, w)
    pb[cand] = _poisson_tail(f[cand], mu[cand])
    burst = (f >= p["burst_min_votes"]) & (pb <= p["burst_alpha"])
    covered = _cover(r.size, np.flatnonzero(burst), end[burst])
    # swarm: young accounts in [t, t + W2) against the base share of young voters
    w2 = p["swarm_window"]
    # young: under swarm_age_days, or under swarm_thin_age_days with hardly any other votes
    # (bought accounts aged just past the first limit); nan (unknown) is not young
    thin = np.bincount(c.a[c.frows], minlength=c.n_acc)[c.a[r]] <= p["swarm_thin_votes"]
    young = (c.age[r] < p["swarm_age_days"]) | ((c.age[r] < p["swarm_thin_age_days"]) & thin)
    base = max(float(young.mean()), 1e-4)
    end2 = _window_end(g, t, w2)
    cy = np.r_[0, np.cumsum(young)]
    y = cy[end2] - cy[idx]
    f2 = end2 - idx
    ps = np.ones(r.size)
    cand = np.flatnonzero(y >= p["swarm_min_accounts"])
    ps[cand] = _poisson_tail(y[cand], f2[cand] * base)
    swarm = (y >= p["swarm_min_accounts"]) & (y >= p["swarm_min_share"] * f2) & (ps <= p["swarm_alpha"])
    swarm_cov = _cover(r.size, np.flatnonzero(swarm), end2[swarm]) & young
    for det, flag, cov, ends in (("burst", burst, covered, end), ("swarm", swarm, swarm_cov, end2)):
        for k in _uniq(g[flag]):
            sl = slice(gstart[k], gstart[k] + n_t[k])
            rows = r[sl][cov[sl]]
            if rows.size == 0:
                continue
            fl = np.flatnonzero(flag[sl]) + gstart[k]
            j = fl[np.argmax(f[fl] if det == "burst" else y[fl])]
            target = int(c.targets[k])
            if det == "burst":
                peak, exp_ = int(f[j]), float(mu[j])
                ratio = np.log(max(pb[j], 1e-300)) / np.log(p["burst_alpha"])
                score = min(p["burst_score"], p["burst_score"] * ratio)
                text = (f"Target {target} received {peak} votes within {w / 3600:.0f} hours, where its own rate "
                        f"gives {exp_:.1f}.")
                data = {"target": target, "peak_votes": peak, "expected": round(exp_, 3), "window_seconds": w,
                        "p_value": float(pb[j])}
            else:
                peak, tot = int(y[j]), int(f2[j])
                score = _score(peak / p["swarm_min_accounts"] * (peak / tot) / p["swarm_min_share"])
                text = (f"{peak} of the {tot} accounts that voted on target {target} within {w2 / 3600:.0f} hours "
                        f"were new (under {p['swarm_age_days']:.0f} days old, or under {p['swarm_thin_age_days']:.0f} with "
                        f"at most {p['swarm_thin_votes']} votes; {base:.0%} of all voters are).")
                data = {"target": target, "young_voters": peak, "voters": tot, "base_young_share": round(base, 4),
                        "window_seconds": w2, "p_value": float(ps[j])}
            out.append(c.finding(det, score, rows, text, data,
                                 account_score=score * _ACCOUNT_WEIGHT[det]))
            if det == "burst":
                out.extend(_network_burst(c, rows, target))
    return out


def _network_burst(c, rows, target):
    """The burst rows of one target whose IP prefix or device is packed into the burst: a code
    with ``network_min_votes`` or more of the window's votes where its share of all votes
    expects almost none (Poisson tail under ``network_alpha``). A carrier NAT or a campus
    carries a large share of all votes, so its expected count in a window is large too."""
    p = c.p
    out = []
    total = max(c.frows.size, 1)
    for signal, codes, factor in (("device", c.device, 1.0), ("IP prefix", c.ip, p["ip_score_factor"])):
        have = rows[codes[rows] >= 0]
        if have.size < p["network_min_total"]:
            continue
        code, k = np.unique(codes[have], return_counts=True)
        share = np.bincount(np.searchsorted(code, codes[c.frows][_isin(codes[c.frows], code)]),
                            minlength=code.size) / total
        packed = (k >= p["network_min_votes"]) & (_poisson_tail(k, rows.size * share) <= p["network_alpha"])
        hit = have[_isin(codes[have], code[packed])]
        if hit.size < p["network_min_total"]:
            continue
        score = factor * _score(hit.size / p["network_min_total"])
        text = (f"{hit.size} of the {rows.size} votes in a burst on target {target} came from "
                f"{int(packed.sum())} {signal} codes that carry almost none of the other votes.")
        out.append(c.finding("network_burst", score, hit, text, {
            "target": target, "signal": "device" if signal == "device" else "ip_prefix",
            "packed_votes": int(hit.size), "burst_votes": int(rows.size), "codes": int(packed.sum())}))
    return out


# --------------------------------------------------------------------------- shared signals
def _pairs_in_groups(group, member, max_size):
    """All (m1, m2), m1 < m2, of members sharing a group (groups of 2..max_size), with the group."""
    if group.size == 0:
        return (np.zeros(0, dtype=np.int64),) * 3
    o = np.lexsort((member, group))
    group, member = group[o], member[o]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, group.size])
    m1s, m2s, gs = [], [], []
    for s in _uniq(sizes):
        if s < 2 or s > max_size:
            continue
        st = starts[sizes == s]
        idx = st[:, None] + np.arange(s)
        iu, ju = np.triu_indices(s, 1)
        m1s.append(member[idx[:, iu]].ravel())
        m2s.append(member[idx[:, ju]].ravel())
        gs.append(np.repeat(group[st], iu.size))
    if not m1s:
        return (np.zeros(0, dtype=np.int64),) * 3
    return np.concatenate(m1s), np.concatenate(m2s), np.concatenate(gs)


def _shared(c):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    p = c.p
    out = []
    n = max(c.n_acc, 1)
    # per account: distinct targets voted, the vote share of those targets ("mass"), and
    # the share of all votes with a known author that went to its content
    fa, ft = c.a[c.frows], c.tg[c.frows]
    n_votes = np.bincount(fa, minlength=n).astype(float)
    target_share = c.voters / max(c.frows.size, 1)
    mass = np.bincount(fa, weights=np.where(c.popular[ft], 0.0, target_share[ft]), minlength=n)  # as counted below
    known = c.author_a[c.frows] >= 0
    author_share = np.bincount(c.author_a[c.frows][known], minlength=n) / max(int(known.sum()), 1)
    found_with = np.full(n, -1, dtype=np.int64)  # device group of each account
    for signal, codes, max_acc, min_links in (("device", c.device, p["device_max_accounts"], p["device_min_links"]),
                                              ("IP prefix", c.ip, p["ip_max_accounts"], p["ip_min_links"])):
        has = codes >= 0
        if not has.any():
            continue
        dense = np.full(c.n, -1, dtype=np.int64)  # whatever the loader's codes, dense ones here
        dense[has] = np.unique(codes[has], return_inverse=True)[1]
        codes = dense
        sa = _uniq(codes[has] * n + c.a[has])
        sig, mem = sa // n, sa % n
        a1, a2, _ = _pairs_in_groups(sig, mem, max_acc)
        if a1.size == 0:
            continue
        sharing = _uniq(a1 * n + a2)
        small = np.zeros(int(sig.max()) + 1, dtype=bool)
        counts = np.bincount(sig)
        small[:counts.size] = (counts >= 2) & (counts <= max_acc)
        # co-votes on non-popular targets through the same signal
        r = c.frows[(codes[c.frows] >= 0)]
        r = r[small[codes[r]] & ~c.popular[c.tg[r]]]
        stg = _uniq((codes[r] * max(c.n_tg, 1) + c.tg[r]) * n + c.a[r])
        b1, b2, grp = _pairs_in_groups(stg // n, stg % n, max_acc)
        cov = _uniq((b1 * n + b2) * max(c.n_tg, 1) + grp % max(c.n_tg, 1))  # (pair, target) once
        co_pair = cov // max(c.n_tg, 1)
        # votes for each other's content
        v = c.frows[c.author_a[c.frows] >= 0]  # distinct targets, as the chance below counts them
        v = v[c.author_a[v] != c.a[v]]
        lo, hi = np.minimum(c.a[v], c.author_a[v]), np.maximum(c.a[v], c.author_a[v])
        mk = lo * n + hi
        mutual = v[_isin(mk, sharing)]
        mut_pair = mk[_isin(mk, sharing)]
        pairs, links = np.unique(np.concatenate([co_pair, mut_pair]), return_counts=True)
        # what chance gives: a2 hits a1's targets at the rate of their share of all votes
        # (and the other way round), and votes for a2's content at a2's share of votes
        q1, q2 = pairs // n, pairs % n
        expected = (np.maximum(n_votes[q2] * mass[q1], n_votes[q1] * mass[q2])
                    + n_votes[q1] * author_share[q2] + n_votes[q2] * author_share[q1])
        p_link = _poisson_tail(links, expected)
        hit = (links >= min_links) & (p_link <= p["shared_alpha"])
        hit &= (found_with[q1] < 0) | (found_with[q1] != found_with[q2])  # an IP pair already in a device group
        pairs, links = pairs[hit], links[hit]
        flagged = pairs
        if flagged.size == 0:
            continue
        f1, f2 = flagged // n, flagged % n
        graph = coo_matrix((np.ones(f1.size), (f1, f2)), shape=(n, n))
        _, comp = connected_components(graph, directed=False)
        in_pair = np.zeros(n, dtype=bool)
        in_pair[f1] = in_pair[f2] = True
        comp = np.where(in_pair, comp, -1)
        if signal == "device":
            found_with = comp.copy()
        best_of = np.zeros(n, dtype=np.int64)  # per component: the most linked pair's links
        np.maximum.at(best_of, comp[f1], links)
        # implicated rows: the group's votes on targets two of its members voted on, and votes for each other
        gv = c.frows[comp[c.a[c.frows]] >= 0]
        ct = comp[c.a[gv]] * max(c.n_tg, 1) + c.tg[gv]
        cu, cc = np.unique(np.unique(ct * n + c.a[gv]) // n, return_counts=True)
        common = cu[cc >= 2]
        co_rows = c.vrows[_isin(comp[c.a[c.vrows]] * max(c.n_tg, 1) + c.tg[c.vrows], common)
                          & (comp[c.a[c.vrows]] >= 0)]
        mu_rows = mutual[(comp[c.a[mutual]] >= 0) & (comp[c.a[mutual]] == comp[c.author_a[mutual]])]
        all_rows = np.concatenate([co_rows, mu_rows])
        row_comp = comp[c.a[all_rows]]
        ro = np.argsort(row_comp, kind="stable")
        all_rows, row_comp = all_rows[ro], row_comp[ro]
        for k in _uniq(row_comp):
            rows = all_rows[row_comp == k]
            members = np.flatnonzero(comp == k)
            best = int(best_of[k])
            n_mut = int(_isin(rows, mu_rows).sum())
            factor = 1.0 if signal == "device" else p["ip_score_factor"]
            score = factor * _score(best / min_links)
            text = (f"{members.size} accounts sharing a {signal} voted on the same {_uniq(c.target[rows]).size} "
                    f"targets and cast {n_mut} votes for each other's content.")
            out.append(c.finding("shared_signal", score, rows, text, {
                "signal": "device" if signal == "device" else "ip_prefix", "accounts": int(members.size),
                "max_pair_links": int(best), "mutual_votes": n_mut}, accounts=c.accounts[members]))
    return out


# --------------------------------------------------------------------------- combination
def detect(events: VoteEvents, *, now: float | None = None, params: dict | None = None) -> Verdicts:
    """Run every detector on ``events`` and combine them. ``params`` overrides the defaults
    (windows, minimum group sizes); ``now`` is the scan time (defaults to the last event).

    Per row, the scores of the findings that implicate it combine by noisy-OR; an account
    takes the noisy-OR of its findings' scores (weighted per detector: a serial voter is
    often a real person, a burst is no verdict on its voters), and every row of a
    suspicious account gets ``account_spread`` times the account's suspicion, so the
    camouflage votes of a ring account rise with it."""
    unknown = set(params or ()) - set(DEFAULT_PARAMS)
    if unknown:
        raise ValueError(f"unknown detector parameters: {', '.join(sorted(unknown))}")
    p = {**DEFAULT_PARAMS, **(params or {})}
    n = len(events)
    if n == 0:
        return Verdicts(np.zeros(0), [], {}, [])
    c = _Ctx(events, now, p)
    found = _serial(c) + _lockstep(c) + _dense(c) + _bursts(c) + _shared(c)
    log_keep = np.zeros(c.n)
    mask = np.zeros(c.n, dtype=np.int64)
    acc_log = np.zeros(c.n_acc)
    n_votes = np.bincount(c.a[c.frows], minlength=c.n_acc)
    for f, rows, accts, acc_score in found:
        log_keep[rows] += np.log1p(-min(f.score, 0.999))
        mask[rows] |= 1 << DETECTORS.index(f.detector)
        if acc_score > 0:
            # an account whose implicated votes are a small part of its votes (a busy member
            # who joined a swarm window, a heavy voter among a ring's targets) takes a share
            pos = np.searchsorted(c.accounts, accts)
            ra, rc = np.unique(c.a[rows], return_counts=True)
            k = np.minimum(np.searchsorted(ra, pos), max(ra.size - 1, 0))
            hit = (ra[k] == pos) if ra.size else np.zeros(pos.size, dtype=bool)
            part = np.ones(pos.size)  # accounts named without rows (a beneficiary) count in full
            part[hit] = np.minimum(1.0, rc[k[hit]] / np.maximum(n_votes[pos[hit]], 1) / p["account_focus_full"])
            acc_log[pos] += np.log1p(-min(acc_score, 0.999) * part)
    account = 1.0 - np.exp(acc_log)
    row = 1.0 - np.exp(log_keep) * (1.0 - p["account_spread"] * account[c.a])
    suspicion = np.empty(c.n)
    suspicion[c.order] = np.clip(row, 0.0, 1.0)
    reasons_sorted = np.empty(c.n, dtype=np.int64)
    reasons_sorted[c.order] = mask
    # shared tuples, one per combination of detectors: cheap for 10M rows
    names = {m: tuple(d for i, d in enumerate(DETECTORS) if m >> i & 1) for m in _uniq(reasons_sorted).tolist()}
    reasons = [names[m] for m in reasons_sorted.tolist()]
    findings = sorted((f for f, *_ in found),
                      key=lambda f: (-f.score, f.detector, int(f.event_ids[0]) if f.event_ids.size else -1))
    return Verdicts(event_suspicion=suspicion, event_reasons=reasons,
                    account_suspicion=dict(zip(c.accounts.tolist(), account.tolist(), strict=True)),
                    findings=findings)
