"""``manage.py seed --interactions`` (issue 16's scale run) at a tiny size: the rows it writes are
consistent (ledger verify, counter rebuilds change nothing), the interaction log carries signals,
and the injected attacks' ground truth names real fake events. Also the bench's scoring arithmetic."""
import json
from collections import Counter
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from community.cocreation.models import Challenge, Entry, EntryVote
from community.counters import counters_rebuild
from community.integrity.models import InteractionEvent
from community.models import HelpfulVote, Review, User
from devtools import integrity_bench
from gamification.ledger import ledger_rebuild, ledger_verify
from gamification.levels import level_compute
from gamification.models import ActivityDay, PointsEntry, UserPoints

pytestmark = pytest.mark.django_db

SIZE = {"users": 300, "reviews": 600, "hot_product_reviews": 30, "products": 30, "interactions": 4000, "batch": 1000}


@pytest.fixture
def seeded(tmp_path):
    truth = tmp_path / "truth.json"
    with open(tmp_path / "out.txt", "w") as out:
        call_command("seed", **SIZE, attacks=True, attack_scale=0.3, truth=str(truth), stdout=out)
    return json.loads(truth.read_text())


def test_tiny_seed_is_consistent(seeded):
    report = ledger_verify()
    assert report["broken"] == [] and report["totals"] == []
    assert report["rows"] == PointsEntry.objects.count() > 0
    assert counters_rebuild() == 0
    assert ledger_rebuild() == []
    # Levels agree with the service's computation (points and breadth).
    for row in UserPoints.objects.order_by("-level_points")[:30]:
        assert row.level == level_compute(row.user_id, row.level_points)


def test_pending_reviews_wait_in_the_moderation_queue(seeded, moderator):
    """The scale run's moderation queue page is measured on a full queue: each pending review has
    a queued case, prioritised as the service does, and a moderator can claim the first."""
    from moderation import services
    from moderation.models import Case

    pending = set(Review.objects.filter(status=Review.Status.PENDING).values_list("id", flat=True))
    cases = Case.objects.filter(content_type="review", state=Case.State.QUEUED)
    assert pending and set(cases.values_list("object_id", flat=True)) == pending
    for case in cases[:20]:
        assert case.priority == services.priority_for(risk=case.risk, reach=0, report_weight=0.0,
                                                      queued_at=case.queued_at)
        assert case.queue_reasons and case.ai_decision == "queue" and 0.35 <= case.risk <= 0.85
    top = cases.order_by("-priority").first()
    claimed = services.case_claim_next(moderator=moderator)
    assert claimed.pk == top.pk


def test_one_event_per_interaction_with_signals(seeded):
    events = Counter(InteractionEvent.objects.values_list("action", flat=True))
    assert events["review_submit"] == Review.objects.count()
    assert events["helpful_vote"] == HelpfulVote.objects.filter(helpful=True).count()
    assert events["unhelpful_vote"] == HelpfulVote.objects.filter(helpful=False).count()
    assert events["entry_vote"] == EntryVote.objects.count() > 0
    assert events["entry_submit"] == Entry.objects.count() > 0
    assert events["checkin"] == ActivityDay.objects.filter(kind="checkin").count() > 0
    assert seeded["events"] == sum(events.values())
    assert not InteractionEvent.objects.filter(ip_prefix_hash__isnull=True).exists()
    assert not InteractionEvent.objects.filter(device_hash__isnull=True).exists()
    assert not InteractionEvent.objects.filter(account_age_days__isnull=True).exists()
    sample = InteractionEvent.objects.exclude(action="checkin").first()
    assert len(sample.ip_prefix_hash) == len(sample.device_hash) == 32
    assert sample.target_author_id is not None and sample.target_id is not None
    # Every vote is after its voter joined: account ages are real.
    for event in InteractionEvent.objects.select_related("actor").order_by("?")[:200]:
        assert event.at >= event.actor.date_joined
        assert event.account_age_days == (event.at - event.actor.date_joined).days
    # Points follow the votes: a helpful vote on a published review earns its author, within the daily cap.
    vote = HelpfulVote.objects.filter(helpful=True).select_related("review").first()
    assert PointsEntry.objects.filter(key=f"vote.cast:{vote.review_id}:{vote.user_id}").exists() or \
        PointsEntry.objects.filter(user_id=vote.user_id, action="community.review.vote_cast").count() >= 5
    assert Challenge.objects.filter(hashtag="seedbench").exists()


def test_truth_file_names_fake_events_by_attack(seeded):
    types = {a["type"] for a in seeded["attacks"]}
    assert types == {"ring", "ring_camouflage", "slow_ring", "bought_votes", "new_account_swarm", "sock_puppets"}
    fake = [i for ids in seeded["by_type"].values() for i in ids]
    assert len(fake) == len(set(fake)) == seeded["fake_events"] > 0
    rows = dict(InteractionEvent.objects.filter(id__in=fake).values_list("id", "actor_id"))
    assert len(rows) == len(fake)  # every id is a real event
    for attack in seeded["attacks"]:
        ids = attack["fake_event_ids"] + attack["camouflage_event_ids"]
        assert ids, attack["type"]
        assert {rows[i] for i in ids} <= set(attack["accounts"])  # done by the attack's accounts
        if attack["type"] == "ring_camouflage":
            assert attack["camouflage_event_ids"]
    # Sock puppets share their master's device and network.
    puppets = next(a for a in seeded["attacks"] if a["type"] == "sock_puppets")
    master_devices = set(InteractionEvent.objects.filter(actor_id=puppets["master"]).values_list("device_hash",
                                                                                                  flat=True))
    puppet_devices = set(InteractionEvent.objects.filter(id__in=puppets["fake_event_ids"]).values_list(
        "device_hash", flat=True))
    assert puppet_devices <= master_devices
    # New-account swarms come from accounts at most a few days old.
    swarm = next(a for a in seeded["attacks"] if a["type"] == "new_account_swarm")
    ages = InteractionEvent.objects.filter(id__in=swarm["fake_event_ids"]).values_list("account_age_days", flat=True)
    assert max(ages) <= 3
    # Organic accounts (numbered before the attack accounts) never appear in the truth's accounts.
    attack_accounts = {u for a in seeded["attacks"] for u in a["accounts"]}
    first_attack = min(attack_accounts)
    assert User.objects.filter(email__endswith="@seed.cocreate.local", id__lt=first_attack).count() == SIZE["users"]


def test_seed_refuses_truth_without_attacks(tmp_path):
    with pytest.raises(CommandError):
        call_command("seed", **SIZE, truth=str(tmp_path / "t.json"))
    with pytest.raises(CommandError):
        call_command("seed", users=10, reviews=10, hot_product_reviews=0, products=5, attacks=True)


TRUTH = {
    "events": 100,
    "attacks": [
        {"type": "ring", "accounts": [1, 2, 3], "fake_event_ids": [10, 11, 12, 13], "camouflage_event_ids": []},
        {"type": "ring_camouflage", "accounts": [4, 5], "fake_event_ids": [20, 21],
         "camouflage_event_ids": [22, 23]},
        {"type": "ring", "accounts": [6], "fake_event_ids": [30, 31], "camouflage_event_ids": []},
    ],
}


def test_bench_scoring_arithmetic():
    result = SimpleNamespace(invalidated_event_ids=[10, 11, 20, 22, 99, 98], held_event_ids=[12, 30])
    s = integrity_bench.score(result.invalidated_event_ids, TRUTH)
    assert (s.flagged, s.true_positives, s.false_positives, s.fake) == (6, 4, 2, 10)
    assert s.precision == pytest.approx(4 / 6)
    assert s.recall == pytest.approx(4 / 10)
    assert s.f1 == pytest.approx(2 * (4 / 6) * 0.4 / (4 / 6 + 0.4))
    ring = s.by_type["ring"]
    assert (ring["attacks"], ring["fake"], ring["caught"], ring["accounts"], ring["accounts_caught"]) == (2, 6, 2, 4, 3)
    assert ring["recall"] == pytest.approx(2 / 6)
    camo = s.by_type["ring_camouflage"]
    assert (camo["fake"], camo["caught"], camo["camouflage"], camo["camouflage_caught"]) == (4, 2, 2, 1)
    both = integrity_bench.score(result.invalidated_event_ids + result.held_event_ids, TRUTH)
    assert (both.true_positives, both.by_type["ring"]["caught"], both.by_type["ring"]["accounts_caught"]) == (6, 4, 4)
    lines = integrity_bench.report_lines("invalidated", s)
    assert "precision 0.667" in lines[0] and "recall 0.400" in lines[0]
    empty = integrity_bench.score([], TRUTH)
    assert empty.precision is None and empty.recall == 0.0 and empty.f1 is None
    by_accounts = integrity_bench.score([10], TRUTH, flagged_accounts=[1])
    assert by_accounts.by_type["ring"]["accounts_caught"] == 1


def test_bench_command_scores_a_fake_scan(tmp_path, monkeypatch, seeded):
    """``integrity_bench --reuse`` against a stand-in scan that flags the first ring's events and two organic ones."""
    import sys
    import types

    truth = tmp_path / "truth.json"
    truth.write_text(json.dumps(seeded))
    ring = next(a for a in seeded["attacks"] if a["type"] == "ring")
    organic = list(InteractionEvent.objects.exclude(id__in=[i for v in seeded["by_type"].values() for i in v])
                   .values_list("id", flat=True)[:2])
    calls = []

    def scan(*, since=None, dry_run=False, progress=None):
        calls.append(dry_run)
        return SimpleNamespace(invalidated_event_ids=ring["fake_event_ids"] + organic, held_event_ids=[],
                               ring_cases=[object()], counts={"events": seeded["events"]})

    monkeypatch.setitem(sys.modules, "moderation.integrity_scan", types.SimpleNamespace(scan=scan))
    out = tmp_path / "out.txt"
    figures = tmp_path / "figures.json"
    with open(out, "w") as fh:
        call_command("integrity_bench", reuse=True, truth=str(truth), json_out=str(figures), stdout=fh)
    assert calls == [True]  # a dry run: the bench never changes the data
    data = json.loads(figures.read_text())
    inv = data["scores"]["invalidated"]
    assert inv["true_positives"] == len(ring["fake_event_ids"]) and inv["false_positives"] == 2
    assert inv["by_type"]["ring"]["caught"] == len(ring["fake_event_ids"])
    assert data["events_scanned"] == seeded["events"] and data["ring_cases"] == 1
    text = out.read_text()
    assert "scan:" in text and "peak RSS" in text and "ring" in text


def test_bench_command_without_truth_file(tmp_path):
    with pytest.raises(CommandError, match="ground truth"):
        call_command("integrity_bench", reuse=True, truth=str(tmp_path / "missing.json"))
