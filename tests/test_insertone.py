"""core.insertone: one INSERT built once per model, for the vote and the interaction log row."""
import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.forms.models import model_to_dict

from community.cocreation.models import EntryVote
from community.integrity.models import InteractionEvent
from core.insertone import delete_one, insert_one
from tests import factories
from tests.challenge_helpers import make_challenge, published_entry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [EntryVote, InteractionEvent])
def test_no_receiver_listens_to_the_models_it_writes(model):
    # insert_one sends no pre_save/post_save: a receiver added for one of these models would miss
    # every vote and interaction, so it must go back to save() first.
    assert not pre_save.has_listeners(model) and not post_save.has_listeners(model)


def test_nothing_listens_to_or_points_at_the_vote_row_delete_one_removes():
    # delete_one sends no pre_delete/post_delete and cascades nothing.
    assert not pre_delete.has_listeners(EntryVote) and not post_delete.has_listeners(EntryVote)
    assert not [f for f in EntryVote._meta.get_fields() if f.auto_created and not f.concrete]


def test_the_row_is_the_one_save_would_write():
    challenge = make_challenge(allow_overlap=True)
    entry = published_entry(challenge)
    voter, other = factories.UserFactory(), factories.UserFactory()
    mine = insert_one(EntryVote(challenge=challenge, entry=entry, user=voter))
    theirs = EntryVote.objects.create(challenge=challenge, entry=entry, user=other)
    assert mine.pk and not mine._state.adding and mine._state.db == "default"
    stored = EntryVote.objects.get(pk=mine.pk)
    assert stored.created_at == mine.created_at
    assert {k: v for k, v in model_to_dict(stored).items() if k not in ("id", "user", "created_at")} == \
        {k: v for k, v in model_to_dict(theirs).items() if k not in ("id", "user", "created_at")}
    event = insert_one(InteractionEvent(actor_id=voter.pk, action="entry_vote", target_id=entry.pk,
                                        account_age_days=3, actor_level=2))
    row = InteractionEvent.objects.get(pk=event.pk)
    assert (row.actor_id, row.action, row.target_id, row.account_age_days, row.actor_level, row.valid,
            row.signals_expired, row.at) == (voter.pk, "entry_vote", entry.pk, 3, 2, True, False, event.at)


def test_a_constraint_still_refuses_the_row():
    challenge = make_challenge(allow_overlap=True)
    entry = published_entry(challenge)
    voter = factories.UserFactory()
    insert_one(EntryVote(challenge=challenge, entry=entry, user=voter))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_one(EntryVote(challenge=challenge, entry=entry, user=voter))
    assert EntryVote.objects.filter(entry=entry, user=voter).count() == 1


def test_it_refuses_what_it_does_not_handle():
    challenge = make_challenge(allow_overlap=True)
    vote = insert_one(EntryVote(challenge=challenge, entry=published_entry(challenge), user=factories.UserFactory()))
    events = InteractionEvent.objects.count()
    with pytest.raises(ValueError):  # already saved: insert_one only makes new rows
        insert_one(vote)
    with pytest.raises(TypeError):  # an expression is not a value
        from django.db.models.functions import Now
        insert_one(InteractionEvent(actor_id=vote.user_id, action="checkin", at=Now()))
    assert EntryVote.objects.count() == 1 and InteractionEvent.objects.count() == events


def test_delete_one_removes_exactly_that_row():
    challenge = make_challenge(allow_overlap=True)
    entry = published_entry(challenge)
    votes = [EntryVote.objects.create(challenge=challenge, entry=entry, user=factories.UserFactory()) for _ in range(2)]
    assert delete_one(EntryVote, votes[0].pk) == 1
    assert delete_one(EntryVote, votes[0].pk) == 0
    assert list(EntryVote.objects.values_list("pk", flat=True)) == [votes[1].pk]
