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


def test_a_content_addressed_value_is_asked_of_the_shared_cache_again_after_a_minute(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(localcache.time, "monotonic", lambda: clock[0])
    localcache.content_set("body", "v1")
    clock[0] += localcache.CONTENT_MAX_SECONDS - 1
    assert localcache.content_get("body") == "v1"
    clock[0] += 2  # past its age: another process may have stored the key again meanwhile
    assert localcache.content_get("body") is None


def test_a_level_is_computed_from_the_shared_table_not_this_processs_copy(shopper):
    from django.core.cache import cache

    from gamification.levels import LEVELS_CACHE_KEY, level_compute, levels_table
    from gamification.models import Level

    second = Level.objects.get(number=2)
    assert level_compute(shopper.pk, second.min_points) >= 2
    levels_table()  # this process's copy, for display
    # Another process raises the threshold: its save retires the shared entry (and its own copy).
    Level.objects.filter(pk=second.pk).update(min_points=second.min_points + 1000)
    cache.delete(LEVELS_CACHE_KEY)
    assert level_compute(shopper.pk, second.min_points) == 1


def test_a_badge_grant_retires_the_list_under_the_shared_version_when_this_processs_copy_is_behind(shopper):
    from django.core.cache import cache

    from gamification import badges

    badges.badges_for_users([shopper.pk])  # this process's copy of the version, and the list under it
    old_key = next(iter(badges._badges_cache_keys([shopper.pk])))
    cache.incr(badges._VERSION_KEY)  # another process edited a badge (its own copy forgotten, not ours)
    new_key = next(iter(badges._badges_cache_keys([shopper.pk], version=badges._badges_version())))
    cache.set(new_key, ["a list read by another process"])
    badges.badges_cache_forget([shopper.pk])  # what a grant does on commit, here
    assert cache.get(new_key) is None and cache.get(old_key) is None
