"""The request logs and counters in the cache (core.windowcount) and the throttles built on them
(core.api.throttling): DRF's rule exactly (no more than the rate in any ``duration`` seconds,
refused requests not counted), its Retry-After, and keys that expire. Runs on the configured
cache (Redis under CI)."""
import time

import pytest
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core import windowcount
from core.api.throttling import SignedInRateThrottle, SortedLogThrottle
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _ttl(key):
    client = windowcount._raw_client()
    return client.ttl(cache.make_key(key)) if client is not None else None


def test_the_log_counts_the_last_window_and_forgets_older_events():
    assert windowcount.log_event("t:log", 60, now=100.0, member="a") == (1, 100.0)
    assert windowcount.log_event("t:log", 60, now=130.0, member="b") == (2, 100.0)
    assert windowcount.log_event("t:log", 60, now=160.5, member="c") == (2, 130.0)  # "a" is over a minute old
    windowcount.unlog_event("t:log", "c", 60)
    assert windowcount.log_event("t:log", 60, now=161.0, member="d") == (2, 130.0)
    if _ttl("t:log") is not None:
        assert 0 < _ttl("t:log") <= 61


def test_incr_expiring_counts_up_from_one_and_expires():
    assert [windowcount.incr_expiring("t:day", 3600) for _ in range(3)] == [1, 2, 3]
    assert cache.get("t:day") == 3
    if _ttl("t:day") is not None:
        assert 3500 < _ttl("t:day") <= 3600


class ThreeAMinute(SortedLogThrottle):
    rate = "3/min"
    clock = 0.0

    def __init__(self):
        super().__init__()
        self.timer = lambda: ThreeAMinute.clock

    def get_cache_key(self, request, view):
        return "t:three"


def _at(now):
    ThreeAMinute.clock = now
    throttle = ThreeAMinute()
    return throttle.allow_request(None, None), throttle


def test_no_more_than_the_rate_in_any_minute_and_refusals_are_not_counted():
    assert [_at(119.0)[0] for _ in range(3)] == [True, True, True]
    allowed, throttle = _at(121.0)  # a new minute on the clock, but the last 60 s hold three
    assert allowed is False and throttle.wait() == pytest.approx(58.0)
    assert [_at(t)[0] for t in (150.0, 170.0, 178.9)] == [False] * 3
    # Refused requests were not logged: once the first three are a minute old, three more pass.
    assert [_at(179.5)[0] for _ in range(4)] == [True, True, True, False]


def test_a_list_drf_left_under_the_key_does_not_break_the_throttle():
    # Just after a deploy, Redis still holds DRF's own logs (pickled lists) under the throttles' keys.
    cache.set("t:three", [118.0, 117.0], 60)
    assert _at(119.0)[0] is True
    assert cache.get("t:three") == [118.0, 117.0]


def test_the_privileged_headroom_is_asked_only_past_the_rate(monkeypatch):
    monkeypatch.setattr(SignedInRateThrottle, "THROTTLE_RATES", {"user": "2/min"})
    monkeypatch.setattr(SignedInRateThrottle, "timer", lambda self: 1000.0)
    asked = []
    monkeypatch.setattr("core.hooks.user_can", lambda user, privilege: asked.append(privilege) or True)
    request = Request(APIRequestFactory().get("/api/me/"))
    request.user = factories.UserFactory()
    results = [SignedInRateThrottle().allow_request(request, None) for _ in range(10)]
    assert results == [True] * 2 * SignedInRateThrottle.PRIVILEGED_FACTOR + [False, False]
    assert len(asked) == 10 - 2  # not for the two within the plain rate


def test_a_signed_in_write_logs_both_its_limits_in_one_round_trip_and_keeps_drfs_rule(monkeypatch):
    """The user's budget and the writes' budget of an API write go in one pipeline (issue 16, the
    vote path); each still refuses on its own rate, and a refused request is not counted."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from core.api.base import WritesRateThrottle

    monkeypatch.setattr(SignedInRateThrottle, "THROTTLE_RATES", {"user": "100/min"})
    monkeypatch.setattr(WritesRateThrottle, "THROTTLE_RATES", {"writes": "3/min"})
    batches = []
    real = windowcount.log_events_and_read
    monkeypatch.setattr(windowcount, "log_events_and_read",
                        lambda events, keys: batches.append(len(events)) or real(events, keys))
    user = factories.UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    codes = [client.post("/api/entries/999999/vote/").status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]  # the writes' budget (3) refuses; the user's (100) never
    assert batches == [2] * 5  # both logs, one round trip per request
    # The three allowed are in the writes' log, the two refused are not.
    assert windowcount.log_event(f"throttle_writes_{user.pk}:log", 60, now=time.time(), member="probe")[0] == 4


@pytest.mark.redis
def test_a_redis_without_the_script_loads_it_and_counts_once():
    client = windowcount._raw_client()
    client.script_flush()  # a restarted Redis
    assert windowcount.log_event("t:fresh", 60, now=100.0, member="a") == (1, 100.0)
    assert windowcount.log_event("t:fresh", 60, now=100.5, member="b") == (2, 100.0)


def test_reads_ride_with_the_logs_and_equal_the_caches_answers():
    """An API view's first reads go in the round trip of the request's rate limits (issue 16: the
    signed-in review list): the values are the cache's own, missing keys left out, also after a
    restarted Redis lost the script."""
    cache.set_many({"r:a": {"body": b"x", "n": 1}, "r:b": 7})
    counts, found = windowcount.log_events_and_read([("t:read", 60, 100.0, "m1")], ["r:a", "r:b", "r:none"])
    assert counts == [(1, 100.0)]
    assert found == cache.get_many(["r:a", "r:b", "r:none"]) == {"r:a": {"body": b"x", "n": 1}, "r:b": 7}
    client = windowcount._raw_client()
    if client is not None:
        client.script_flush()
    counts, found = windowcount.log_events_and_read([("t:read", 60, 101.0, "m2")], ["r:b"])
    assert counts == [(2, 100.0)] and found == {"r:b": 7}
    assert windowcount.log_events_and_read([], ["r:a"])[1] == {"r:a": {"body": b"x", "n": 1}}  # no limit to log


@pytest.mark.redis
def test_a_warm_review_list_answer_costs_two_redis_round_trips_with_a_token(monkeypatch, product):
    """The token with the user's level, then the rate limit's log with the stored answer, the
    public-profile generation and the list version: two round trips (three before)."""
    import redis.connection
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tests.test_pages import add_bulk_reviews

    add_bulk_reviews(product, 12)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=factories.UserFactory()).key}")
    url = f"/api/products/{product.slug}/reviews/"
    first = client.get(url)  # builds and stores the shared answer; this process learns the product's id
    sent = []
    real = redis.connection.AbstractConnection.send_packed_command
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command",
                        lambda self, command, *a, **kw: sent.append(command) or real(self, command, *a, **kw))
    again = client.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert len(sent) == 2, sent
