"""core.prepared: the signed-in lists' viewer statements run prepared on a direct PostgreSQL
connection, through the usual cursor behind PgBouncer and on SQLite, with the same rows, and are
logged and counted like any query."""
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import selectors
from community.models import HelpfulVote, Review
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    """A viewer with a pending review of the product and votes on two of four listed reviews."""
    product, viewer = factories.ProductFactory(), factories.UserFactory()
    listed = [Review.objects.create(product=product, author=factories.UserFactory(), rating=r, text=f"Review {r}",
                                    status=Review.Status.PUBLISHED) for r in (5, 4, 3, 2)]
    Review.objects.create(product=product, author=viewer, rating=1, text="Mine", status=Review.Status.PENDING,
                          status_reason="Waiting for a moderator")
    HelpfulVote.objects.create(review=listed[0], user=viewer, helpful=True)
    HelpfulVote.objects.create(review=listed[2], user=viewer, helpful=False)
    HelpfulVote.objects.create(review=listed[1], user=factories.UserFactory(), helpful=True)  # someone else's
    return product, viewer, [r.pk for r in listed]


def _prepared_statements():
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def _expected(listed):
    return (Review.Status.PENDING, "Waiting for a moderator"), {listed[0]: True, listed[2]: False}


def test_the_viewer_state_and_votes_are_read_in_one_query_each(listed):
    product, viewer, ids = listed
    with CaptureQueriesContext(connection) as queries:
        state = selectors.review_list_viewer_state(product_id=product.pk, user=viewer, review_ids=ids)
        votes = selectors.helpful_votes_for_user(user=viewer, review_ids=ids)
    assert (state, votes) == (_expected(ids), _expected(ids)[1])
    assert len(queries) == 2
    # Logged with the values put in, as Django logs any query.
    assert f"author_id = {viewer.pk}" in queries[0]["sql"] and f"user_id = {viewer.pk}" in queries[1]["sql"]


@pytest.fixture
def direct(monkeypatch):
    """A direct, persistent connection, as in production without PgBouncer."""
    monkeypatch.setitem(connection.settings_dict, "PREPARED_READS", True)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)


@pytest.mark.postgres
def test_on_a_direct_connection_each_statement_is_prepared_once(listed, direct):
    product, viewer, ids = listed
    before = _prepared_statements()
    # Seven runs: PostgreSQL plans a prepared statement for each of its first five, then keeps a
    # generic plan; the answer is the same either way.
    for _ in range(7):
        assert selectors.review_list_viewer_state(product_id=product.pk, user=viewer, review_ids=ids) == _expected(ids)
        assert selectors.helpful_votes_for_user(user=viewer, review_ids=ids) == _expected(ids)[1]
    after = _prepared_statements()
    ran = {statement: runs - before.get(statement, 0) for statement, runs in after.items()}
    ran = {statement: runs for statement, runs in ran.items() if runs}
    assert len(ran) == 2 and set(ran.values()) == {7}
    assert all("$1" in statement and "community_helpfulvote" in statement for statement in ran)
    # Ids of any size share the statement (all sent as bigint); nothing else is prepared.
    voter = factories.UserFactory()
    big = [ids[0], 2**40]
    assert selectors.helpful_votes_for_user(user=voter, review_ids=big) == {}
    assert selectors.helpful_votes_for_user(user=viewer, review_ids=[ids[0], 5]) == {ids[0]: True}
    assert Review.objects.filter(pk__in=ids).count() == 4
    added = {statement: runs for statement, runs in _prepared_statements().items() if statement not in after}
    assert list(added.values()) == [2]  # one two-id statement for both value sizes; the ORM's count prepared nothing
    assert connection.connection.prepare_threshold is None  # psycopg tracks no other query


@pytest.mark.postgres
@pytest.mark.parametrize("setting, value", [("PREPARED_READS", False), ("CONN_MAX_AGE", 0)])
def test_behind_pgbouncer_or_without_persistent_connections_nothing_is_prepared(listed, direct, monkeypatch,
                                                                               setting, value):
    # DATABASE_POOLER=pgbouncer leaves PREPARED_READS off; CONN_MAX_AGE 0 closes the connection after
    # each request. The same rows come through Django's cursor.
    product, viewer, ids = listed
    monkeypatch.setitem(connection.settings_dict, setting, value)
    before = _prepared_statements()
    for _ in range(3):
        assert selectors.review_list_viewer_state(product_id=product.pk, user=viewer, review_ids=ids) == _expected(ids)
        assert selectors.helpful_votes_for_user(user=viewer, review_ids=ids) == _expected(ids)[1]
    assert _prepared_statements() == before


@pytest.mark.parametrize("module, pooler, expected", [
    ("base", "", {"PREPARED_READS": True, "CONN_MAX_AGE": 0}),
    ("base", "pgbouncer", {"PREPARED_READS": False, "CONN_MAX_AGE": 0}),
    ("production", "", {"PREPARED_READS": True, "CONN_MAX_AGE": 60}),
])
def test_the_settings_allow_prepared_reads_only_without_pgbouncer(module, pooler, expected):
    # Every alias, the replicas too; production keeps connections (and so prepared statements) open.
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
           "DATABASE_REPLICA_URLS": "postgres://postgres@127.0.0.1:5433/x", "DATABASE_POOLER": pooler,
           "SECRET_KEY": "settings-test-only-0123456789abcdefghijklmnopqrstuvwxyz", "ALLOWED_HOSTS": "example.com",
           "REDIS_URL": "redis://127.0.0.1:6379/0"}
    env.pop("CONN_MAX_AGE", None)
    code = (f"import json; from config.settings import {module} as s; print(json.dumps("
            "{a: {k: d.get(k) for k in ('PREPARED_READS', 'CONN_MAX_AGE')} for a, d in s.DATABASES.items()}))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {"default": expected, "replica1": expected}
