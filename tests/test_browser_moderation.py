"""A real browser (Debian's Chromium through Playwright): a moderator clears the queue with
the keyboard only, and the pages are screenshotted on a phone and a desktop.

Screenshots go to artifacts/browser/moderation-*.png (git-ignored; CI keeps them).
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from community import services
from community.models import Notification
from community.privacy import services as privacy_services
from moderation.models import Case
from tests import factories
from tests.browser import ARTIFACTS, DESKTOP, PHONE, log_in

pytestmark = pytest.mark.browser

TEXTS = [
    "保温效果不错，有问题加我微信 warmshop88 私聊便宜卖",
    "Keeps tea hot all day. Call 13912345678 for the wholesale price, cheaper than here.",
    "颜色很正，盖子严实。想要同款的打电话 13800138000 找我，比店里便宜",
]


def queue_three():
    """Three reviews that screening holds for a human (contact details)."""
    product = factories.ProductFactory(name_zh="真空保温杯 500ml", name_en="Vacuum flask 500 ml", slug="flask")
    for i, text in enumerate(TEXTS):
        author = factories.UserFactory(display_name=["小雨", "Mia", "老王"][i])
        services.review_post(author=author, product=product, rating=[2, 4, 3][i], text=text)  # screened on commit
    cases = list(Case.objects.filter(state=Case.State.QUEUED))
    assert len(cases) == 3, [(c.state, c.queue_reasons) for c in Case.objects.all()]
    return cases


def make_moderator():
    moderator = factories.UserFactory(display_name="审核员 Mia")
    moderator.groups.add(Group.objects.get_or_create(name="moderators")[0])
    return moderator


def case_id(page):
    return int(re.search(r"/moderation/cases/(\d+)/", page.url).group(1))


def test_moderator_clears_the_queue_with_the_keyboard(site, chromium):
    queue_three()
    moderator = make_moderator()
    context = chromium.new_context(locale="en-US", **DESKTOP)
    page = context.new_page()
    try:
        log_in(page, site.url, moderator, "/moderation/")
        assert page.locator("li.mod-item").count() == 3
        assert "13912345678" not in page.content()  # personal data masked in the list
        page.screenshot(path=str(ARTIFACTS / "moderation-queue-desktop.png"), full_page=True)

        # N claims the top item.
        with page.expect_navigation():
            page.keyboard.press("n")
        first = case_id(page)
        assert page.locator("#lease").is_visible()

        # A approves; the next item loads at once, already claimed.
        with page.expect_navigation():
            page.keyboard.press("a")
        second = case_id(page)
        assert second != first

        # R without a reason only asks for one; 2 picks "Abuse", 1 re-picks "Spam", R rejects.
        page.keyboard.press("r")
        page.wait_for_selector("#reason-hint", state="visible")
        assert case_id(page) == second
        page.keyboard.press("2")
        assert page.is_checked("input[name=reason][value=abuse]")
        page.keyboard.press("1")
        assert page.is_checked("input[name=reason][value=spam]")
        page.screenshot(path=str(ARTIFACTS / "moderation-case-desktop.png"), full_page=True)
        with page.expect_navigation():
            page.keyboard.press("r")
        third = case_id(page)
        assert third not in (first, second)

        # The last one: approve, and the empty queue is shown.
        with page.expect_navigation():
            page.keyboard.press("a")
        page.wait_for_selector("#queue-empty")
        assert page.url.endswith("/moderation/")
        assert "You today: 2 approved, 1 rejected" in page.inner_text("#stat-mine")
        page.screenshot(path=str(ARTIFACTS / "moderation-empty-desktop.png"), full_page=True)
    finally:
        context.close()

    decided = {c.pk: c for c in Case.objects.filter(pk__in=[first, second, third])}
    assert [decided[pk].state for pk in (first, second, third)] == ["approved", "rejected", "approved"]
    assert decided[second].reject_reason == "spam"
    assert all(c.decided_by_id == moderator.pk and c.claimed_by_id is None for c in decided.values())
    assert not Case.objects.filter(state=Case.State.QUEUED).exists()


def test_moderation_pages_on_a_phone(site, chromium):
    cases = queue_three()
    moderator = make_moderator()
    # A moderator who has accepted the current privacy policy (as sign-up does): the one-time
    # "the policy changed" banner would otherwise sit above the case, pushing Approve down.
    privacy_services.policy_accept(user=moderator, method="settings")
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    try:
        log_in(page, site.url, moderator, "/moderation/")
        page.screenshot(path=str(ARTIFACTS / "moderation-queue-phone.png"), full_page=True)
        # Nothing on the queue page is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # Bulk bar appears once an item is ticked.
        assert page.locator("#bulk-form").is_hidden()
        page.locator(".mod-pick").first.click()
        page.wait_for_selector("#bulk-form", state="visible")
        assert page.inner_text("[data-bulk-count]") == "1"

        page.click("#claim-next")
        page.wait_for_url("**/moderation/cases/*/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # Approve / Reject stay within thumb reach at the bottom of the first screen.
        box = page.locator("#approve").bounding_box()
        assert box["y"] + box["height"] <= 844 and box["height"] >= 44
        page.screenshot(path=str(ARTIFACTS / "moderation-case-phone.png"))
        page.screenshot(path=str(ARTIFACTS / "moderation-case-phone-full.png"), full_page=True)
        # Tapping a reason and Reject works without any key.
        page.click("label.reason-opt:has(input[value=spam])")
        with page.expect_navigation():
            page.click("#reject")
        assert Case.objects.filter(state=Case.State.REJECTED).count() == 1
    finally:
        context.close()

    # The author sees why, and appeals from their phone.
    rejected = Case.objects.get(state=Case.State.REJECTED)
    author = rejected.author
    # The "waiting for a moderator" notice of the hold was read earlier; the rejection is new.
    Notification.objects.filter(user=author, kind__endswith=".held").update(read_at=timezone.now())
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    try:
        log_in(page, site.url, author, "/notifications/")
        assert page.locator(".bell-count").is_visible()
        page.screenshot(path=str(ARTIFACTS / "moderation-notifications-phone.png"), full_page=True)
        page.click("a:has-text('申诉')")  # through /notifications/<id>/open/, which marks it read
        page.wait_for_url(f"**/moderation/cases/{rejected.pk}/appeal/")
        assert page.locator(".bell-count").count() == 0
        page.fill("textarea[name=message]", "这是店铺的客服电话，不是广告。")
        page.click("#appeal-form button[type=submit]")
        page.wait_for_selector("#appeal-status")
        page.screenshot(path=str(ARTIFACTS / "moderation-appeal-phone.png"), full_page=True)
    finally:
        context.close()
    rejected.refresh_from_db()
    assert rejected.state == Case.State.QUEUED and "appeal" in rejected.queue_reasons
    assert len(cases) == 3
