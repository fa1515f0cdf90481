"""Notification titles are translated when shown, in the reader's language; backfills insert
notifications in bulk."""
import pytest
from django.utils import translation
from django.utils.translation import gettext_noop

from community import services
from community.models import Notification
from core.i18n import source_text
from gamification.badges import badges_backfill
from gamification.models import Badge
from moderation.adapters.reviews import ReviewAdapter
from tests import factories

pytestmark = pytest.mark.django_db


def test_title_is_shown_in_the_readers_language_with_translated_parameters(shopper):
    note = services.notification_send(
        user_id=shopper.pk, kind="test", title=gettext_noop("Your %(kind)s is published"),
        title_params={"kind": source_text(ReviewAdapter.label)}, email=False,
    )
    with translation.override("zh-hans"):
        sent_in_chinese = services.notification_send(
            user_id=shopper.pk, kind="test", title=gettext_noop("Thanks for your report: the content was removed"),
            email=False)
    with translation.override("en"):
        assert note.display_title == "Your Review is published"
        assert sent_in_chinese.display_title == "Thanks for your report: the content was removed"
    with translation.override("zh-hans"):
        assert note.display_title == "您的评价已发布"
        assert sent_in_chinese.display_title == "感谢举报：该内容已被移除"


def test_rows_written_before_hold_finished_text(shopper):
    old = Notification.objects.create(user=shopper, kind="test", title="您的评价已发布")
    with translation.override("en"):
        assert old.display_title == "您的评价已发布"


def _backfill_queries(n, slug):
    from community import services as community_services

    users = [factories.UserFactory() for _ in range(n)]
    for user in users:
        community_services.review_post(author=user, product=factories.ProductFactory(), rating=5)
    badge = Badge.objects.create(slug=slug, name_zh="首评", name_en="First", criterion="reviews_published",
                                 params={"n": 1})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        badges_backfill(badge_ids=[badge.pk])
    return users, len(ctx.captured_queries)


def test_backfill_notifies_in_bulk():
    few, few_queries = _backfill_queries(3, "first-a")
    many, many_queries = _backfill_queries(25, "first-b")
    assert many_queries == few_queries  # not one INSERT per member
    notes = Notification.objects.filter(kind="gamification.badge.earned")
    assert notes.filter(user__in=many).count() == 25
    with translation.override("en"):
        assert notes.first().display_title.startswith("You earned the badge")
