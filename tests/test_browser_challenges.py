"""A real browser (Debian's Chromium through Playwright) walks a brand challenge end to end:
brand staff create and publish it in the admin, a shopper enters, two others vote, staff pick
the winner, and the winner sees the badge on their profile.

The schedule is advanced in the test process with the beat task's body
(``challenges_advance(now=...)``) instead of waiting. Screenshot: artifacts/browser/challenge-winner.png.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from community.cocreation import services
from community.cocreation.models import Challenge, Entry, EntryVote
from tests import factories
from tests.browser import ARTIFACTS, admin_log_in, log_in
from tests.challenge_helpers import old_user

pytestmark = pytest.mark.browser

S = Challenge.State


def _login(chromium, site, user):
    """A new browser context logged in through allauth's login page."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, site.url, user)
    return context, page


def _split(page, name, value):
    local = timezone.localtime(value)
    page.fill(f"input[name={name}_0]", local.strftime("%Y-%m-%d"))
    page.fill(f"input[name={name}_1]", local.strftime("%H:%M:%S"))


def test_brand_runs_a_challenge_and_the_winner_sees_the_badge(site, chromium):
    from gamification.models import Badge, UserBadge

    Badge.objects.create(slug="challenge-winner", name_zh="挑战赛冠军", criterion="challenge_winner", params={"n": 1})
    brand = factories.BrandFactory(name="暖暖 WarmCo", slug="warmco")
    staff = factories.UserFactory(is_staff=True, display_name="品牌小助手")
    factories.BrandMembershipFactory(user=staff, brand=brand)
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=("community", "cocreation", "trials"),
        codename__in=["view_challenge", "change_challenge", "add_challenge", "view_entry", "view_product"],
    ))
    author = old_user()
    voters = [old_user(), old_user()]

    # 1. Brand staff log in to the admin and create a challenge whose entries are open now.
    start = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    schedule = {
        "opens_at": start,
        "entries_close_at": start + timedelta(days=3),
        "voting_close_at": start + timedelta(days=5),
        "closes_at": start + timedelta(days=6),
    }
    staff_ctx = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    admin = staff_ctx.new_page()
    try:
        admin_log_in(admin, site.url, staff)

        admin.goto(f"{site.url}/admin/cocreation/challenge/add/")
        admin.select_option("select[name=brand]", str(brand.pk))
        admin.fill("input[name=title_zh]", "新口味创意征集")
        admin.fill("input[name=title_en]", "New flavour ideas")
        admin.fill("textarea[name=brief_zh]", "告诉我们你想要的新口味")
        admin.fill("input[name=winner_badge_slug]", "challenge-winner")
        for name, value in schedule.items():
            _split(admin, name, value)
        admin.click("input[name=_save]")
        admin.wait_for_url(f"{site.url}/admin/cocreation/challenge/")
        challenge = Challenge.objects.get(title_zh="新口味创意征集")
        assert challenge.brand == brand and challenge.state == S.DRAFT
        assert challenge.winner_badge_slug == "challenge-winner"

        # 2. Publish with the admin action: the schedule moves it straight to open.
        admin.check(f"input[name=_selected_action][value='{challenge.pk}']")
        admin.select_option("select[name=action]", "publish")
        with admin.expect_navigation():
            admin.click("button[name=index]")
        assert admin.locator(".messagelist .success").count() == 1
        challenge.refresh_from_db()
        assert challenge.state == S.OPEN

        # 3. A shopper sends an entry on the challenge page; screening runs after the commit.
        author_ctx, page = _login(chromium, site, author)
        try:
            page.goto(f"{site.url}/challenges/{challenge.pk}/")
            page.fill("#entry-text", "我想要一款桂花乌龙味的气泡水，清爽不甜，夏天冰镇着喝。")
            with page.expect_navigation():
                page.click("#submit button[type=submit]")
        finally:
            author_ctx.close()
        entry = Entry.objects.get(challenge=challenge, author=author)
        assert entry.status == Entry.Status.PUBLISHED, entry.status

        # 4. Voting opens (the beat task's body, run "later"); two other shoppers vote in the browser.
        services.challenges_advance(now=schedule["entries_close_at"] + timedelta(minutes=1))
        challenge.refresh_from_db()
        assert challenge.state == S.VOTING
        for voter in voters:
            ctx, page = _login(chromium, site, voter)
            try:
                page.goto(f"{site.url}/entries/{entry.pk}/")
                vote = page.locator("article.card button[aria-pressed]")
                assert vote.get_attribute("aria-pressed") == "false"
                with page.expect_response(lambda r: r.url.endswith("/vote/")):
                    vote.click()  # counted in place (fetch), no page load
                page.wait_for_selector("article.card button[aria-pressed=true]")
                page.goto(f"{site.url}/entries/{entry.pk}/")
                assert page.locator("article.card button[aria-pressed]").get_attribute("aria-pressed") == "true"
            finally:
                ctx.close()
        assert EntryVote.objects.filter(entry=entry, valid=True).count() == 2
        entry.refresh_from_db()
        assert entry.vote_count == 2

        # 5. Voting closes: judging. Staff pick the winner with the admin actions.
        services.challenges_advance(now=schedule["voting_close_at"] + timedelta(minutes=1))
        challenge.refresh_from_db()
        assert challenge.state == S.JUDGING
        admin.goto(f"{site.url}/admin/cocreation/challenge/")
        admin.check(f"input[name=_selected_action][value='{challenge.pk}']")
        admin.select_option("select[name=action]", "pick_winners")
        admin.click("button[name=index]")
        admin.wait_for_url("**/admin/cocreation/entry/**")
        admin.check(f"input[name=_selected_action][value='{entry.pk}']")
        admin.select_option("select[name=action]", "mark_winners")
        with admin.expect_navigation():
            admin.click("button[name=index]")
        assert admin.locator(".messagelist .error").count() == 0
        assert admin.locator(".messagelist .success").count() == 1
        entry.refresh_from_db()
        assert entry.is_winner
        assert UserBadge.objects.filter(user=author, badge__slug="challenge-winner").count() == 1
    finally:
        staff_ctx.close()

    # 6. The winner sees the badge on their profile and the trophy on the entry page.
    ctx, page = _login(chromium, site, author)
    try:
        assert "挑战赛冠军" in page.inner_text(".profile-badges")
        page.goto(f"{site.url}/entries/{entry.pk}/")
        assert "🏆" in page.inner_text("article.card")
        page.goto(f"{site.url}/me/")
        page.screenshot(path=str(ARTIFACTS / "challenge-winner.png"), full_page=True)
    finally:
        ctx.close()
