"""The dashboard's figures cache: the beat task warms the operators' default view of each run,
and while one request computes a run's figures the others get the run before's (single flight)."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import kpis, rollups
from dashboard.tasks import rollups_run
from dashboard.tests.helpers import review
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def real_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "dashboard-cache-tests"}}
    cache.clear()
    yield
    cache.clear()


def _operator_view(*, start, end):
    """``cached_dashboard``'s arguments for an operator's view with no other filter."""
    return {"start": start, "end": end, "brand_ids": None, "category": None, "language": None, "kind": None,
            "operator": True, "benchmarks": False}


def _rollup_reads(ctx):
    return [q["sql"] for q in ctx.captured_queries if "dashboard_dailyuser" in q["sql"]]


def _ugc_reviews(data):
    return next(k for k in data["kpis"] if k["key"] == "ugc_volume")["reviews"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_beat_task_warms_the_default_view_so_the_page_computes_nothing(client, language):
    operator = UserFactory(is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    review(UserFactory(), ProductFactory(), timezone.now(), text="Warm and soft")
    client.force_login(operator)
    rollups_run()
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert _rollup_reads(ctx) == []  # served from the warmed cache
    with CaptureQueriesContext(connection) as ctx:  # a view the beat did not warm is computed
        assert client.get(f"/dashboard/?from={rollups.site_day(timezone.now()) - timedelta(days=3)}",
                          HTTP_ACCEPT_LANGUAGE=language).status_code == 200
    assert _rollup_reads(ctx)


def test_while_one_computes_the_others_get_the_previous_runs_figures():
    product = ProductFactory()
    today = rollups.site_day(timezone.now())
    args = _operator_view(start=today.replace(day=1), end=today)
    review(UserFactory(), product, timezone.now())
    rollups.rollups_run()
    first = kpis.cached_dashboard(**args)
    assert _ugc_reviews(first) == 1

    review(UserFactory(), product, timezone.now())
    rollups.rollups_rebuild(since=today)  # a new run: the key moves
    key, _latest = kpis._cache_keys(**args)
    assert cache.get(key) is None
    cache.add(key + ":computing", 1, 60)  # another request is computing this run's figures
    with CaptureQueriesContext(connection) as ctx:
        stale = kpis.cached_dashboard(**args)
    assert _ugc_reviews(stale) == 1 and _rollup_reads(ctx) == []  # the run before's, not computed again
    cache.delete(key + ":computing")
    fresh = kpis.cached_dashboard(**args)
    assert _ugc_reviews(fresh) == 2
    with CaptureQueriesContext(connection) as ctx:
        assert _ugc_reviews(kpis.cached_dashboard(**args)) == 2
    assert _rollup_reads(ctx) == [] and cache.get(key + ":computing") is None


def test_a_failed_computation_releases_the_lock(monkeypatch):
    today = rollups.site_day(timezone.now())
    args = _operator_view(start=today.replace(day=1), end=today)

    def broken(**_):
        raise RuntimeError("database went away")

    monkeypatch.setattr(kpis, "dashboard_data", broken)
    with pytest.raises(RuntimeError):
        kpis.cached_dashboard(**args)
    key, _latest = kpis._cache_keys(**args)
    assert cache.get(key + ":computing") is None


def test_one_computation_serves_every_language():
    from django.utils import translation

    from community.cocreation.models import Challenge
    from dashboard.models import DailyChallenge

    product = ProductFactory()
    ch = Challenge.objects.create(brand=product.brand, title_zh="新口味创意征集", title_en="New flavour ideas",
                                  state=Challenge.State.OPEN, opens_at=timezone.now(), entries_close_at=timezone.now(),
                                  voting_close_at=timezone.now(), closes_at=timezone.now())
    today = rollups.site_day(timezone.now())
    DailyChallenge.objects.create(day=today, brand_id=product.brand_id, challenge_id=ch.pk, views=3)
    args = dict(start=today - timedelta(days=6), end=today, operator=True)
    with translation.override("en"):
        en = kpis.cached_dashboard(**args)
    with translation.override("zh-hans"), CaptureQueriesContext(connection) as ctx:
        zh = kpis.cached_dashboard(**args)
    assert not [q for q in ctx.captured_queries if "dashboard_daily" in q["sql"]]  # not computed again
    assert en["challenge_funnel"][0]["title"] == "New flavour ideas"
    assert zh["challenge_funnel"][0]["title"] == "新口味创意征集"
    en_titles = [k["title"] for k in en["kpis"]]
    zh_titles = [k["title"] for k in zh["kpis"]]
    assert "Active users" in en_titles and "Active users" not in zh_titles and len(zh_titles) == len(en_titles)


def test_the_page_body_is_rendered_once_per_run_and_never_crosses_scopes(client):
    from community.models import BrandMembership

    first, second = (UserFactory(is_staff=True, display_name=name) for name in ("Operator One", "Operator Two"))
    for user in (first, second):
        user.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    mine, theirs = ProductFactory(), ProductFactory()
    brand_staff = UserFactory(is_staff=True, display_name="Brand Staff")
    BrandMembership.objects.create(user=brand_staff, brand=mine.brand)
    review(UserFactory(), mine, timezone.now(), text="Soft and warm")
    rollups.rollups_run()

    client.force_login(first)
    assert client.get("/dashboard/").status_code == 200
    client.force_login(second)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/dashboard/").content.decode()
    assert "csrfmiddlewaretoken" in page and 'name="brand"' in page  # the person's frame around the shared body
    assert theirs.brand.name in page  # the operators' brand filter lists every brand
    assert not [q for q in ctx.captured_queries if "dashboard_daily" in q["sql"] or "community_brand" in q["sql"]]

    client.force_login(brand_staff)
    page = client.get("/dashboard/brand/").content.decode()
    assert mine.brand.name in page and theirs.brand.name not in page


def test_a_request_that_computes_without_the_lock_leaves_the_holders_lock_alone():
    today = rollups.site_day(timezone.now())
    args = _operator_view(start=today - timedelta(days=6), end=today)
    key, _latest = kpis._cache_keys(**args)
    cache.add(key + ":computing", 1, 60)  # another request computes; no previous figures to give
    assert kpis.cached_dashboard(**args)["kpis"]  # so this one computes them itself
    assert cache.get(key + ":computing") == 1  # and the holder's lock is still there
