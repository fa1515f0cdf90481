"""Integrity scoring: FRAUDAR, the behaviour features, the combined score and the
``integrity score`` command contract. None of these tests has database access: the
scorer must not need it."""
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from sklearn.metrics import roc_auc_score

from devtools.integrity_sim import simulate
from moderation.integrity import fraudar, reviews, scoring

ROOT = Path(__file__).resolve().parents[1]


# --- FRAUDAR ----------------------------------------------------------------------------


def _organic_graph(rng, n_accounts=3000, n_products=400):
    """Accounts with 1-6 reviews each, products chosen by a Zipf popularity."""
    popularity = 1.0 / np.arange(1, n_products + 1)
    popularity /= popularity.sum()
    rows, cols = [], []
    for account in range(n_accounts):
        for product in rng.choice(n_products, size=int(rng.integers(1, 7)), replace=False, p=popularity):
            rows.append(account)
            cols.append(int(product))
    return rows, cols, popularity


def _plant(rng, rows, cols, accounts, products, density, camouflage=0, popularity=None):
    for account in accounts:
        for product in products:
            if rng.random() < density:
                rows.append(account)
                cols.append(product)
        if camouflage:
            for product in rng.choice(popularity.size, size=camouflage, replace=False, p=popularity):
                rows.append(account)
                cols.append(int(product))


@pytest.mark.parametrize("camouflage", [0, 6])
def test_fraudar_finds_the_planted_block_and_no_organic_account(camouflage):
    rng = np.random.default_rng(5)
    rows, cols, popularity = _organic_graph(rng)
    fraud = np.arange(3000, 3040)  # 40 accounts
    targets = np.arange(400, 410)  # 10 products nobody else reviews
    _plant(rng, rows, cols, fraud, targets, density=0.8, camouflage=camouflage, popularity=popularity)
    blocks = fraudar.fraudar(rows, cols, 3040, 410, blocks=1)
    assert len(blocks) == 1
    block = blocks[0]
    found = set(block.rows.tolist())
    assert found <= set(fraud.tolist())  # no organic account
    # Peeling may leave out a fraud account with fewer edges than the block's average.
    assert len(found) >= 36
    assert set(targets.tolist()) <= set(block.cols.tolist())
    organic_cols = set(block.cols.tolist()) - set(targets.tolist())
    if camouflage == 0:
        assert not organic_cols
    else:
        # Camouflage may pull in a few of the most popular products, never the long tail.
        assert len(organic_cols) <= 5 and all(c < 10 for c in organic_cols)
    everything = fraudar.column_weights(np.asarray(cols), 410).sum() / (len(set(rows)) + len(set(cols)))
    assert block.density > 2 * everything  # far denser than the graph as a whole (no duplicate edges here)


def test_fraudar_exact_block_density_and_repeated_blocks():
    # K(3,3) on columns 0-2, a K(2,2) on columns 3-4, and pendant edges.
    rows = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 6]
    cols = [0, 1, 2, 0, 1, 2, 0, 1, 2, 3, 4, 3, 4, 5, 6]
    blocks = fraudar.fraudar(rows, cols, blocks=3)
    first, second = blocks[0], blocks[1]
    assert first.rows.tolist() == [0, 1, 2] and first.cols.tolist() == [0, 1, 2]
    assert first.edges == 9
    assert first.density == pytest.approx(9 / math.log(3 + 5) / 6)  # each column has degree 3
    assert second.rows.tolist() == [3, 4] and second.cols.tolist() == [3, 4]
    assert second.density == pytest.approx(4 / math.log(2 + 5) / 4)


def test_fraudar_counts_duplicate_edges_once_and_handles_an_empty_graph():
    assert fraudar.fraudar([], [], 0, 0) == []
    once = fraudar.fraudar([0, 1, 0, 1], [0, 0, 1, 1])[0]
    twice = fraudar.fraudar([0, 1, 0, 1, 0, 0], [0, 0, 1, 1, 0, 0])[0]
    assert once.density == twice.density and twice.edges == 4


def test_column_weights_down_weight_popular_targets():
    w = fraudar.column_weights(np.array([0, 0, 0, 0, 1]), 2)
    assert w.tolist() == pytest.approx([1 / math.log(9)] * 4 + [1 / math.log(6)])


# --- features -----------------------------------------------------------------------------

TINY = [  # user, product, rating, date
    ("a", "P", 5, "2024-01-01"),
    ("b", "P", 5, "2024-01-02"),
    ("c", "P", 1, "2024-01-10"),
    ("a", "Q", 4, "2024-01-01T12:00:00"),
    ("a", "R", 5, "2024-03-01"),
    ("d", "P", 5, "2024-09-01"),
]


def _events(rows):
    return reviews.Events.build(*zip(*(reviews.parse_event(
        {"user": u, "product": p, "rating": r, "date": d}) for u, p, r, d in rows), strict=True))


def test_review_features_exact_values():
    f = reviews.review_features(_events(TINY))
    # P: ratings 5 5 1 5, mean 4, on days 0 1 9 244; Q and R have one review each.
    assert f["RANK"].tolist() == [1, 2, 3, 1, 1, 4]
    assert f["RD"].tolist() == [1, 1, 3, 0, 0, 1]
    assert f["EXT"].tolist() == [1, 1, 1, 0, 1, 1]
    assert f["DEV"].tolist() == [0, 0, 1, 0, 0, 0]
    assert f["ETF"].tolist() == pytest.approx([1, 1 - 1 / 210, 1 - 9 / 210, 1, 1, 0])
    assert f["ISR"].tolist() == [0, 1, 1, 0, 0, 1]
    expected_p = 3 * 6 / 244  # three other reviews over 244 days, in a 6-day window
    assert f["PB"].tolist() == pytest.approx([1 / (1 + expected_p), 1 / (1 + expected_p), 0, 0, 0, 0])


def test_account_features_exact_values():
    ev = _events(TINY)
    rf = reviews.review_features(ev)
    f = reviews.group_features(ev.user, ev.n_users, ev, rf["RD"], rf["RANK"])
    # accounts in sorted order: a (P 5, Q 4, R 5), b (P 5), c (P 1), d (P 5 much later)
    assert f["N"].tolist() == [3, 1, 1, 1]
    assert f["MNR"].tolist() == [2, 1, 1, 1]  # a: 2024-01-01 and 2024-01-01T12:00
    assert f["PR"].tolist() == [1, 1, 0, 1]
    assert f["NR"].tolist() == [0, 0, 1, 0]
    assert f["avgRD"].tolist() == pytest.approx([1 / 3, 1, 3, 1])
    # c's only review is third on P: weight 3 ** -1.5 cancels out; a's reviews all rank 1.
    assert f["WRD"].tolist() == pytest.approx([1 / 3, 1, 3, 1])
    assert f["BST"].tolist() == [0, 1, 1, 1]  # a spans 60 days > 28
    assert f["ERD"].tolist() == pytest.approx([-(2 / 3) * math.log2(2 / 3) - (1 / 3) * math.log2(1 / 3), 0, 0, 0])
    assert f["ETG"].tolist() == pytest.approx([1, 0, 0, 0])  # gaps 0.5 and 59.5 days: two bins


def test_ecdf_and_prior():
    x = [1, 2, 2, 3]
    assert scoring.ecdf(x).tolist() == [0.125, 0.5, 0.5, 0.875]
    assert scoring.ecdf(x, "low").tolist() == [0.875, 0.5, 0.5, 0.125]
    assert scoring.ecdf(x, midrank=False).tolist() == [0.25, 0.75, 0.75, 1.0]
    assert scoring.prior([np.array([1.0, 0.0]), np.array([1.0, 0.0])]).tolist() == [1.0, 0.0]
    assert scoring.prior([np.array([1.0]), np.array([0.0])])[0] == pytest.approx(1 - math.sqrt(0.5))


@pytest.mark.parametrize("date,hours", [
    ("2024-01-01", 0), ("2024-01-01T00:00:00", 0), ("2024-01-01T08:00:00+08:00", 0),
    ("2024-01-01T06:30:00Z", 6.5), ("2024-01-01 12:00", 12),
])
def test_dates_and_iso_datetimes_are_read_as_utc(date, hours):
    t = reviews.parse_event({"user": "u", "product": "p", "rating": 3, "date": date})[3]
    assert t == pytest.approx(19723 + hours / 24)  # 2024-01-01 is day 19723 since 1970-01-01


@pytest.mark.parametrize("record,field", [
    ({"product": "p", "rating": 3, "date": "2024-01-01"}, '"user"'),
    ({"user": "u", "product": "", "rating": 3, "date": "2024-01-01"}, '"product"'),
    ({"user": "u", "product": "p", "rating": 6, "date": "2024-01-01"}, '"rating"'),
    ({"user": "u", "product": "p", "rating": 4.5, "date": "2024-01-01"}, '"rating"'),
    ({"user": "u", "product": "p", "rating": True, "date": "2024-01-01"}, '"rating"'),
    ({"user": "u", "product": "p", "rating": 3, "date": "01/02/2024"}, '"date"'),
    ({"user": "u", "product": "p", "rating": 3}, '"date"'),
    (["u", "p", 3, "2024-01-01"], "JSON object"),
])
def test_parse_event_names_the_bad_field(record, field):
    with pytest.raises(ValueError, match=field):
        reviews.parse_event(record)


# --- the combined score -------------------------------------------------------------------


def test_injected_spam_ranks_above_organic_reviews():
    rows = simulate(6000, seed=3)
    ev = reviews.Events.build(*zip(*(reviews.parse_event(r) for r in rows), strict=True))
    label = np.array([r["spam"] for r in rows])
    result = scoring.score(ev)
    assert ((result.suspicion >= 0) & (result.suspicion <= 1)).all()
    combined = roc_auc_score(label, result.suspicion)
    assert combined > 0.72  # 0.78 when written
    assert combined > roc_auc_score(label, scoring.baseline_feature_mean(ev)) + 0.03
    assert combined > roc_auc_score(label, scoring.baseline_fraudar(ev))


def test_a_burst_of_singleton_five_star_reviews_is_flagged_with_reasons():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(300):  # organic: 100 accounts, 3 reviews each over a year, 20 products
        for k in range(3):
            rows.append((f"o{i}", f"p{rng.integers(20)}", int(rng.integers(3, 6)),
                         f"2024-{1 + (i + 4 * k) % 12:02d}-{1 + (i * 7 + k) % 28:02d}"))
    burst = [(f"s{i}", "p99", 5, f"2024-06-0{1 + i % 2}T{10 + i % 10}:00:00") for i in range(12)]
    rows += [(u, "p99", 2, f"2024-0{m}-15") for u, m in (("o1", 2), ("o2", 3), ("o3", 9))] + burst
    result = scoring.score(_events(rows))
    spam = result.suspicion[-12:]
    assert spam.min() > np.quantile(result.suspicion[:-12], 0.95)
    assert "singleton" in result.reasons[-1]
    assert any(r.startswith("product_burst:12 reviews of the product within 7 days") for r in result.reasons[-1])


# --- the command --------------------------------------------------------------------------


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _sim_lines(n=1500, seed=4):
    rows = simulate(n, seed=seed)
    rng = np.random.default_rng(seed)
    for row in rows:  # ISO datetimes with distinct times, so the input order carries no tie-break
        row["date"] = f"{row['date']}T{rng.integers(24):02d}:{rng.integers(60):02d}:{rng.integers(60):02d}"
    return [json.dumps(row) for row in rows]


def _score_json(path):
    out = io.StringIO()
    call_command("integrity", "score", "--reviews", str(path), "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_score_command_one_line_per_input_line_in_order(tmp_path):
    lines = _sim_lines()
    results = _score_json(_write(tmp_path / "a.jsonl", lines))
    assert len(results) == len(lines)
    for r in results:
        assert 0 <= r["suspicion"] <= 1 and 0 <= r["account_suspicion"] <= 1
        assert isinstance(r["reasons"], list) and all(isinstance(x, str) for x in r["reasons"])
    order = np.random.default_rng(1).permutation(len(lines))
    shuffled = _score_json(_write(tmp_path / "b.jsonl", [lines[i] for i in order]))
    assert shuffled == [results[i] for i in order]
    assert len({r["suspicion"] for r in results}) > 50


def test_score_command_ignores_extra_keys_and_accepts_dates_and_datetimes(tmp_path):
    plain = ['{"user": "a", "product": "p", "rating": 5, "date": "2024-01-01"}',
             '{"user": "b", "product": "p", "rating": 1, "date": "2024-01-02T09:30:00+08:00"}',
             '{"user": "a", "product": "q", "rating": 4, "date": "2024-01-03 10:00:00Z"}']
    extra = [line[:-1] + ', "text": "great", "id": 7, "spam": 1}' for line in plain]
    assert _score_json(_write(tmp_path / "plain.jsonl", plain)) == _score_json(_write(tmp_path / "x.jsonl", extra))


def test_score_command_reads_standard_input(tmp_path, monkeypatch):
    lines = _sim_lines(300, seed=2)
    expected = _score_json(_write(tmp_path / "a.jsonl", lines))
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    out = io.StringIO()
    call_command("integrity", "score", "--reviews", "-", "--json", stdout=out)
    assert [json.loads(line) for line in out.getvalue().splitlines()] == expected


def test_score_command_bad_lines_name_their_line_numbers(tmp_path):
    path = _write(tmp_path / "bad.jsonl", [
        '{"user": "a", "product": "p", "rating": 5, "date": "2024-01-01"}',
        '{"user": "a", "product": "p", "rating": 5, "date": "2024-01-01"',
        '{"user": "a", "product": "p", "rating": 9, "date": "2024-01-01"}',
        "",
        '{"user": "a", "product": "p", "rating": 5, "date": "yesterday"}',
    ])
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("integrity", "score", "--reviews", str(path), "--json", stdout=out)
    message = str(exc.value)
    assert "4 bad input line(s)" in message
    assert "line 2: not valid JSON" in message
    assert 'line 3: "rating" must be an integer from 1 to 5, got 9' in message
    assert "line 4: not valid JSON" in message
    assert "line 5: \"date\" must be" in message and "line 1" not in message
    assert out.getvalue() == ""  # nothing is scored from a bad file


def test_score_command_exits_non_zero_on_a_bad_line(tmp_path):
    path = _write(tmp_path / "bad.jsonl", ['{"user": "a", "product": "p", "rating": 5, "date": "2024-01-01"}',
                                           '{"user": "a", "rating": 5, "date": "2024-01-01"}'])
    proc = subprocess.run([sys.executable, "manage.py", "integrity", "score", "--reviews", str(path), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'line 2: "product" must be a non-empty string' in proc.stderr
    assert proc.stdout == ""


def test_score_command_names_a_line_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"user": "a", "product": "p", "rating": 5, "date": "2024-01-01"}\n'
                     b'{"user": "caf\xe9", "product": "p", "rating": 5, "date": "2024-01-01"}\n')
    with pytest.raises(CommandError, match="line 2: not UTF-8 text"):
        call_command("integrity", "score", "--reviews", str(path), "--json", stdout=io.StringIO())


def test_score_command_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("integrity", "score", "--reviews", str(tmp_path / "nope.jsonl"))


def test_score_command_summary_lists_the_most_suspicious_lines(tmp_path):
    path = _write(tmp_path / "a.jsonl", _sim_lines(800, seed=5))
    out = io.StringIO()
    call_command("integrity", "score", "--reviews", str(path), "--top", "5", stdout=out)
    text = out.getvalue()
    assert text.startswith(f"{len(_sim_lines(800, seed=5))} reviews, ")
    listed = text.split("top 5 lines")[1].strip().splitlines()[1:]
    assert len(listed) == 5
    scores = [float(line.split()[1]) for line in listed]
    assert scores == sorted(scores, reverse=True)


def test_score_command_on_an_empty_file(tmp_path):
    path = _write(tmp_path / "empty.jsonl", [])
    out = io.StringIO()
    call_command("integrity", "score", "--reviews", str(path), "--json", stdout=out)
    assert out.getvalue() == ""
    call_command("integrity", "score", "--reviews", str(path), stdout=out)
    assert "0 reviews" in out.getvalue()


def test_a_review_ring_with_camouflage_is_a_dense_block_and_organic_accounts_are_not():
    rng = np.random.default_rng(8)
    popularity = 1.0 / np.arange(1, 101)
    popularity /= popularity.sum()
    rows = []
    for i in range(1500):  # organic: 1-8 reviews over two years on 100 products
        for product in rng.choice(100, size=int(rng.integers(1, 9)), replace=False, p=popularity):
            day = int(rng.integers(730))
            rows.append((f"o{i}", f"p{product}", int(rng.integers(2, 6)), f"{2024 + day // 365}-01-01T00:00:00",
                         day))
    for i in range(30):  # the ring: 30 accounts, 5 products nobody else reviews, 10 days, plus camouflage
        for product in range(100, 105):
            if rng.random() < 0.8:
                rows.append((f"r{i}", f"p{product}", 5, "", 300 + rng.uniform(0, 10)))
        for product in rng.choice(10, size=3, replace=False):
            rows.append((f"r{i}", f"p{product}", 4, "", rng.uniform(0, 730)))
    ev = reviews.Events.build([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                              [19723 + r[4] for r in rows])
    result = scoring.score(ev)
    in_block = {rows[i][0] for i in range(len(rows)) if any(x.startswith("dense_block:") for x in result.reasons[i])}
    ring = {f"r{i}" for i in range(30)}
    # Peeling may split the ring in blocks and leave its least connected accounts out.
    assert in_block <= ring and len(in_block) >= 20
    block_rows = np.array([r[0] in in_block for r in rows])
    ring_rows = np.array([r[0].startswith("r") for r in rows])
    organic_rows = ~ring_rows
    # Their camouflage reviews of popular products are lifted too.
    assert result.suspicion[block_rows].min() > np.quantile(result.suspicion[organic_rows], 0.95)
    assert roc_auc_score(ring_rows, result.account_suspicion) > 0.85  # 0.91 when written
