"""Votes' points settled in batches (issue 16; gamification/votesettle.py): repeated taps on one
pair coalesce, one task per batch, a claim left by a dead run or holding a failed pair is put back,
and through a real worker every standing vote ends with exactly one standing award."""
import time
from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone
from rest_framework.authtoken.models import Token

from community.cocreation import services as cocreation_services
from community.integrity.models import InteractionEvent
from gamification import services, tasks, votesettle
from gamification.models import PointsEntry
from tests.challenge_helpers import make_challenge, old_user, published_entry
from tests.worker import wait_for

pytestmark = [pytest.mark.redis]


def standing(entry_id, voter_id) -> int:
    """How many unreversed awards the voter holds for a vote on the entry (0 or 1)."""
    key = f"{services.ENTRY_VOTE_CAST}:{entry_id}:{voter_id}"
    return PointsEntry.objects.filter(Q(key=key) | Q(key__startswith=f"{key}#"), amount__gt=0,
                                      reverses__isnull=True, reversals__isnull=True).count()


def pending():
    return {m.decode() for m in votesettle._client().smembers(votesettle._keys()[0])}


@pytest.fixture
def batches(monkeypatch):
    """The batches in use (as with a broker and real workers); the tasks the votes send are kept."""
    votesettle._client().delete(*votesettle._keys(), votesettle._key("attempts"))
    votesettle._client().set(votesettle._key("epoch"), 1)  # this Redis lost nothing (see the relist test)
    sent = []
    monkeypatch.setattr(votesettle, "in_use", lambda: True)
    monkeypatch.setattr(tasks.votes_settle, "apply_async", lambda *a, **kw: sent.append(kw))
    return sent


@pytest.mark.django_db
def test_taps_coalesce_into_one_pending_pair_and_one_task(batches, default_rules, django_capture_on_commit_callbacks):
    challenge = make_challenge(allow_overlap=True, votes_per_user=5)
    entry, other = published_entry(challenge), published_entry(challenge)
    voter = old_user()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):  # vote, withdraw, vote
            cocreation_services.entry_vote_toggle(user=voter, entry_id=entry.pk)
        cocreation_services.entry_vote_toggle(user=voter, entry_id=other.pk)
    assert pending() == {f"entry:{entry.pk}:{voter.pk}", f"entry:{other.pk}:{voter.pk}"}
    assert len(batches) == 1  # the first vote rang; the door stayed shut for the others
    assert not PointsEntry.objects.filter(user=voter).exists()  # nothing on the request path

    result = tasks.votes_settle()
    assert result == {"settled": 2, "failed": 0, "dropped": 0, "recovered": 0, "left": 0, "relisted": 0}
    assert standing(entry.pk, voter.pk) == 1 and standing(other.pk, voter.pk) == 1
    assert pending() == set()

    with django_capture_on_commit_callbacks(execute=True):  # the run opened the door: this rings
        cocreation_services.entry_vote_toggle(user=voter, entry_id=entry.pk)
    assert len(batches) == 2
    tasks.votes_settle()
    assert standing(entry.pk, voter.pk) == 0 and standing(other.pk, voter.pk) == 1
    tasks.votes_settle()  # nothing pending: changes nothing
    assert PointsEntry.objects.filter(user=voter).count() == 3  # two awards, one reversal


@pytest.mark.django_db
def test_a_claim_left_by_a_dead_run_is_put_back(batches, default_rules):
    challenge = make_challenge(allow_overlap=True, votes_per_user=5)
    entry, voter = published_entry(challenge), old_user()
    cocreation_services.entry_vote_toggle(user=voter, entry_id=entry.pk)
    votesettle.pending_add("entry", entry.pk, voter.pk)
    pending_key, _door, claims = votesettle._keys()
    client = votesettle._client()
    claim = votesettle._key("claim:dead")
    claimed = votesettle._script(client, votesettle._CLAIM)(keys=[pending_key, claim, claims], args=[10, time.time()])
    assert len(claimed) == 1 and pending() == set()  # the run died here

    assert tasks.votes_settle()["settled"] == 0  # a live run leaves a young claim alone
    assert standing(entry.pk, voter.pk) == 0
    later = votesettle.settle_pending(now=time.time() + votesettle.CLAIM_STALE_SECONDS + 1)
    assert later == {"settled": 1, "failed": 0, "dropped": 0, "recovered": 1, "left": 0, "relisted": 0}
    assert standing(entry.pk, voter.pk) == 1
    assert not client.exists(claim) and client.zcard(claims) == 0


@pytest.mark.django_db
def test_a_failing_pair_is_kept_and_retried_later_without_holding_the_others(batches, default_rules, monkeypatch):
    challenge = make_challenge(allow_overlap=True, votes_per_user=5)
    entries, voter = [published_entry(challenge) for _ in range(3)], old_user()
    for e in entries:
        cocreation_services.entry_vote_toggle(user=voter, entry_id=e.pk)
        votesettle.pending_add("entry", e.pk, voter.pk)
    real = votesettle.SETTLE["entry"]

    def flaky(target, voter_id):
        if target == entries[1].pk:
            raise OSError("database went away")
        return real(target, voter_id)

    monkeypatch.setitem(votesettle.SETTLE, "entry", flaky)
    assert votesettle.settle_pending() == {"settled": 2, "failed": 1, "dropped": 0, "recovered": 0, "left": 0, "relisted": 0}
    assert [standing(e.pk, voter.pk) for e in entries] == [1, 0, 1]
    monkeypatch.setitem(votesettle.SETTLE, "entry", real)
    assert votesettle.settle_pending()["settled"] == 0  # not at once: minutes later
    later = votesettle.settle_pending(now=time.time() + votesettle.CLAIM_STALE_SECONDS + 1)
    assert later["settled"] == 1 and [standing(e.pk, voter.pk) for e in entries] == [1, 1, 1]


@pytest.mark.django_db
def test_a_run_whose_claim_was_put_back_meanwhile_keeps_its_failures_listed(batches, default_rules, monkeypatch):
    challenge = make_challenge(allow_overlap=True, votes_per_user=5)
    entry, voter = published_entry(challenge), old_user()
    cocreation_services.entry_vote_toggle(user=voter, entry_id=entry.pk)
    votesettle.pending_add("entry", entry.pk, voter.pk)
    real = votesettle.SETTLE["entry"]

    def slow_and_failing(target, voter_id):
        # Another run finds this claim stale (this one took too long) and puts it back ...
        assert votesettle.settle_pending(now=time.time() + votesettle.CLAIM_STALE_SECONDS + 1,
                                         run_seconds=0)["recovered"] == 1
        votesettle._client().delete(votesettle._keys()[0])  # ... and the pair it put back was taken
        raise OSError("lock wait timeout")

    monkeypatch.setitem(votesettle.SETTLE, "entry", slow_and_failing)
    assert votesettle.settle_pending()["failed"] == 1
    assert pending() == set()
    assert votesettle._client().zcard(votesettle._keys()[2]) == 1  # listed again, not lost in an unlisted set
    monkeypatch.setitem(votesettle.SETTLE, "entry", real)
    later = votesettle.settle_pending(now=time.time() + votesettle.CLAIM_STALE_SECONDS + 1)
    assert (later["recovered"], later["settled"]) == (1, 1) and standing(entry.pk, voter.pk) == 1


@pytest.mark.django_db
def test_a_pair_that_keeps_failing_is_dropped_after_the_last_attempt(batches, monkeypatch):
    votesettle.pending_add("entry", 10**9, 10**9)

    def broken(target, voter_id):
        raise OSError("always")

    monkeypatch.setitem(votesettle.SETTLE, "entry", broken)
    results = [votesettle.settle_pending(now=time.time() + i * (votesettle.CLAIM_STALE_SECONDS + 1))
               for i in range(votesettle.MAX_ATTEMPTS)]
    assert [r["failed"] for r in results] == [1] * (votesettle.MAX_ATTEMPTS - 1) + [0]
    assert results[-1]["dropped"] == 1
    client = votesettle._client()
    assert pending() == set() and client.zcard(votesettle._keys()[2]) == 0
    assert client.hlen(votesettle._key("attempts")) == 0


@pytest.mark.django_db
def test_without_batches_each_vote_sends_its_own_task(default_rules, django_capture_on_commit_callbacks):
    """Eager Celery (tests, the embedded default): the vote's own task, settled at once."""
    assert not votesettle.in_use()
    challenge = make_challenge(allow_overlap=True, votes_per_user=5)
    entry, voter = published_entry(challenge), old_user()
    with django_capture_on_commit_callbacks(execute=True):
        cocreation_services.entry_vote_toggle(user=voter, entry_id=entry.pk)
    assert standing(entry.pk, voter.pk) == 1 and pending() == set()


@pytest.mark.django_db
def test_pairs_a_redis_lost_are_listed_again_from_the_interaction_log(batches, default_rules,
                                                                       django_capture_on_commit_callbacks):
    """A broker Redis that lost its keys (no epoch) loses the pending pairs: the next run lists
    again every pair the interaction log shows in the last RELIST_HOURS, and settles them; the
    runs after it do not, and an older pair is not listed."""
    challenge = make_challenge(allow_overlap=True, votes_per_user=5)
    entry, other, old_entry = published_entry(challenge), published_entry(challenge), published_entry(challenge)
    voter = old_user()
    with django_capture_on_commit_callbacks(execute=True):
        for target in (entry, other, other, old_entry):  # other: voted, then withdrawn
            cocreation_services.entry_vote_toggle(user=voter, entry_id=target.pk)
    InteractionEvent.objects.filter(action="entry_vote", target_id=old_entry.pk).update(
        at=timezone.now() - timedelta(hours=votesettle.RELIST_HOURS, minutes=5))
    client = votesettle._client()
    client.delete(*votesettle._keys(), votesettle._key("epoch"))  # the restart: pending pairs and epoch gone
    assert pending() == set()

    result = tasks.votes_settle()
    assert result["relisted"] == 3 and result["settled"] == 2 and result["left"] == 0  # entry, other (twice)
    assert standing(entry.pk, voter.pk) == 1 and standing(other.pk, voter.pk) == 0
    assert standing(old_entry.pk, voter.pk) == 0  # older than the window: not listed again
    assert tasks.votes_settle()["relisted"] == 0  # the epoch is back


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_api_votes_settle_through_a_real_worker(celery_not_eager, celery_worker_process, client, default_rules):
    """Four voters tap through the API (vote, some withdraw, some vote again) with a worker
    running: every standing vote ends with one standing award, every withdrawn one with none,
    and nothing is left pending."""
    challenge = make_challenge(allow_overlap=True, votes_per_user=10)
    entries = [published_entry(challenge) for _ in range(3)]
    voters = [old_user() for _ in range(4)]
    headers = {v.pk: {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=v).key}"} for v in voters}
    taps = {}
    for i, voter in enumerate(voters):
        for j, entry in enumerate(entries):
            for _ in range(1 + (i + j) % 3):  # 1, 2 or 3 taps: voted, withdrawn, voted again
                r = client.post(f"/api/entries/{entry.pk}/vote/", **headers[voter.pk])
                assert r.status_code == 200, r.content
                taps[(entry.pk, voter.pk)] = r.json()["voted"]
    assert any(taps.values()) and not all(taps.values())

    def settled():
        return not pending() and all(standing(e, v) == int(voted) for (e, v), voted in taps.items())

    wait_for(settled, 60, "the votes' points", celery_worker_process)
    assert "gamification.votes_settle" in celery_worker_process.log_path.read_text()
    assert "gamification.entry_vote_points_settle[" not in celery_worker_process.log_path.read_text()
