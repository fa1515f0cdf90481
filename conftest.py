"""Shared fixtures. Under CI=true the integration services are mandatory: a test
that needs PostgreSQL or Redis fails instead of skipping when they are missing."""
import os

import pytest
from django.contrib.auth.models import Group

from tests import factories

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# The real-browser fixtures (chromium, site) and their constants.
pytest_plugins = ["tests.browser"]


def pytest_sessionstart(session):
    if not IN_CI:
        return
    missing = []
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        missing.append("DATABASE_URL (PostgreSQL)")
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL")
    if missing:
        raise pytest.UsageError("CI=true but these services are not configured: " + ", ".join(missing))


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    on_pg = connection.vendor == "postgresql"
    has_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_pg:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if "redis" in item.keywords and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL"))
    _allow_replica_aliases(items)


_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


def _allow_replica_aliases(items):
    """With DATABASE_REPLICA_URLS set (the scale-out CI step), every database test may use the
    replica aliases: they are the test database's mirrors (config/settings/base.py), and the
    router sends a test's reads there whenever it would in production."""
    from django.conf import settings

    if not getattr(settings, "REPLICA_DATABASES", None):
        return
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not (_DB_FIXTURES & set(getattr(item, "fixturenames", ()))):
            continue
        kwargs = dict(zip(("transaction", "reset_sequences", "databases", "serialized_rollback", "available_apps"),
                          marker.args)) if marker else {}
        kwargs.update(marker.kwargs if marker else {})
        kwargs["databases"] = "__all__"
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVACY_EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from core import localcache
    from moderation.learning.store import cache_clear
    from moderation.pipeline import thresholds_invalidate

    cache.clear()
    localcache.clear()  # each process's copy of the grants and the current policy
    cache_clear()  # the in-process copy of the active models: each test starts from its own database
    thresholds_invalidate()  # likewise the per-process copy of the screening thresholds
    yield


@pytest.fixture
def default_rules(db):
    """gamification's default Rules, as its data migrations load them. A transactional test
    (threads that commit for real) runs after an earlier one's flush dropped those rows, and
    every point now depends on a rule; loading them again is idempotent."""
    from importlib import import_module

    from django.apps import apps

    for name in ("0002_defaults", "0003_cocreation_vote_rules"):
        import_module(f"gamification.migrations.{name}").forwards(apps, None)


@pytest.fixture
def shopper(db):
    return factories.UserFactory()


@pytest.fixture
def other_shopper(db):
    return factories.UserFactory()


@pytest.fixture
def moderator(db):
    user = factories.UserFactory()
    group, _ = Group.objects.get_or_create(name="moderators")
    user.groups.add(group)
    return user


@pytest.fixture
def brand(db):
    return factories.BrandFactory()


@pytest.fixture
def brand_staff(db, brand):
    user = factories.UserFactory(is_staff=True)
    factories.BrandMembershipFactory(user=user, brand=brand)
    return user


@pytest.fixture
def category(db):
    return factories.CategoryFactory()


@pytest.fixture
def product(db, brand, category):
    return factories.ProductFactory(brand=brand, category=category)


@pytest.fixture
def png_bytes():
    return factories.image_bytes("PNG")


@pytest.fixture
def jpeg_bytes():
    return factories.image_bytes("JPEG")
