"""Who sees what: operators everything, brand staff only their brands (page, API, CSV), nobody
else anything; bad dates are a 400 with field errors; a fixed number of queries."""
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import runs
from dashboard.tests.helpers import badge, challenge, entry, entry_vote, review, vote
from tests.factories import BrandMembershipFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def operator():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    return user


@pytest.fixture
def two_brands():
    mine, theirs = ProductFactory(), ProductFactory()
    staff = UserFactory(is_staff=True)
    BrandMembershipFactory(user=staff, brand=mine.brand)
    return staff, mine, theirs


def _seed(products, n, when=None):
    when = when or timezone.now() - timedelta(hours=1)
    users = UserFactory.create_batch(n, email_notifications=False) if n else []
    challenges = [challenge(p.brand) for p in products]
    for i, u in enumerate(users):
        r = review(u, products[i % len(products)], when - timedelta(days=i % 20), text="Good lid." if i % 2 else "")
        e = entry(challenges[i % len(challenges)], u, when - timedelta(days=i % 20))
        badge(u, when - timedelta(days=i % 20, hours=1))
        if i:
            vote(users[i - 1], r, when)
            entry_vote(users[i - 1], e, when)
    runs.rebuild(since=(timezone.localtime(when) - timedelta(days=25)).date())


def test_operator_sees_the_page_and_others_do_not(client, operator, two_brands):
    staff, _mine, _theirs = two_brands
    client.force_login(operator)
    assert client.get("/dashboard/").status_code == 200
    client.force_login(staff)
    assert client.get("/dashboard/").status_code == 403
    client.force_login(UserFactory())
    assert client.get("/dashboard/brand/").status_code == 403
    assert client.get("/api/dashboard/kpis/").status_code == 403


def test_brand_staff_cannot_read_another_brand(client, two_brands):
    staff, mine, theirs = two_brands
    _seed([mine, theirs], 6)
    client.force_login(staff)
    ok = client.get(f"/dashboard/brand/?brand={mine.brand_id}")
    assert ok.status_code == 200
    body = ok.content.decode()
    assert "@example.com" not in body  # no shopper's e-mail on a brand view
    assert "platform median" in body
    for url in (f"/dashboard/brand/?brand={theirs.brand_id}", f"/api/dashboard/kpis/?brand={theirs.brand_id}",
                f"/dashboard/brand/csv/kpis/?brand={theirs.brand_id}", f"/dashboard/brand/csv/series/?brand={theirs.brand_id}",
                f"/dashboard/csv/kpis/?brand={theirs.brand_id}", "/dashboard/csv/kpis/"):
        assert client.get(url).status_code == 403, url
    api = client.get("/api/dashboard/kpis/").json()
    assert "moderation" not in api and "retention" not in api and "benchmarks" in api
    csv_body = client.get(f"/dashboard/brand/csv/series/?brand={mine.brand_id}").content.decode()
    assert csv_body.startswith("kpi,day,value") and "@example.com" not in csv_body


def test_brand_figures_count_only_the_brand(client, two_brands):
    staff, mine, theirs = two_brands
    _seed([mine, theirs], 10)
    client.force_login(staff)
    data = client.get("/api/dashboard/kpis/").json()
    ugc = next(k for k in data["kpis"] if k["key"] == "ugc_volume")
    assert ugc["reviews"] == 5  # five of the ten reviews are on their brand's product


@pytest.mark.parametrize("query,field", [("from=2026-13-01", "from"), ("from=2026-03-10&to=2026-03-01", "from"),
                                         ("to=2999-01-01", "to"), ("brand=abc", "brand"), ("kind=x", "kind")])
def test_bad_filters_are_field_errors(client, operator, query, field):
    client.force_login(operator)
    response = client.get(f"/api/dashboard/kpis/?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    page = client.get(f"/dashboard/?{query}")
    assert page.status_code == 400 and b"Please correct the filters" in page.content


def _queries(client, url):
    client.get(url)  # warm: per-session one-offs (the first request after a login) are not the page's
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_fixed_whatever_the_data_size(client, operator, two_brands, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    staff, mine, theirs = two_brands
    _seed([mine, theirs], 4)
    client.force_login(operator)
    small = [_queries(client, u) for u in ("/dashboard/", "/api/dashboard/kpis/")]
    client.force_login(staff)
    small_brand = [_queries(client, u) for u in ("/dashboard/brand/", "/api/dashboard/kpis/")]
    _seed([mine, theirs], 40)
    client.force_login(operator)
    large = [_queries(client, u) for u in ("/dashboard/", "/api/dashboard/kpis/")]
    client.force_login(staff)
    large_brand = [_queries(client, u) for u in ("/dashboard/brand/", "/api/dashboard/kpis/")]
    assert small == large and small_brand == large_brand
    assert small == [EXPECTED_OPERATOR_PAGE, EXPECTED_OPERATOR_API]
    assert small_brand == [EXPECTED_BRAND_PAGE, EXPECTED_BRAND_API]


EXPECTED_OPERATOR_PAGE, EXPECTED_OPERATOR_API, EXPECTED_BRAND_PAGE, EXPECTED_BRAND_API = 25, 21, 22, 20


def test_schema_documents_the_endpoint(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/dashboard/kpis/" in schema and "dashboard_kpis" in schema
