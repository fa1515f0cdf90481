"""Creation frequency before / after a first badge, and the per-challenge co-creation funnel
(views -> entrants -> entries -> voters -> votes -> adopted), on crafted data with exact values."""
import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.cocreation.models import ChallengeViewDay
from community.cocreation.pageviews import challenge_views_flush
from dashboard import kpis, runs
from dashboard.models import FirstBadge
from dashboard.tests.helpers import SH, at, badge, challenge, entry, entry_vote
from tests.factories import BrandFactory, BrandMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) AppleWebKit/605.1.15 Mobile/15E148"}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"  # the view counters live in the test cache (locmem, or Redis with REDIS_URL)


def _kpi(data, key):
    return next(k for k in data["kpis"] if k["key"] == key)


def test_two_contributions_before_and_six_after_a_first_badge_is_plus_200_percent():
    ch = challenge(BrandFactory())
    creator, newcomer, veteran, late = UserFactory.create_batch(4)
    # The first badge at 00:30 on 1 March in Shanghai (16:30 UTC on 28 February): the badge day is 1 March.
    badge(creator, datetime(2026, 2, 28, 16, 30, tzinfo=UTC))
    badge(creator, at(2026, 3, 20), slug="second")  # a later badge does not move the first
    entry(ch, creator, at(2026, 2, 1, 0, 5))  # day -28: the first day before
    entry(ch, creator, datetime(2026, 2, 28, 15, 59, tzinfo=UTC))  # 23:59 on 28 February: before
    entry(ch, creator, at(2026, 1, 31, 23, 59))  # day -29: outside
    entry(ch, creator, at(2026, 3, 1, 9))  # the badge day itself: in neither window
    for d in (2, 5, 9, 15, 20):
        entry(ch, creator, at(2026, 3, d))
    entry(ch, creator, at(2026, 3, 29, 23, 59))  # day +28, 23:59 Shanghai: the last day after
    entry(ch, creator, datetime(2026, 3, 29, 16, 0, tzinfo=UTC))  # 00:00 on 30 March: outside
    badge(newcomer, at(2026, 3, 3))  # first contribution earned the badge: no contributions before
    entry(ch, newcomer, at(2026, 3, 4))
    badge(veteran, at(2026, 2, 20))  # first badge before the period
    badge(veteran, at(2026, 3, 5), slug="second")
    entry(ch, veteran, at(2026, 2, 25))
    entry(ch, veteran, at(2026, 3, 6))
    badge(late, at(2026, 3, 9))  # weeks after end on 6 April: pending on 1 April
    entry(ch, late, at(2026, 3, 1))
    runs.rebuild(since=date(2026, 1, 1), now=at(2026, 4, 10))
    assert FirstBadge.objects.get(user_id=creator.pk).day == date(2026, 3, 1)

    k = _kpi(kpis.dashboard_data(start=date(2026, 3, 1), end=date(2026, 3, 10), today=date(2026, 4, 1)),
             "creation_lift")
    assert k["creators"] == 1 and k["pending"] == 1
    assert (k["before"], k["after"]) == (2 / 4, 6 / 4)  # per creator per week, 4 weeks each side
    assert k["value"] == pytest.approx(2.0)  # +200%
    assert (k["target"], k["status"], k["unit"]) == (0.45, "green", "lift")
    later = _kpi(kpis.dashboard_data(start=date(2026, 3, 1), end=date(2026, 3, 10), today=date(2026, 4, 7)),
                 "creation_lift")
    assert later["creators"] == 2 and later["pending"] == 0  # late: 1 before, 0 after
    assert later["value"] == pytest.approx((6 + 0) / (2 + 1) - 1)


def test_no_creator_before_a_badge_is_no_value_not_zero():
    k = _kpi(kpis.dashboard_data(start=date(2026, 3, 1), end=date(2026, 3, 10)), "creation_lift")
    assert (k["value"], k["creators"], k["status"]) == (None, 0, "none")


def _operator():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    return user


def test_challenge_funnel_counts_views_entrants_entries_voters_votes_per_challenge(client):
    today = timezone.localtime(timezone.now(), SH).date()
    mine, theirs = BrandFactory(), BrandFactory()
    ch, other = challenge(mine, title_en="Flavours"), challenge(theirs, title_en="Bottles")
    a, b, c, viewer = UserFactory.create_batch(4)
    start = datetime.combine(today - timedelta(days=6), datetime.min.time(), tzinfo=SH)
    e1 = entry(ch, a, start + timedelta(hours=1))
    entry(ch, a, start + timedelta(hours=2))
    e3 = entry(ch, b, start + timedelta(hours=3), adopted_at=start + timedelta(hours=5))
    entry(other, c, start + timedelta(hours=4))
    entry_vote(c, e1, start + timedelta(hours=6))
    entry_vote(c, e3, start + timedelta(hours=6))  # c: one voter, two votes
    entry_vote(a, e3, start)  # 00:00 on the first day: in
    entry_vote(viewer, e1, start - timedelta(minutes=1))  # 23:59 the day before: outside the period

    # Views: one per visitor and day; repeats, HEAD requests and robots are not counted.
    client.force_login(viewer)
    assert client.get(f"/challenges/{ch.pk}/", **BROWSER).status_code == 200
    client.get(f"/challenges/{ch.pk}/?sort=newest", **BROWSER)  # the same person again today
    client.head(f"/challenges/{ch.pk}/", **BROWSER)
    client.logout()
    client.get(f"/challenges/{ch.pk}/", **BROWSER)  # an anonymous browser (its device cookie)
    client.get(f"/challenges/{ch.pk}/", **BROWSER)  # the same browser again
    client.get(f"/challenges/{ch.pk}/", HTTP_USER_AGENT="Mozilla/5.0 (compatible; Baiduspider/2.0)")
    client.get(f"/challenges/{ch.pk}/")  # no user agent at all
    client.get(f"/challenges/{other.pk}/", **BROWSER)
    runs.rebuild(since=today - timedelta(days=10))
    assert dict(ChallengeViewDay.objects.values_list("challenge_id", "views")) == {ch.pk: 2, other.pk: 1}
    assert challenge_views_flush() == 0  # moved once

    rows = kpis.challenge_funnel(start=today - timedelta(days=6), end=today)
    assert rows == [
        {"challenge_id": ch.pk, "title": "Flavours", "title_zh": "新口味创意征集", "title_en": "Flavours", "views": 2, "entrants": 2, "entries": 3, "voters": 2,
         "votes": 3, "adopted": 1},
        {"challenge_id": other.pk, "title": "Bottles", "title_zh": "新口味创意征集", "title_en": "Bottles", "views": 1, "entrants": 1, "entries": 1, "voters": 0,
         "votes": 0, "adopted": 0},
    ]
    data = kpis.dashboard_data(start=today - timedelta(days=6), end=today)
    assert data["funnel"]["challenges"] == [("views", 3), ("entrants", 3), ("entries", 4), ("voters", 2),
                                            ("votes", 3), ("adopted", 1)]

    client.force_login(_operator())
    page = client.get(f"/dashboard/?from={today - timedelta(days=6)}&to={today}").content.decode()
    assert "Page views" in page and "Voters" in page and "Flavours" in page
    body = client.get(f"/dashboard/csv/challenges/?from={today - timedelta(days=6)}&to={today}").content.decode()
    assert list(csv.reader(io.StringIO(body)))[:2] == [
        ["challenge_id", "challenge", "views", "entrants", "entries", "voters", "votes", "adopted"],
        [str(ch.pk), "Flavours", "2", "2", "3", "2", "3", "1"]]
    funnel_csv = client.get(f"/dashboard/csv/funnel/?from={today - timedelta(days=6)}&to={today}").content.decode()
    assert "challenges,views,3" in funnel_csv and "challenges,voters,2" in funnel_csv

    staff = UserFactory(is_staff=True)
    BrandMembershipFactory(user=staff, brand=mine)
    client.force_login(staff)
    body = client.get(f"/dashboard/brand/csv/challenges/?from={today - timedelta(days=6)}&to={today}").content.decode()
    assert "Flavours" in body and "Bottles" not in body  # brand staff: their challenges only


def test_counting_a_view_adds_no_query_to_the_challenge_page(client, django_assert_num_queries):
    ch = challenge(BrandFactory())
    client.force_login(UserFactory())
    client.get(f"/challenges/{ch.pk}/")  # warm (session, grants)
    with CaptureQueriesContext(connection) as robot:
        client.get(f"/challenges/{ch.pk}/")  # no user agent: not counted
    with django_assert_num_queries(len(robot.captured_queries)):
        client.get(f"/challenges/{ch.pk}/", **BROWSER)  # counted: cache only
    runs.run()
    assert ChallengeViewDay.objects.get(challenge=ch).views == 1


def _funnel_rows():
    from dashboard.models import DailyChallenge, DailyChallengeUser
    return (sorted(DailyChallenge.objects.values_list("day", "challenge_id", "brand_id", "views", "adopted")),
            sorted(DailyChallengeUser.objects.values_list("day", "challenge_id", "brand_id", "user_id", "entries",
                                                          "votes")),
            sorted(FirstBadge.objects.values_list("user_id", "day")))


def test_incremental_runs_write_what_a_rebuild_writes():
    now = timezone.now()
    ch = challenge(BrandFactory())
    a, b = UserFactory.create_batch(2)
    e = entry(ch, a, now - timedelta(days=2))
    badge(a, now - timedelta(days=3))
    runs.run(now=now - timedelta(minutes=10))
    entry_vote(b, e, now - timedelta(days=2, hours=1))  # a late row in an older day
    entry(ch, b, now - timedelta(minutes=5))
    badge(b, now - timedelta(days=1))
    badge(a, now - timedelta(days=5), slug="older")  # an earlier badge found later moves a's first day
    runs.run(now=now)
    incremental = _funnel_rows()
    assert dict(incremental[2]) == {
        a.pk: timezone.localtime(now - timedelta(days=5), SH).date(),
        b.pk: timezone.localtime(now - timedelta(days=1), SH).date()}
    runs.rebuild(since=timezone.localtime(now, SH).date() - timedelta(days=10), now=now)
    assert _funnel_rows() == incremental
    assert len(incremental[1]) == 3  # a's entry, b's vote, b's entry
