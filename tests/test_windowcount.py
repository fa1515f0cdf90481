"""Window counters (core.windowcount) and the sliding-window throttles built on them
(core.api.throttling): the counts, the estimate across a window's edge, refused requests not
counted, and the Retry-After they give. Runs on the configured cache (Redis under CI)."""
import pytest
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core import windowcount
from core.api.throttling import SignedInRateThrottle, SlidingWindowThrottle, window_wait
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_count_in_window_counts_this_window_and_reads_the_previous_one():
    assert windowcount.count_in_window("t:a", 60, now=600.0) == (1, 0, 0.0)
    assert windowcount.count_in_window("t:a", 60, now=615.0) == (2, 0, 0.25)
    # The next window starts at 1 and sees the 2 of the one before.
    assert windowcount.count_in_window("t:a", 60, now=675.0) == (1, 2, 0.25)
    # Two windows on, the first one is no longer "previous".
    assert windowcount.count_in_window("t:a", 60, now=735.0) == (1, 1, 0.25)
    windowcount.decr(windowcount.window_key("t:a", 60, 735.0))
    assert windowcount.count_in_window("t:a", 60, now=736.0)[0] == 1


def test_incr_expiring_counts_up_from_one_and_reads_back():
    assert [windowcount.incr_expiring("t:day", 3600) for _ in range(3)] == [1, 2, 3]
    assert cache.get("t:day") == 3


@pytest.mark.parametrize("count, before, elapsed, limit, expected", [
    (2, 0, 0.5, 5, 0.0),      # room now, nothing fading: no wait
    (2, 4, 0.25, 5, 15.0),    # room for 2 more once 2 of the previous 4 have faded: at 50% of the window
    (2, 4, 0.75, 5, 0.0),     # and that point has passed
    (5, 0, 0.5, 5, 30 + 12),  # full: the next window, once 1 of this window's 5 has faded (20% in)
    (0, 0, 0.5, 0, 60.0),     # a zero rate: a whole window
])
def test_window_wait(count, before, elapsed, limit, expected):
    assert window_wait(count, before, elapsed, limit, 60) == pytest.approx(expected)


class ThreeAMinute(SlidingWindowThrottle):
    rate = "3/min"

    def __init__(self, now):
        super().__init__()
        self.timer = lambda: now

    def get_cache_key(self, request, view):
        return "t:three"


def _allowed(now):
    return ThreeAMinute(now).allow_request(None, None)


def test_a_burst_across_the_window_edge_is_refused():
    assert [_allowed(119.0) for _ in range(3)] == [True, True, True]
    # A fixed window would start again at 120 s; the previous window's 3 still weigh almost fully.
    throttle = ThreeAMinute(121.0)
    assert throttle.allow_request(None, None) is False
    assert throttle.wait() == pytest.approx((1 - 2 / 3 - 1 / 60) * 60)  # until a third of them has faded
    # Refused requests are not counted: once a third of the window has gone by, one more passes.
    assert [_allowed(121.5) for _ in range(5)] == [False] * 5
    assert _allowed(141.0) is True
    assert _allowed(141.5) is False


def test_the_privileged_headroom_is_asked_only_past_the_rate(monkeypatch):
    monkeypatch.setattr(SignedInRateThrottle, "THROTTLE_RATES", {"user": "2/min"})
    asked = []
    monkeypatch.setattr("core.hooks.user_can", lambda user, privilege: asked.append(privilege) or True)
    request = Request(APIRequestFactory().get("/api/me/"))
    request.user = factories.UserFactory()
    results = [SignedInRateThrottle().allow_request(request, None) for _ in range(10)]
    assert results == [True] * 2 * SignedInRateThrottle.PRIVILEGED_FACTOR + [False, False]
    assert len(asked) == 10 - 2  # not for the two within the plain rate
