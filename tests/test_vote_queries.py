"""Where the vote path's queries go (issue 16): the API vote and withdraw, counted exactly."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from community.cocreation.models import Challenge
from tests.challenge_helpers import make_challenge, old_user, published_entry

pytestmark = pytest.mark.django_db


def _setup(client):
    challenge = make_challenge(allow_overlap=True, votes_per_user=50)
    entry = published_entry(challenge)
    voter = old_user()
    token = Token.objects.create(user=voter)
    return challenge, entry, voter, {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def test_print_vote_queries(client):
    challenge, entry, voter, h = _setup(client)
    client.post(f"/api/entries/{entry.pk}/vote/", **h)  # warm caches (rules, levels)
    client.post(f"/api/entries/{entry.pk}/vote/", **h)
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(f"/api/entries/{entry.pk}/vote/", **h)
    assert r.status_code == 200, r.content
    for i, q in enumerate(ctx.captured_queries, 1):
        print(i, q["sql"][:300])
    print("N", len(ctx.captured_queries))
