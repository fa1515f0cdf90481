"""Read replicas with read-your-writes (core/dbrouting.py, docs/deploy.md).

The routing decisions are checked without a database (any machine). The real thing runs
in the scale-out CI step (.ci/replica-up): a streaming replica behind PgBouncer, its WAL
replay paused so it is provably behind, and a person's read after their own write must
come from the primary while a stranger's comes from the stale replica.
"""
import os
import time

import environ
import pytest
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from community.models import Review, User
from core.dbrouting import ReplicaRoutingMiddleware, primary_reads, reads_from

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def routed(settings):
    """Routing on with one (never connected) replica alias: decisions only."""
    settings.REPLICA_DATABASES = ["replica1"]
    settings.DATABASE_ROUTERS = ["core.dbrouting.PrimaryReplicaRouter"]
    settings.DATABASE_PIN_SECONDS = 7
    settings.MULTIDB_PINNING_SECONDS = 7
    return settings


def _through_middleware(request):
    seen = {}

    def view(req):
        seen["alias"] = reads_from(Review)
        return HttpResponse("ok")

    response = ReplicaRoutingMiddleware(view)(request)
    seen["after"] = reads_from(Review)
    return seen, response


def test_safe_request_reads_a_replica(routed):
    seen, response = _through_middleware(RequestFactory().get("/products/x/"))
    assert seen == {"alias": "replica1", "after": "default"}  # and nothing leaks past the response
    assert "cocreate_pin" not in response.cookies


def test_a_write_reads_the_primary_and_pins_the_next_reads(routed):
    seen, response = _through_middleware(RequestFactory().post("/api/reviews/"))
    assert seen["alias"] == "default"
    pin = response.cookies["cocreate_pin"]
    assert pin["max-age"] == 7 and pin["httponly"]

    request = RequestFactory().get("/products/x/")
    request.COOKIES["cocreate_pin"] = "y"
    seen, _ = _through_middleware(request)
    assert seen["alias"] == "default"


@pytest.mark.parametrize("path", ["/moderation/", "/api/moderation/queue/", "/me/points/", "/api/me/points/",
                                  "/me/rewards/", "/api/rewards/", "/admin/"])
def test_pages_that_must_be_exact_read_the_primary(routed, path):
    seen, _ = _through_middleware(RequestFactory().get(path))
    assert seen["alias"] == "default"


@pytest.mark.django_db(transaction=True)  # no test-wide transaction: the view opens its own
def test_reads_inside_a_transaction_and_outside_requests_stay_on_the_primary(routed):
    assert reads_from(Review) == "default"  # a task, a command: no request allowed replica reads

    def view(req):
        with transaction.atomic():  # select_for_update, read-modify-write
            inside = reads_from(Review)
        with primary_reads:
            decorated = reads_from(Review)
        return HttpResponse(f"{inside} {decorated} {reads_from(Review)}")

    response = ReplicaRoutingMiddleware(view)(RequestFactory().get("/products/x/"))
    assert response.content.decode() == "default default replica1"


def test_without_replicas_nothing_changes(settings):
    settings.REPLICA_DATABASES = []
    seen, response = _through_middleware(RequestFactory().post("/api/reviews/"))
    assert seen == {"alias": "default", "after": "default"} and not response.cookies


# --- the real replica (the scale-out CI step) ---------------------------------------------------


def _replica_url():
    urls = [u for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u.strip()]
    return urls[0] if urls else None


@pytest.fixture
def real_replica(settings):
    """``replica1`` pointed at the real streaming replica's copy of the test database (the
    suite otherwise runs it as the test database's mirror). Skips unless one is configured."""
    url = _replica_url()
    if not url or connections["default"].vendor != "postgresql":
        pytest.skip("no read replica: set DATABASE_REPLICA_URLS on PostgreSQL (.ci/replica-up does)")
    config = environ.Env.db_url_config(url)
    conn = connections["replica1"]
    saved = conn.settings_dict
    conn.close()
    # pytest-django's test database is test_<name>; .ci/replica-up's PgBouncer maps
    # test_<replica name> to that database on the replica.
    conn.settings_dict = {**saved, **{k: config[k] for k in ("HOST", "PORT", "USER", "PASSWORD")},
                          "NAME": f"test_{config['NAME']}"}
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone()[0], f"{url} is not a replica (pg_is_in_recovery() is false)"
        yield conn
    finally:
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        conn.close()
        conn.settings_dict = saved


def _wait_until_replayed(replica, timeout=30):
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")  # not yet flushed, with synchronous_commit=off
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    pytest.fail(f"the replica did not replay up to {target} within {timeout}s")


def _count_queries(alias):
    counts = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        counts["n"] += 1
        return execute(sql, params, many, context)

    return counts, connections[alias].execute_wrapper(wrapper)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_read_after_a_write_is_pinned_to_the_primary(real_replica, client, settings):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    user = User.objects.create_user(email="pin@example.com", password="x", display_name="Before")
    token = Token.objects.create(user=user)
    writer, stranger = APIClient(), APIClient()
    writer.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    stranger.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    _wait_until_replayed(real_replica)
    with real_replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")  # from here the replica is behind

    response = writer.patch("/api/me/", {"display_name": "After"}, format="json")
    assert response.status_code == 200, response.content
    assert "cocreate_pin" in response.cookies

    replica_queries, wrapped = _count_queries("replica1")
    with wrapped:
        pinned = writer.get("/api/me/")  # carries the pin cookie the write set
        assert replica_queries["n"] == 0, "a read right after a write went to the replica"
        unpinned = stranger.get("/api/me/")  # same account, no pin: the (stale) replica answers
        assert replica_queries["n"] > 0, "an unpinned safe read did not use the replica"
        before = replica_queries["n"]
        ledger = stranger.get("/api/me/points/")  # an exact page: the primary, pin or not
        assert ledger.status_code == 200 and replica_queries["n"] == before, "the ledger read a replica"
    assert pinned.json()["display_name"] == "After"
    assert unpinned.json()["display_name"] == "Before"  # proves the replica really was behind

    with real_replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    _wait_until_replayed(real_replica)
    assert stranger.get("/api/me/").json()["display_name"] == "After"
