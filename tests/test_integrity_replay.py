"""Issue 11 section 5: ``manage.py integrity replay --events FILE.jsonl [--json]``, the contract the
feature is evaluated with: one verdict per input line in order, event times honoured, bad lines
named by number; a crafted ring is invalidated while organic events stay counted; and the scan run
again afterwards changes nothing."""
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from community.integrity.models import InteractionEvent, InteractionFlag
from community.models import HelpfulVote, Review
from gamification.ledger import ledger_verify
from gamification.models import PointsEntry
from moderation import integrity_scan
from moderation.models import RingCase, RingCaseEvent
from tests.integrity_stream import stream

# Rules as the data migrations load them (an earlier transactional test's flush drops them).
pytestmark = pytest.mark.usefixtures("default_rules")

VERDICTS = {"counted", "invalidated", "held"}


def _write(tmp_path, lines):
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
                              for line in lines) + "\n", encoding="utf-8")
    return str(path)


def _replay(path):
    out = StringIO()
    call_command("integrity", "replay", "--events", path, "--json", stdout=out, stderr=StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


SMALL = [
    {"ts": "2026-09-01T08:00:00+08:00", "kind": "signup", "user": "u1", "ip": "203.0.113.7", "device": "d1"},
    {"ts": "2026-09-01T09:00:00Z", "kind": "signup", "user": "u2", "ip": "198.51.100.2", "device": "d2"},
    {"ts": "2026-09-02T10:00:00Z", "kind": "review", "user": "u1", "product": "p1", "rating": 5,
     "text": "保湿效果很好，用了两周皮肤不再干燥，会回购。", "ip": "203.0.113.7", "device": "d1", "extra": "ignored"},
    {"ts": "2026-09-02T12:00:00Z", "kind": "helpful", "user": "u2", "author": "u1", "product": "p1",
     "ip": "198.51.100.2", "device": "d2"},
    {"ts": "2026-09-03T10:00:00Z", "kind": "entry", "user": "u3", "challenge": "c1",
     "text": "我想要一款桂花乌龙味的气泡水，清爽不甜。"},
    {"ts": "2026-09-03T11:00:00Z", "kind": "entry_vote", "user": "u2", "author": "u3", "challenge": "c1",
     "ip": "198.51.100.2", "device": "d2"},
    {"ts": "2026-09-03T12:00:00Z", "kind": "entry_vote", "user": "u3", "author": "u3", "challenge": "c1"},
]


@pytest.mark.django_db(transaction=True)
def test_replay_contract_order_times_and_signals(tmp_path):
    rows = _replay(_write(tmp_path, SMALL))
    assert [r["line"] for r in rows] == list(range(1, len(SMALL) + 1))
    assert [r["kind"] for r in rows] == [e["kind"] for e in SMALL]
    for r in rows:
        assert r["verdict"] in VERDICTS
        assert isinstance(r["suspicion"], float) and 0.0 <= r["suspicion"] <= 1.0
        assert isinstance(r["reasons"], list)
    assert [r["verdict"] for r in rows[:6]] == ["counted"] * 6
    # voting for one's own entry is refused by the service: it never counted
    assert rows[6]["verdict"] == "invalidated" and rows[6]["reasons"] == ["refused:own_entry"]
    vote = InteractionEvent.objects.get(action="helpful_vote")
    assert vote.at.isoformat() == "2026-09-02T12:00:00+00:00"  # the event's time, not the clock's
    assert vote.account_age_days == 1
    assert vote.ip_prefix_hash and vote.device_hash and vote.ip_prefix_hash != "198.51.100.2"
    other = InteractionEvent.objects.get(action="review_submit")
    assert other.device_hash != vote.device_hash
    review = Review.objects.get()
    assert review.created_at.isoformat() == "2026-09-02T10:00:00+00:00" and review.helpful_count == 1


@pytest.mark.parametrize(("bad", "message"), [
    ('{"ts": "2026-09-01T00:00:00Z", "kind": "like", "user": "u1"}', "line 2: unknown kind 'like'"),
    ("not json", "line 2: not valid JSON"),
    ('{"ts": "yesterday", "kind": "signup", "user": "u1"}', 'line 2: "ts" is not an ISO 8601'),
    ('{"ts": "2026-09-01T00:00:00Z", "kind": "review", "user": "u1", "product": "p1", "rating": 6}',
     'line 2: "rating" must be an integer from 1 to 5'),
    ('{"ts": "2026-09-01T00:00:00Z", "kind": "helpful", "user": "u1", "product": "p1"}',
     'line 2: "author" must be a non-empty string'),
])
@pytest.mark.django_db
def test_bad_lines_are_named_and_nothing_is_loaded(tmp_path, bad, message):
    path = _write(tmp_path, [SMALL[0], bad, SMALL[1]])
    with pytest.raises(CommandError) as exc:
        call_command("integrity", "replay", "--events", path, "--json", stdout=StringIO(), stderr=StringIO())
    assert message in str(exc.value)
    assert not InteractionEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_crafted_ring_is_invalidated_organic_stays_counted_and_a_rescan_changes_nothing(tmp_path):
    lines = stream(organic=40, days=6, reviews_per_day=4, votes_per_review=16)
    rows = _replay(_write(tmp_path, lines))
    assert len(rows) == len(lines)
    ring = [r for line, r in zip(lines, rows, strict=True) if line.get("ring")]
    organic_votes = [r for line, r in zip(lines, rows, strict=True) if line["kind"] == "helpful" and not line.get("ring")]
    assert len(ring) == 36
    assert all(r["verdict"] == "invalidated" and r["suspicion"] >= 0.8 and r["reasons"] for r in ring)
    assert all(r["verdict"] == "counted" for r in organic_votes)
    # the ring's votes left the counts; the ledger nets them out and still verifies
    assert HelpfulVote.objects.filter(valid=False).count() == 36
    for review in Review.objects.filter(helpful_count__gt=0):
        assert review.helpful_count == HelpfulVote.objects.filter(review=review, valid=True, helpful=True).count()
    report = ledger_verify()
    assert report["broken"] == [] and report["totals"] == []

    # The beat task's scan over the same rows: nothing changes.
    state = (InteractionFlag.objects.count(), RingCase.objects.count(), RingCaseEvent.objects.count(),
             PointsEntry.objects.count(), InteractionEvent.objects.filter(valid=False).count())
    since = min(InteractionEvent.objects.values_list("at", flat=True))
    again = integrity_scan.scan(since=since)
    assert again.counts["invalidated"] == 0 and again.counts["ring_cases_opened"] == 0
    assert again.counts["reviews_held"] == 0
    assert state == (InteractionFlag.objects.count(), RingCase.objects.count(), RingCaseEvent.objects.count(),
                     PointsEntry.objects.count(), InteractionEvent.objects.filter(valid=False).count())


@pytest.mark.django_db(transaction=True)
def test_replay_is_not_refused_by_the_live_daily_vote_caps(tmp_path, settings):
    """The caps limit live members; a replayed stream is judged by the detectors (a cap of 1 here
    would refuse the second and third votes of u9 as 'refused:vote_daily_limit')."""
    settings.COCREATE_VOTES_PER_DAY = 1
    lines = [{"ts": "2026-09-01T08:00:00Z", "kind": "signup", "user": u, "ip": f"203.0.113.{i}", "device": u}
             for i, u in enumerate(("a1", "a2", "a3", "u9"), 1)]
    texts = ("质地清爽，吸收很快，用了两周皮肤更细腻，会回购。", "电池很耐用，充一次电能用三天，做工也扎实。",
             "包装很用心，快递两天就到了，味道偏甜但孩子很喜欢。")
    for i, (author, text) in enumerate(zip(("a1", "a2", "a3"), texts, strict=True), 1):
        lines.append({"ts": f"2026-09-02T0{i}:00:00Z", "kind": "review", "user": author, "product": f"p{i}",
                      "rating": 4, "text": text})
    for i, author in enumerate(("a1", "a2", "a3"), 1):
        lines.append({"ts": f"2026-09-03T0{i}:00:00Z", "kind": "helpful", "user": "u9", "author": author,
                      "product": f"p{i}", "ip": "203.0.113.4", "device": "u9"})
    rows = _replay(_write(tmp_path, lines))
    assert [r["verdict"] for r in rows[-3:]] == ["counted"] * 3
    assert HelpfulVote.objects.filter(valid=True).count() == 3
