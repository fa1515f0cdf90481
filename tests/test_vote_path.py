"""The vote path (issue 16) and the daily vote caps by trust level (issue 11 section 3).

Query counts are exact: a vote through the API is the token, a savepoint pair (the test's
transaction; BEGIN/COMMIT in production, not counted), the entry with its challenge and
author (and, on PostgreSQL, its images), the participant lock, the user's votes in the challenge
(one aggregate), the vote INSERT or DELETE, the counter UPDATE ... RETURNING, the interaction row,
and elsewhere the entry's images for the answer. The challenge counter moves after commit (one UPDATE) and the points
are settled after commit (gamification/votesettle.py; one task per vote when Celery is eager).
"""
import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from community import hooks
from community import services as community_services
from community.cocreation import polls, services
from community.cocreation.models import Challenge, EntryVote
from community.models import HelpfulVote
from community.votelimits import vote_daily_cap, vote_daily_used, vote_level_multiplier
from gamification.models import PointsEntry
from tests import factories
from tests.challenge_helpers import make_challenge, old_user, published_entry
from tests.test_concurrency import run_together
from tests.test_polls import make_poll

pytestmark = pytest.mark.django_db

# token, savepoint, entry, participant lock, votes aggregate, INSERT/DELETE, UPDATE ... RETURNING,
# interaction row, release savepoint, images (the serializer; on PostgreSQL read with the entry)
def vote_queries():
    return 9 if connection.vendor == "postgresql" else 10


def _api_voter():
    voter = old_user()
    return voter, {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=voter).key}"}


def test_entry_vote_api_queries_are_exact(client, django_assert_num_queries, django_capture_on_commit_callbacks):
    challenge = make_challenge(allow_overlap=True, votes_per_user=50)
    entries = [published_entry(challenge) for _ in range(2)]
    voter, h = _api_voter()
    client.post(f"/api/entries/{entries[1].pk}/vote/", **h)  # the participant row exists from here on
    with django_capture_on_commit_callbacks(execute=False) as callbacks, django_assert_num_queries(vote_queries()):
        assert client.post(f"/api/entries/{entries[0].pk}/vote/", **h).json()["voted"] is True
    # after commit: the challenge counter's UPDATE and the vote event (points, quality), nothing in the request
    assert len(callbacks) == 2
    assert not PointsEntry.objects.filter(key__endswith=f":{entries[0].pk}:{voter.pk}").exists()
    with django_assert_num_queries(vote_queries()):  # the toggle withdraws
        assert client.post(f"/api/entries/{entries[0].pk}/vote/", **h).json()["voted"] is False
    client.post(f"/api/entries/{entries[0].pk}/vote/", **h)
    with django_assert_num_queries(vote_queries()):  # DELETE withdraws in as many
        r = client.delete(f"/api/entries/{entries[0].pk}/vote/", **h)
    assert r.status_code == 200 and r.json()["voted"] is False
    for e in entries:
        e.refresh_from_db()
    assert entries[0].vote_count == 0 and entries[1].vote_count == 1
    assert EntryVote.objects.filter(user=voter).count() == 1


def test_withdraw_when_voting_closed_and_no_vote_answers_the_entry(client):
    challenge = make_challenge(allow_overlap=True)
    entry = published_entry(challenge)
    Challenge.objects.filter(pk=challenge.pk).update(state=Challenge.State.CLOSED)
    _voter, h = _api_voter()
    r = client.delete(f"/api/entries/{entry.pk}/vote/", **h)
    assert r.status_code == 200 and r.json()["voted"] is False
    assert client.post(f"/api/entries/{entry.pk}/vote/", **h).json()["error"]["code"] == "voting_closed"


# --- daily caps by trust level ---------------------------------------------------------------


def test_cap_grows_with_level(settings, monkeypatch):
    settings.COCREATE_VOTES_PER_DAY = 10
    settings.COCREATE_VOTE_LEVEL_MULTIPLIERS = {1: 1, 2: 1.5, 4: 3}
    assert [vote_level_multiplier(n) for n in (1, 2, 3, 4, 6)] == [1, 1.5, 1.5, 3, 3]
    user = factories.UserFactory()
    monkeypatch.setattr(hooks.user_level, "_impl", lambda user_id: {"number": 3})
    assert vote_daily_cap(user) == 15
    settings.COCREATE_VOTES_PER_DAY = 0
    assert vote_daily_cap(user) is None


def test_entry_helpful_and_poll_votes_share_the_day(client, settings, monkeypatch):
    settings.LANGUAGE_CODE = "en"
    settings.COCREATE_VOTES_PER_DAY = 3
    monkeypatch.setattr(hooks.user_level, "_impl", lambda user_id: {"number": 1})
    voter, h = _api_voter()
    challenge = make_challenge(allow_overlap=True, votes_per_user=50)
    entries = [published_entry(challenge) for _ in range(3)]
    review = factories.review_with_words(author=factories.UserFactory(), product=factories.ProductFactory())
    poll = make_poll(votes_per_user=5)
    option = poll.poll_options.first()

    assert client.post(f"/api/entries/{entries[0].pk}/vote/", **h).status_code == 200
    assert client.post(f"/api/entries/{entries[0].pk}/vote/", **h).status_code == 200  # withdrawn: no refund
    community_services.review_vote_helpful(user=voter, review_id=review.pk, helpful=True)
    community_services.review_vote_helpful(user=voter, review_id=review.pk, helpful=False)  # a change takes none
    assert vote_daily_used(voter) == 2
    polls.poll_vote_toggle(user=voter, option_id=option.pk)
    assert vote_daily_used(voter) == 3

    r = client.post(f"/api/entries/{entries[1].pk}/vote/", HTTP_ACCEPT_LANGUAGE="en", **h)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "vote_daily_limit"
    assert "used all 3 of today's votes" in str(r.json())
    assert not EntryVote.objects.filter(user=voter, entry=entries[1]).exists()
    with pytest.raises(Exception) as exc:
        polls.poll_vote_toggle(user=voter, option_id=poll.poll_options.last().pk)
    assert exc.value.code == "vote_daily_limit"
    # Withdrawing still works at the cap.
    polls.poll_vote_toggle(user=voter, option_id=option.pk)
    community_services.review_vote_helpful(user=voter, review_id=review.pk, helpful=None)
    assert not HelpfulVote.objects.filter(user=voter).exists()

    # The page: the same message, shown after the redirect.
    client.force_login(voter)
    r = client.post(f"/entries/{entries[2].pk}/vote/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert r.status_code == 200
    assert "used all 3 of today&#x27;s votes" in r.content.decode() or "used all 3 of today's votes" in r.content.decode()


def test_cap_message_in_chinese(client, settings, monkeypatch):
    settings.COCREATE_VOTES_PER_DAY = 1
    settings.LANGUAGE_CODE = "zh-hans"
    monkeypatch.setattr(hooks.user_level, "_impl", lambda user_id: {"number": 1})
    _voter, h = _api_voter()
    challenge = make_challenge(allow_overlap=True, votes_per_user=50)
    entries = [published_entry(challenge) for _ in range(2)]
    assert client.post(f"/api/entries/{entries[0].pk}/vote/", **h).status_code == 200
    r = client.post(f"/api/entries/{entries[1].pk}/vote/", HTTP_ACCEPT_LANGUAGE="zh-hans", **h)
    assert r.status_code == 429 and r.json()["error"]["code"] == "vote_daily_limit"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_votes_at_the_caps_edge_never_both_pass(settings, monkeypatch):
    """Two challenges (two participant locks, so nothing else serialises the votes) and one slot
    left: in every round exactly one of the two concurrent votes passes."""
    settings.COCREATE_VOTES_PER_DAY = 1
    monkeypatch.setattr(hooks.user_level, "_impl", lambda user_id: {"number": 1})
    for _round in range(5):
        voter = old_user()
        entries = [published_entry(make_challenge(allow_overlap=True, votes_per_user=5)) for _ in range(2)]
        calls = [lambda e=e, v=voter: services.entry_vote_toggle(user=v, entry_id=e.pk) for e in entries]
        results, errors = run_together(calls)
        passed = [r for r in results if r is not None]
        refused = [e for e in errors if e is not None]
        assert len(passed) == 1, (results, errors)
        assert len(refused) == 1 and refused[0].code == "vote_daily_limit"
        assert EntryVote.objects.filter(user=voter).count() == 1


def test_the_votes_entry_read_gives_what_the_orm_gives(django_assert_num_queries):
    """``vote_entry_get`` (one written-out statement on PostgreSQL) loads the same entry, challenge
    and author as the ORM; fields it leaves out load on access, as with ``.only()``."""
    from community.cocreation.models import Entry

    from community.cocreation.api.challenges import EntryOutputSerializer
    from community.cocreation.models import EntryImage

    challenge = make_challenge(allow_overlap=True, votes_per_user=7, min_account_age_days_to_vote=2)
    entry = published_entry(challenge)
    for position, name in [(1, "entries/b.jpg"), (0, "entries/a.jpg"), (1, "entries/c.jpg")]:
        EntryImage.objects.create(entry=entry, image=name, position=position)
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):  # + images elsewhere
        got = services.vote_entry_get(entry.pk)
        fields = {f.attname: getattr(got, f.attname) for f in Entry._meta.concrete_fields}
        rules = (got.challenge.pk, got.challenge.accepts_votes, got.challenge.votes_per_user,
                 got.challenge.min_account_age_days_to_vote)
        name = got.author.public_name
        answer = EntryOutputSerializer(got).data
    orm = Entry.objects.select_related("challenge", "author").get(pk=entry.pk)
    assert answer == EntryOutputSerializer(orm).data
    assert [url.rsplit("/", 1)[-1] for url in answer["images"]] == ["a.jpg", "b.jpg", "c.jpg"]
    assert fields == {f.attname: getattr(orm, f.attname) for f in Entry._meta.concrete_fields}
    assert rules == (challenge.pk, True, 7, 2)
    assert name == orm.author.public_name
    with django_assert_num_queries(1):  # a field the vote does not read: loaded on access
        assert got.challenge.title_zh == orm.challenge.title_zh
    assert services.vote_entry_get(entry.pk + 1000) is None


def test_the_entry_answer_equals_drfs_field_by_field_answer(settings):
    """EntryOutputSerializer builds its answer directly (no per-instance copy of the fields); it must
    say exactly what its declared fields say, for every kind of value they hold."""
    from django.utils import timezone
    from rest_framework import serializers as drf

    from community.cocreation.api.challenges import EntryOutputSerializer
    from community.cocreation.models import Entry, EntryImage

    settings.TIME_ZONE = "Asia/Shanghai"
    challenge = make_challenge(allow_overlap=True)
    plain = published_entry(challenge)
    rich = published_entry(challenge, text="做一款无糖的桂花乌龙 <b>&</b>")
    Entry.objects.filter(pk=rich.pk).update(quality_score=73, is_winner=True, adopted_at=timezone.now(),
                                            adopted_note="明年上市", vote_count=4)
    EntryImage.objects.create(entry=rich, image="entries/a.jpg", position=0)
    for entry in Entry.objects.select_related("author").prefetch_related("images").filter(pk__in=[plain.pk, rich.pk]):
        for voted in (set(), {entry.pk}):
            serializer = EntryOutputSerializer(entry, context={"voted": voted})
            assert serializer.data == drf.Serializer.to_representation(serializer, entry)
            assert list(serializer.data) == list(EntryOutputSerializer().fields)
