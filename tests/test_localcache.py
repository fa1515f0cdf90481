"""core.localcache: a process's copy of small, rarely changed tables (grants, current policy)."""
import pytest

from core import localcache
from gamification import levels
from gamification.models import PrivilegeGrant
from gamification.privileges import privilege_value

pytestmark = pytest.mark.django_db


def test_remember_loads_once_until_it_expires_or_is_forgotten(settings, monkeypatch):
    settings.LOCAL_CACHE_SECONDS = 10
    clock = [1000.0]
    monkeypatch.setattr(localcache.time, "monotonic", lambda: clock[0])
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    assert localcache.remember("k", load) == 1
    assert localcache.remember("k", load) == 1  # this process's copy
    clock[0] += 11
    assert localcache.remember("k", load) == 2  # expired: loaded again
    localcache.forget("k")
    assert localcache.remember("k", load) == 3
    settings.LOCAL_CACHE_SECONDS = 0
    assert localcache.remember("k", load) == 4 and localcache.remember("k", load) == 5  # tier off


def test_a_grant_change_is_seen_at_once_by_the_process_that_made_it(shopper):
    grant = PrivilegeGrant.objects.get(privilege="more_photos")
    before = privilege_value(shopper, "more_photos")
    # A change that skips the invalidation is not seen while this process's copy is fresh...
    PrivilegeGrant.objects.filter(pk=grant.pk).update(min_level=1, value=grant.value + 5)
    assert privilege_value(shopper, "more_photos") == before
    # ...the save path's invalidation (gamification.receivers) drops the shared entry and this copy.
    grant.refresh_from_db()
    grant.save()
    assert privilege_value(shopper, "more_photos") == grant.value
    assert levels.grants_table()["more_photos"] == (1, grant.value)
